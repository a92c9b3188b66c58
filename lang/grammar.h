// The grammar of `.genre` scripts (PEGTL). Each rule has its EBNF above it.
// Rules consume their own inner whitespace, never the whitespace around them.
// After a distinctive prefix the grammar commits (must<> / if_must<>): a rule
// with a static `error` text then fails with that message instead of
// backtracking, so a broken construct says what was expected. The texts may
// name the context: {kind} {name} (the definition being read) and {open} (the
// innermost unclosed bracket, "the call to 'csv' (opened at line 3)").
//
// Actions (AST building) and the control that raises the messages live in
// parser.cpp; this header holds rules only.
#pragma once
#include <tao/pegtl.hpp>

namespace genre::lang::peg {

namespace p = tao::pegtl;

// ---- whitespace: newlines are plain whitespace; `#` comments run to the end of the line
// comment = "#" { any } eol
struct comment : p::seq<p::one<'#'>, p::until<p::eolf>> {};
struct ws : p::sor<p::space, comment> {};
struct sep : p::star<ws> {};

// ---- keywords (reserved: never a name, except `split(` etc. as a call)
// kind = "dataset" | "genres" | "features" | "split" | "model" | "train" | "ensemble"
//      | "report" | "analysis" | "instruments" | "encoding" | "let"
struct kind_kw : p::sor<TAO_PEGTL_KEYWORD("dataset"), TAO_PEGTL_KEYWORD("genres"),
                        TAO_PEGTL_KEYWORD("features"), TAO_PEGTL_KEYWORD("split"),
                        TAO_PEGTL_KEYWORD("model"), TAO_PEGTL_KEYWORD("train"),
                        TAO_PEGTL_KEYWORD("ensemble"), TAO_PEGTL_KEYWORD("report"),
                        TAO_PEGTL_KEYWORD("analysis"), TAO_PEGTL_KEYWORD("instruments"),
                        TAO_PEGTL_KEYWORD("encoding"), TAO_PEGTL_KEYWORD("let")> {};
struct kw_use : TAO_PEGTL_KEYWORD("use") {};
struct kw_with : TAO_PEGTL_KEYWORD("with") {};
struct kw_for : TAO_PEGTL_KEYWORD("for") {};
struct kw_in : TAO_PEGTL_KEYWORD("in") {};
struct kw_and : TAO_PEGTL_KEYWORD("and") {};
struct kw_or : TAO_PEGTL_KEYWORD("or") {};
struct kw_not : TAO_PEGTL_KEYWORD("not") {};
struct kw_true : TAO_PEGTL_KEYWORD("true") {};
struct kw_false : TAO_PEGTL_KEYWORD("false") {};
struct reserved : p::sor<kind_kw, kw_use, kw_with, kw_for, kw_in, kw_and, kw_or, kw_not,
                         kw_true, kw_false> {};

// name = identifier - reserved
struct name : p::seq<p::not_at<reserved>, p::identifier> {};
// A keyword where a name was expected.
struct keyword_as_name : p::failure {
  static constexpr const char* error = "'{token}' is a keyword and cannot be used as a name";
};

struct expr;
struct pipe_expr;

// ---- numbers: 12  0.5  1e-3  30s  250ms  22050Hz  16kHz  70%
// number = digits [ "." digits ] [ ("e"|"E") ["+"|"-"] digits ] [ unit ]
// unit   = "ms" | "s" | "kHz" | "Hz" | "%"
struct digits : p::plus<p::digit> {};
struct exponent : p::seq<p::one<'e', 'E'>, p::opt<p::one<'+', '-'>>, digits> {};
struct number_raw : p::seq<digits, p::opt<p::one<'.'>, digits>, p::opt<exponent>> {};
struct unit : p::sor<TAO_PEGTL_KEYWORD("ms"), TAO_PEGTL_KEYWORD("s"), TAO_PEGTL_KEYWORD("kHz"),
                     TAO_PEGTL_KEYWORD("Hz"), p::one<'%'>> {};
struct unit_end : p::not_at<p::identifier_other> {
  static constexpr const char* error = "unknown unit '{token}' (units are s, ms, Hz, kHz and %)";
};
struct number : p::seq<number_raw, p::opt<unit>, p::must<unit_end>> {};

// ---- strings: "text" with \" \\ \n \t; UTF-8 inside; one line
// string = '"' { char | "\" ( '"' | "\" | "n" | "t" ) } '"'
struct escape_code : p::one<'"', '\\', 'n', 't'> {
  static constexpr const char* error = "unknown escape '\\{token}' in a string (use \\\" \\\\ \\n or \\t)";
};
struct escaped : p::if_must<p::one<'\\'>, escape_code> {};
struct plain_char : p::not_one<'"', '\\', '\n', '\r'> {};
struct string_close : p::one<'"'> {
  static constexpr const char* error = "unterminated string (a string ends with '\"' on the same line)";
};
struct string_lit : p::if_must<p::one<'"'>, p::star<p::sor<escaped, plain_char>>, string_close> {};

// bool = "true" | "false"
struct bool_lit : p::sor<kw_true, kw_false> {};

// ---- lists: "[" [ expr { "," expr } [","] ] "]"
struct list_open : p::one<'['> {};
struct list_next : p::sor<expr, p::at<p::one<']'>>> {
  static constexpr const char* error = "expected a list item or ']' after ','";
};
struct list_close : p::one<']'> {
  static constexpr const char* error = "expected ',' or ']' to close {open}";
};
struct list : p::seq<list_open, sep,
                     p::opt<expr, sep, p::star<p::one<','>, sep, p::must<list_next>, sep>>,
                     p::must<list_close>> {};

// ---- records: "{" [ field { [","] field } [","] ] "}"   field = identifier ":" expr
// (field names may be keywords: `{ train: 70% }`)
struct field_name : p::identifier {};
struct field_colon : p::one<':'> {
  static constexpr const char* error = "expected ':' after the field name (records are { name: value, ... })";
};
struct field_value : p::seq<expr> {
  static constexpr const char* error = "expected a value after ':'";
};
struct field : p::seq<field_name, sep, p::must<field_colon>, sep, p::must<field_value>> {};
struct field_next : p::sor<field, p::at<p::one<'}'>>> {
  static constexpr const char* error = "expected 'name: value' or '}' after ','";
};
struct record_open : p::one<'{'> {};
struct record_close : p::one<'}'> {
  static constexpr const char* error = "expected '}' to close {open}";
};
struct record : p::seq<record_open, sep,
                       p::opt<field, p::star<sep, p::sor<p::seq<p::one<','>, sep, p::must<field_next>>,
                                                        p::seq<p::at<p::identifier, sep, p::one<':'>>, field>>>>,
                       sep, p::must<record_close>> {};
// A `{` that opens a record rather than a block: `{ }` or `{ name :`.
struct record_start : p::seq<p::one<'{'>, sep, p::identifier, sep, p::one<':'>> {};

// ---- calls
// call   = callee ( "(" [ args ] ")" [ block ] | block )
// args   = arg { "," arg } [","]      arg = identifier ":" expr | expr
// block  = "{" { ( arrow | postfix ) [","|";"] } "}"  (not when the "{" starts a record)
// callee = name | kind "("   (a keyword may be called: `split(by: "x")`)
struct callee : p::sor<name, p::seq<kind_kw, p::at<p::one<'('>>>> {};
struct arg_name : p::identifier {};
struct arg_value : p::seq<expr> {
  static constexpr const char* error = "expected a value for the argument";
};
struct named_arg : p::seq<arg_name, sep, p::one<':'>, sep, p::must<arg_value>> {};
struct arg : p::sor<named_arg, expr> {};
struct arg_next : p::sor<arg, p::at<p::one<')'>>> {
  static constexpr const char* error = "expected an argument or ')' after ','";
};
struct call_open : p::one<'('> {};
struct call_close : p::one<')'> {
  static constexpr const char* error = "expected ')' to close {open}";
};
struct call_args : p::seq<call_open, sep,
                          p::opt<arg, sep, p::star<p::one<','>, sep, p::must<arg_next>, sep>>,
                          p::must<call_close>> {};
struct postfix;
struct block_open : p::seq<p::not_at<record_start>, p::one<'{'>> {};
struct block_close : p::one<'}'> {
  static constexpr const char* error = "expected '}' to close {open}";
};
// arrow = ( name | string ) "<-" ( programs | expr )   a block item of merge / map:
//   merge { house <- ["deep house", "hard house"] }     map { drums <- percussion; piano <- programs 0..7 }
// programs = "programs" range { "," range }     range = number [ ".." number ]   (0..7 is 0 to 7, both in)
struct range_end : p::seq<number> {
  static constexpr const char* error = "expected a number after '..' (like `programs 0..7`)";
};
struct prog_range : p::seq<number, p::opt<sep, p::string<'.', '.'>, sep, p::must<range_end>>> {};
struct range_first : p::seq<prog_range> {
  static constexpr const char* error = "expected a program or a range after 'programs' (like `programs 0..7, 24`)";
};
struct programs : p::seq<TAO_PEGTL_KEYWORD("programs"), sep, p::must<range_first>,
                         p::star<sep, p::one<','>, sep, prog_range>> {};
struct arrow_value : p::sor<programs, expr> {
  static constexpr const char* error = "expected {arrow} after '<-'";
};
struct name_ref;
struct arrow_target : p::sor<string_lit, name_ref> {};
struct arrow : p::seq<arrow_target, sep, p::string<'<', '-'>, sep, p::must<arrow_value>> {};
// Block items never start with a keyword: an unclosed block then ends at the next definition.
// block = "{" { ( arrow | postfix ) [ "," | ";" ] } "}"
struct block_item : p::seq<p::not_at<reserved>, p::sor<arrow, postfix>> {};
struct block_sep : p::one<',', ';'> {};
struct block : p::seq<block_open, sep,
                      p::opt<block_item, p::star<sep, p::opt<block_sep, sep>, block_item>, p::opt<sep, block_sep>>,
                      sep, p::must<block_close>> {};
struct call : p::seq<callee, p::sor<p::seq<call_args, p::opt<sep, block>>, p::seq<sep, block>>> {};

// ---- primaries and postfix operators
// paren = "(" expr ")"
struct paren_open : p::one<'('> {};
struct paren_close : p::one<')'> {
  static constexpr const char* error = "expected ')' to close {open}";
};
struct paren_inner : p::seq<expr> {
  static constexpr const char* error = "expected an expression after '('";
};
struct paren : p::seq<paren_open, sep, p::must<paren_inner>, sep, p::must<paren_close>> {};
struct name_ref : name {};
struct primary : p::sor<number, string_lit, bool_lit, list, record, paren, call, name_ref,
                        p::seq<p::at<reserved>, p::raise<keyword_as_name>>> {};

// postfix = primary { "." identifier | "with" record }
struct member_name : p::identifier {
  static constexpr const char* error = "expected a name after '.' (like `s.train`)";
};
struct member : p::seq<p::one<'.'>, p::must<member_name>> {};
struct with_record : record {
  static constexpr const char* error = "expected a record after 'with' (like `with { epochs: 10 }`)";
};
struct with_op : p::seq<sep, kw_with, sep, p::must<with_record>> {};
struct postfix : p::seq<primary, p::star<p::sor<member, with_op>>> {};

// ---- operators, loosest last: or < and < not < comparison < + - < * / < unary - < postfix
struct neg;
struct operand : p::sor<neg, postfix> {
  static constexpr const char* error = "expected a value, found '{token}'";
};
struct neg : p::seq<p::one<'-'>, sep, p::must<operand>> {};
struct mul_op : p::one<'*', '/'> {};
struct mul_tail : p::seq<sep, mul_op, sep, p::must<operand>> {};
struct mul_expr : p::seq<operand, p::star<mul_tail>> {};
struct add_op : p::one<'+', '-'> {};
struct add_rhs : mul_expr {
  static constexpr const char* error = "expected a value, found '{token}'";
};
struct add_tail : p::seq<sep, add_op, sep, p::must<add_rhs>> {};
struct add_expr : p::seq<mul_expr, p::star<add_tail>> {};
struct cmp_op : p::sor<p::string<'=', '='>, p::string<'!', '='>, p::string<'<', '='>,
                       p::string<'>', '='>, p::one<'<'>, p::one<'>'>, kw_in> {};
struct cmp_rhs : add_expr {
  static constexpr const char* error = "expected a value, found '{token}'";
};
struct cmp_tail : p::seq<sep, cmp_op, sep, p::must<cmp_rhs>> {};
struct cmp_expr : p::seq<add_expr, p::opt<cmp_tail>> {};
struct not_rhs;
struct not_op : p::seq<kw_not, sep, p::must<not_rhs>> {};
struct not_expr : p::sor<not_op, cmp_expr> {};
struct not_rhs : not_expr {
  static constexpr const char* error = "expected an operand after 'not'";
};
struct and_rhs : not_expr {
  static constexpr const char* error = "expected an operand after 'and'";
};
struct and_tail : p::seq<sep, kw_and, sep, p::must<and_rhs>> {};
struct and_expr : p::seq<not_expr, p::star<and_tail>> {};
struct or_rhs : and_expr {
  static constexpr const char* error = "expected an operand after 'or'";
};
struct or_tail : p::seq<sep, kw_or, sep, p::must<or_rhs>> {};
struct or_expr : p::seq<and_expr, p::star<or_tail>> {};

// pipe = or_expr { "|>" ( call | name ) }     a |> f(x) = f(a, x);  a |> g = g(a)
struct pipe_target : p::sor<call, name_ref> {
  static constexpr const char* error = "expected an op after '|>' (like `|> keep(label in six)`)";
};
struct pipe_tail : p::seq<sep, p::string<'|', '>'>, sep, p::must<pipe_target>> {};
struct pipe_expr : p::seq<or_expr, p::star<pipe_tail>> {};

// for = "for" binding { "," binding } ":" expr      binding = name "in" pipe
struct binding_name : name {
  static constexpr const char* error = "expected a name after 'for' (like `for lr in [0.1, 0.01]: ...`)";
};
struct binding_in : kw_in {
  static constexpr const char* error = "expected 'in' after the name of a for";
};
struct binding_values : pipe_expr {
  static constexpr const char* error = "expected a list after 'in'";
};
struct binding : p::seq<p::must<binding_name>, sep, p::must<binding_in>, sep, p::must<binding_values>> {};
struct for_colon : p::one<':'> {
  static constexpr const char* error = "expected ':' after the values of a for (for x in [...]: expr)";
};
struct for_body : p::seq<expr> {
  static constexpr const char* error = "expected an expression after ':'";
};
struct for_expr : p::if_must<kw_for, sep, binding, p::star<sep, p::one<','>, sep, binding>, sep, for_colon,
                             sep, for_body> {};

// expr = for | pipe
struct expr : p::sor<for_expr, pipe_expr> {};

// ---- top level
// use = "use" identifier { "." identifier }
struct module_path : p::seq<p::identifier, p::star<p::one<'.'>, p::identifier>> {
  static constexpr const char* error = "expected a module after 'use' (like `use std.features`)";
};
struct use_stmt : p::if_must<kw_use, sep, module_path> {};

// definition = kind name "=" expr
struct def_kind : kind_kw {};
struct def_name : p::sor<name, p::seq<p::at<reserved>, p::raise<keyword_as_name>>> {
  static constexpr const char* error = "expected a name after '{kind}'";
};
struct def_eq : p::one<'='> {
  static constexpr const char* error = "expected '=' after the name of a {kind} definition";
};
struct def_value : expr {
  static constexpr const char* error = "expected an expression after '=' in the definition of '{name}'";
};
// What may follow a definition: the end, or the next `use` / definition.
struct def_end : p::sor<p::eof, p::at<kw_use>, p::at<kind_kw>> {
  static constexpr const char* error = "unexpected '{token}' after the definition of '{name}'";
};
struct definition : p::if_must<def_kind, sep, def_name, sep, def_eq, sep, def_value, sep, def_end> {};

// One top-level item; parser.cpp loops over items so that it can resume after an error.
struct item : p::sor<use_stmt, definition> {};
// The whole script, for analyze<>() (the parser itself reads item by item).
struct grammar : p::seq<sep, p::star<item, sep>, p::eof> {};

}  // namespace genre::lang::peg
