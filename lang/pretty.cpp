// The layout printer behind `genre fmt`. It prints the syntax tree, not the
// text, so the layout depends only on the tree, the comments, the blank lines
// between items and three choices the writer makes (docs/language.md, "Layout"):
// a bracket followed by a line break stays broken, `=` / `name:` that line up
// stay lined up, and a trailing comment keeps its column when the code before it
// is printed as it was written.
//
// How: a construct goes on one line when it fits in 100 columns; otherwise it
// breaks in its own way (a pipeline one stage a line, arguments filled under the
// first, a block one item a line). Comments are not in the tree: they are found
// with the grammar's own rule and printed, by source offset, before the first
// token that comes after them; a construct holding a comment never goes on one line.
#include "lang/pretty.h"

#include <algorithm>
#include <optional>
#include <stdexcept>

#include "lang/diagnostics.h"
#include "lang/grammar.h"
#include "lang/parser.h"

namespace genre::lang {

namespace {

namespace p = tao::pegtl;
using K = Expr::Kind;

constexpr int max_width = 100;

struct Comment {
  size_t offset;     // of the '#'
  int line;          // 1-based
  int col;           // 0-based, in characters
  std::string text;  // '#' to the end of the line, without trailing blanks
  bool own_line;     // nothing but blanks before it on its line
  int code_end;      // a trailing comment: the column where the code before it ends
};

// Characters (not bytes) in a UTF-8 string.
int width(std::string_view s) {
  int w = 0;
  for (char c : s) w += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return w;
}

// ---- comments, found with the grammar's rules: a string is read whole, so a `#` in it is text
template <typename R>
struct scan_action : p::nothing<R> {};
template <>
struct scan_action<peg::comment> {
  template <typename In>
  static void apply(const In& in, const std::string& src, std::vector<Comment>& out) {
    size_t at = in.iterator().byte;
    size_t nl = at == 0 ? std::string::npos : src.rfind('\n', at - 1);
    size_t bol = nl == std::string::npos ? 0 : nl + 1;
    std::string text = in.string();
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
    bool own = src.find_first_not_of(" \t\r", bol) >= at;
    size_t code = at;
    while (code > bol && (src[code - 1] == ' ' || src[code - 1] == '\t')) --code;
    std::string_view line(src.data() + bol, at - bol);
    out.push_back({at, int(in.iterator().line), width(line), text, own, width(line.substr(0, code - bol))});
  }
};
struct comment_scan : p::star<p::sor<peg::string_lit, peg::comment, p::any>> {};

std::vector<Comment> comments_of(const std::string& src) {
  std::vector<Comment> out;
  p::memory_input<> in(src, "");
  p::parse<comment_scan, scan_action>(in, src, out);
  return out;
}

// ---- precedence, as in grammar.h: for < |> < or < and < not < comparison < + - < * / < unary - < postfix
int prec(const Expr& e) {
  switch (e.kind) {
    case K::For: return 0;
    case K::Pipe: return 1;
    case K::Binary:
      if (e.text == "or") return 2;
      if (e.text == "and") return 3;
      if (e.text == "+" || e.text == "-") return 6;
      if (e.text == "*" || e.text == "/") return 7;
      return 5;  // comparisons and `in`
    case K::Unary: return e.text == "not" ? 4 : 8;
    default: return 9;
  }
}

// The precedence each operand of a binary operator needs (left, right): left-associative,
// and a comparison does not chain.
std::pair<int, int> operand_prec(const Expr& e) {
  int p = prec(e);
  if (p == 5) return {6, 6};
  return {p, p + 1};
}

// An item whose `=` (or value) may line up with its neighbours': the width of what
// comes before, and the column of the `=` in the source (-1: not on the item's first line).
struct Key {
  int width;
  int src_col;
  size_t begin, end;  // the item in the source: a blank line between two items ends a group
};

// One entry of a bracketed sequence: a list item, an argument, a field, a block item.
struct Entry {
  const std::string* name = nullptr;  // `name:` of a named argument or a field
  const Expr* value = nullptr;
  size_t begin = 0, end = 0;          // source offsets, the name included
  int min_prec = 0;                   // a block item is a postfix expression: `{ (a - b) }` keeps its parentheses
};

struct Seq {
  enum Kind { List, Args, Record, Block } kind;
  size_t open = 0, close = 0;  // offsets of the brackets
  std::vector<Entry> items;
};

std::string open_of(Seq::Kind k) { return k == Seq::List ? "[" : k == Seq::Args ? "(" : "{"; }
std::string close_of(Seq::Kind k) { return k == Seq::List ? "]" : k == Seq::Args ? ")" : "}"; }

class Printer {
 public:
  Printer(const Script& s, std::vector<Comment> comments) : s_(s), src_(s.source), comments_(std::move(comments)) {
    line_starts_.push_back(0);
    for (size_t i = 0; i < src_.size(); ++i)
      if (src_[i] == '\n') line_starts_.push_back(i + 1);
  }

  std::string run() {
    const Script& s = s_;
    struct Item {
      size_t begin;
      const Use* use;
      const Definition* def;
    };
    std::vector<Item> items;
    for (auto& u : s.uses) items.push_back({u.range.begin.offset, &u, nullptr});
    for (auto& d : s.defs) items.push_back({d.kind_range.begin.offset, nullptr, &d});
    std::sort(items.begin(), items.end(), [](auto& a, auto& b) { return a.begin < b.begin; });

    // `=` of adjacent definitions that line up in the source stay lined up.
    std::vector<Key> keys;
    for (auto& it : items) {
      if (it.use) {
        keys.push_back({0, -1, it.begin, it.use->range.end.offset});
        continue;
      }
      const Definition& d = *it.def;
      size_t eq = skip_blank(d.name_range.end.offset);
      bool same_line = line_of(eq) == d.name_range.begin.line && d.kind_range.begin.line == d.name_range.begin.line;
      keys.push_back({int(d.kind.size() + 1 + d.name.size()), same_line ? col_of(eq) : -1, it.begin,
                      d.range.end.offset});
    }
    std::vector<int> pads = align(keys);

    for (size_t i = 0; i < items.size(); ++i) {
      const Item& it = items[i];
      flush(it.begin, 0);
      newline(0, blank_before(line_of(it.begin)));
      o_.hang = 0;
      if (it.use) {
        put("use " + it.use->module);
        o_.last_line = it.use->range.end.line;
        continue;
      }
      const Definition& d = *it.def;
      tok(d.kind, d.kind_range.begin.offset);
      put(" ");
      tok(d.name, d.name_range.begin.offset);
      put(std::string(pads[i], ' '));
      tok("=", skip_blank(d.name_range.end.offset));
      put(" ");
      expr(*d.value, 0);
    }
    flush(std::string::npos, 0);
    newline(0);
    std::string out = std::move(o_.text);
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out.empty() ? out : out + "\n";
  }

 private:
  const Script& s_;
  const std::string& src_;
  std::vector<Comment> comments_;
  std::vector<size_t> line_starts_;

  // What has been printed: copied to try a layout, and restored when it did not fit.
  struct Out {
    std::string text;
    size_t line_start = 0;    // of the current line in `text`
    int indent = 0;           // of the current line (written with its first token)
    bool fresh = true;        // nothing on the current line yet
    bool must_break = false;  // a comment ends the current line
    bool at_open = false;     // just after an opening bracket broken onto lines: no blank line here
    size_t next = 0;          // the next comment to print
    int last_line = 0;        // source line of the last thing printed
    int hang = 0;             // where the current construct's continuation lines start
    int tc_line = -1, tc_src_col = -1, tc_col = -1;  // the last trailing comment: its line, source and printed column
  } o_;

  // ---- source positions
  int line_of(size_t off) const {
    return int(std::upper_bound(line_starts_.begin(), line_starts_.end(), off) - line_starts_.begin());
  }
  int col_of(size_t off) const {
    size_t bol = line_starts_[line_of(off) - 1];
    return width(std::string_view(src_).substr(bol, off - bol));
  }
  // The offset of the next token at or after `off` (skips blanks and comments).
  size_t skip_blank(size_t off) const {
    while (off < src_.size()) {
      if (std::isspace(static_cast<unsigned char>(src_[off]))) ++off;
      else if (src_[off] == '#') off = std::min(src_.find('\n', off), src_.size());
      else break;
    }
    return off;
  }
  // Whether the writer broke the line right after the bracket at `open`.
  bool forced(size_t open) const {
    size_t i = open + 1;
    while (i < src_.size() && (src_[i] == ' ' || src_[i] == '\t' || src_[i] == '\r')) ++i;
    return i < src_.size() && (src_[i] == '\n' || src_[i] == '#');
  }
  bool blank_between(size_t a, size_t b) const {
    for (int l = line_of(a) + 1; l < line_of(b); ++l) {
      size_t s = line_starts_[l - 1], e = line_starts_[l] - 1;
      if (src_.find_first_not_of(" \t\r", s) >= e) return true;
    }
    return false;
  }
  bool blank_before(int line) const { return o_.last_line > 0 && line - o_.last_line >= 2; }
  bool has_comment(size_t begin, size_t end) const {
    auto it = std::lower_bound(comments_.begin(), comments_.end(), begin,
                               [](const Comment& c, size_t off) { return c.offset < off; });
    return it != comments_.end() && it->offset < end;
  }
  // `s` goes one item a line: the writer broke the line after its opening bracket, or a
  // comment sits between its items.
  bool breaks(const Seq& s) const { return (!s.items.empty() && forced(s.open)) || has_direct_comment(s); }
  // A comment between the items of a sequence (not inside one).
  bool has_direct_comment(const Seq& s) const {
    for (auto& c : comments_) {
      if (c.offset <= s.open || c.offset >= s.close) continue;
      bool inside = false;
      for (auto& e : s.items) inside = inside || (c.offset >= e.begin && c.offset < e.end);
      if (!inside) return true;
    }
    return false;
  }
  std::string_view text_of(const Range& r) const {
    return std::string_view(src_).substr(r.begin.offset, r.end.offset - r.begin.offset);
  }

  // ---- output
  int col() const { return o_.fresh ? o_.indent : width(std::string_view(o_.text).substr(o_.line_start)); }
  bool fits(int w) const { return !o_.must_break && col() + w <= max_width; }
  void rstrip() {
    while (o_.text.size() > o_.line_start && o_.text.back() == ' ') o_.text.pop_back();
  }
  void put(const std::string& s) {
    if (o_.fresh) {
      o_.text.append(size_t(o_.indent), ' ');
      o_.fresh = false;
      o_.at_open = false;
    }
    o_.text += s;
  }
  // Ends the current line (if it has anything) and starts the next at `indent`.
  void newline(int indent, bool blank = false) {
    if (!o_.fresh) {
      rstrip();
      o_.text += '\n';
      o_.fresh = true;
    }
    if (blank && !o_.at_open && o_.text.size() >= 2 && o_.text.compare(o_.text.size() - 2, 2, "\n\n"))
      o_.text += '\n';
    o_.line_start = o_.text.size();
    o_.indent = indent;
    o_.must_break = false;
  }
  // The current line holds only closing brackets: `}` of a block broken onto lines.
  bool line_is_closers() const {
    if (o_.fresh) return false;
    std::string_view l = std::string_view(o_.text).substr(o_.line_start);
    l.remove_prefix(std::min(l.find_first_not_of(' '), l.size()));
    return !l.empty() && l.find_first_not_of(")]}") == std::string_view::npos;
  }
  // Whether the line where a tried layout started stayed within the width.
  bool first_line_fits(const Out& before) const {
    size_t end = o_.text.find('\n', before.text.size());
    std::string_view l = std::string_view(o_.text).substr(before.line_start, end == std::string::npos ? std::string::npos
                                                                                                   : end - before.line_start);
    return width(l) <= max_width;
  }

  // Prints the comments that come before `off`: a trailing one at the end of the
  // current line, one on its own line on a line of its own at `indent` (or, when it
  // continues a trailing comment right above it, at that comment's column).
  void flush(size_t off, int indent) {
    while (o_.next < comments_.size() && comments_[o_.next].offset < off) {
      const Comment& c = comments_[o_.next++];
      if (!c.own_line && !o_.fresh && !o_.must_break) {
        rstrip();
        // On a line printed as written the comment keeps its column (two spaces at least).
        int at = col() == c.code_end && c.col >= col() + 2 ? c.col : col() + 2;
        put(std::string(size_t(at - col()), ' ') + c.text);
        o_.tc_line = c.line, o_.tc_src_col = c.col, o_.tc_col = at;
      } else if (c.own_line && c.line == o_.tc_line + 1 && c.col == o_.tc_src_col) {
        newline(o_.tc_col);
        put(c.text);
        o_.tc_line = c.line;
      } else {
        newline(indent, blank_before(c.line));
        put(c.text);
        o_.tc_line = -1;
      }
      o_.last_line = c.line;
      o_.must_break = true;
    }
  }
  // One token at source offset `off`, after the comments before it; `space`: with a
  // space before it, unless a comment moved it to a new line.
  void tok(const std::string& s, size_t off, bool space = false) {
    flush(off, o_.hang + 2);
    if (o_.must_break) newline(o_.hang + 2);
    else if (space && !o_.fresh) put(" ");
    put(s);
    o_.last_line = line_of(off);
  }

  // ---- one line
  std::string number_text(const Expr& e) const {
    std::string out;
    std::string_view t = text_of(e.range);
    for (size_t i = 0; i < t.size(); ++i) {
      if (t[i] == '#') i = std::min(t.find('\n', i), t.size());
      else if (!std::isspace(static_cast<unsigned char>(t[i])) && t[i] != '(' && t[i] != ')') out += t[i];  // -(2)
    }
    return out;
  }
  bool is_programs(const Expr& v) const {
    return v.kind == K::List && src_.compare(v.range.begin.offset, 8, "programs") == 0;
  }
  // `programs 0..7, 24`: a list of [first, last] pairs; a single program's pair repeats one number.
  std::string programs_text(const Expr& v) const {
    std::string out = "programs ";
    for (size_t i = 0; i < v.items.size(); ++i) {
      const Expr& r = *v.items[i];
      out += (i ? ", " : "") + number_text(*r.items[0]);
      if (r.items[1]->range.begin.offset != r.items[0]->range.begin.offset) out += ".." + number_text(*r.items[1]);
    }
    return out;
  }
  std::string target_text(const Expr& e) const { return e.kind == K::String ? std::string(text_of(e.range)) : e.text; }
  // A number, string, bool or name as written.
  std::string atom_text(const Expr& e) const {
    switch (e.kind) {
      case K::Number: return number_text(e);
      case K::String: return std::string(text_of(e.range));
      case K::Bool: return e.boolean ? "true" : "false";
      default: return e.text;
    }
  }

  std::optional<std::string> flat(const Entry& e) const {
    if (has_comment(e.begin, e.end)) return std::nullopt;
    auto v = flat(*e.value, e.min_prec);
    if (!v) return v;
    return e.name ? *e.name + ": " + *v : *v;
  }
  std::optional<std::string> flat(const Seq& s) const {
    if (!s.items.empty() && forced(s.open)) return std::nullopt;
    // `a <- x; b <- y`: a comma could read as one more program of `programs 0..7`
    bool arrows = std::any_of(s.items.begin(), s.items.end(), [](auto& e) { return e.value->kind == K::Arrow; });
    std::string out;
    for (size_t i = 0; i < s.items.size(); ++i) {
      auto v = flat(s.items[i]);
      if (!v) return v;
      out += (i ? arrows ? "; " : ", " : "") + *v;
    }
    if (s.kind == Seq::Record || s.kind == Seq::Block) return out.empty() ? "{}" : "{ " + out + " }";
    return open_of(s.kind) + out + close_of(s.kind);
  }
  // The expression on one line, or nothing when it holds a comment or a bracket the writer broke.
  std::optional<std::string> flat(const Expr& e, int min_prec = 0) const {
    if (has_comment(e.range.begin.offset, e.range.end.offset)) return std::nullopt;
    std::optional<std::string> out;
    auto cat = [](std::initializer_list<std::optional<std::string>> parts) -> std::optional<std::string> {
      std::string s;
      for (auto& x : parts) {
        if (!x) return std::nullopt;
        s += *x;
      }
      return s;
    };
    switch (e.kind) {
      case K::Number:
      case K::String:
      case K::Bool:
      case K::Name: out = atom_text(e); break;
      case K::List: out = flat(list_seq(e)); break;
      case K::Record: out = flat(record_seq(e)); break;
      case K::Call: {
        out = e.text;
        if (e.has_parens) out = cat({out, flat(args_seq(e))});
        if (e.has_block) out = cat({out, " ", flat(block_seq(e))});
        break;
      }
      case K::Member: out = cat({flat(*e.lhs, 9), "." + e.text}); break;
      case K::Pipe: out = cat({flat(*e.lhs, 1), " |> ", flat(*e.rhs, 9)}); break;
      case K::With: out = cat({flat(*e.lhs, 9), " with ", flat(*e.rhs)}); break;
      case K::For: {
        out = "for ";
        for (size_t i = 0; i < e.bindings.size(); ++i)
          out = cat({out, (i ? ", " : "") + e.bindings[i].name + " in ", flat(*e.bindings[i].values, 1)});
        out = cat({out, ": ", flat(*e.lhs)});
        break;
      }
      case K::Binary: {
        auto [l, r] = operand_prec(e);
        out = cat({flat(*e.lhs, l), " " + e.text + " ", flat(*e.rhs, r)});
        break;
      }
      case K::Unary:
        out = e.text == "not" ? cat({"not ", flat(*e.lhs, 4)}) : cat({"-", flat(*e.lhs, 8)});
        break;
      case K::Arrow:
        out = target_text(*e.lhs) + " <- ";
        out = is_programs(*e.rhs) ? cat({out, programs_text(*e.rhs)}) : cat({out, flat(*e.rhs)});
        break;
    }
    if (out && own_prec(e) < min_prec) return "(" + *out + ")";
    return out;
  }
  // A negative number literal binds like unary minus.
  int own_prec(const Expr& e) const {
    if (e.kind == K::Number && src_[e.range.begin.offset] == '-') return 8;
    return prec(e);
  }

  // ---- the sequences in the tree
  Seq list_seq(const Expr& e) const {
    Seq s{Seq::List, e.range.begin.offset, e.range.end.offset - 1, {}};
    for (auto& x : e.items)
      s.items.push_back({nullptr, x.get(), x->range.begin.offset, x->range.end.offset});
    return s;
  }
  Seq record_seq(const Expr& e) const {
    Seq s{Seq::Record, e.range.begin.offset, e.range.end.offset - 1, {}};
    for (auto& f : e.fields)
      s.items.push_back({&f.name, f.value.get(), f.name_range.begin.offset, f.value->range.end.offset});
    return s;
  }
  Seq args_seq(const Expr& e) const {
    Seq s{Seq::Args, e.callee_range.end.offset, 0, {}};
    for (auto& a : e.args)
      s.items.push_back({a.name.empty() ? nullptr : &a.name, a.value.get(),
                         a.name.empty() ? a.value->range.begin.offset : a.name_range.begin.offset,
                         a.value->range.end.offset});
    if (!e.has_block) {
      s.close = e.range.end.offset - 1;
    } else {  // `)` is the first token after the last argument and its commas
      size_t at = s.items.empty() ? s.open + 1 : s.items.back().end;
      while ((at = skip_blank(at)) < src_.size() && src_[at] == ',') ++at;
      s.close = at;
    }
    return s;
  }
  Seq block_seq(const Expr& e) const {
    size_t after = e.has_parens ? args_seq(e).close + 1 : e.callee_range.end.offset;
    Seq s{Seq::Block, skip_blank(after), e.range.end.offset - 1, {}};
    for (auto& x : e.items)
      s.items.push_back({nullptr, x.get(), x->range.begin.offset, x->range.end.offset, x->kind == K::Arrow ? 0 : 9});
    return s;
  }

  // Pads after each key: 1, or up to the longest key of a group whose columns line up
  // in the source (adjacent items, no blank line between them).
  std::vector<int> align(const std::vector<Key>& ks) const {
    std::vector<int> pads(ks.size(), 1);
    for (size_t i = 0; i < ks.size();) {
      size_t j = i + 1;
      while (ks[i].src_col >= 0 && j < ks.size() && ks[j].src_col == ks[i].src_col &&
             !blank_between(ks[j - 1].end, ks[j].begin))
        ++j;
      int w = 0;
      for (size_t k = i; k < j; ++k) w = std::max(w, ks[k].width);
      if (j - i > 1)
        for (size_t k = i; k < j; ++k) pads[k] = w - ks[k].width + 1;
      i = j;
    }
    return pads;
  }

  // ---- layout
  void expr(const Expr& e, int tail, int min_prec = 0) {
    flush(e.range.begin.offset, o_.hang + 2);
    if (o_.must_break) newline(o_.hang + 2);
    if (auto f = flat(e, min_prec); f && fits(width(*f) + tail)) {
      put(*f);
      o_.last_line = e.range.end.line;
      return;
    }
    if (own_prec(e) < min_prec) {
      put("(");
      expr(e, tail + 1);
      tok(")", e.range.end.offset);
      return;
    }
    switch (e.kind) {
      case K::Number:  // a token longer than the line, or a comment after a `-`
      case K::String:
      case K::Bool:
      case K::Name:
        put(atom_text(e));
        o_.last_line = e.range.end.line;
        break;
      case K::List: seq(list_seq(e), tail); break;
      case K::Record: seq(record_seq(e), tail); break;
      case K::Call: call(e, tail); break;
      case K::Member:  // `.` sticks to what it follows
        expr(*e.lhs, 0, 9);
        put("." + e.text);
        break;
      case K::Pipe: pipe(e, tail); break;
      case K::With: with(e, tail); break;
      case K::For: for_(e, tail); break;
      case K::Binary: {
        auto [l, r] = operand_prec(e);
        expr(*e.lhs, 0, l);
        tok(e.text, e.rhs->range.begin.offset, true);
        put(" ");
        expr(*e.rhs, tail, r);
        break;
      }
      case K::Unary:
        put(e.text == "not" ? "not " : "-");
        expr(*e.lhs, tail, e.text == "not" ? 4 : 8);
        break;
      case K::Arrow:
        put(target_text(*e.lhs) + " <-");
        if (is_programs(*e.rhs)) {
          tok(programs_text(*e.rhs), e.rhs->range.begin.offset, true);
        } else {
          put(" ");
          expr(*e.rhs, tail);
        }
        break;
    }
  }

  // One entry with `pad` spaces after its name.
  void entry(const Entry& e, int tail, int pad = 1) {
    if (e.name) {
      tok(*e.name + ":", e.begin);
      put(std::string(size_t(pad), ' '));
    }
    expr(*e.value, tail, e.min_prec);
  }

  void seq(const Seq& s, int tail) {
    if (breaks(s)) return vertical(s);
    flush(s.open, o_.hang + 2);
    if (auto f = flat(s); f && fits(width(*f) + tail)) {
      put(*f);
      o_.last_line = line_of(s.close);
    } else {
      fill(s, tail);
    }
  }

  // Broken onto lines: one item a line (a list fills its lines) 2 spaces in, the
  // closing bracket under the line that opened it.
  void vertical(const Seq& s) {
    tok(open_of(s.kind), s.open);
    int base = o_.indent, in = base + 2, hang = o_.hang;
    o_.at_open = true;
    o_.hang = in;
    if (s.kind == Seq::List) {
      if (!s.items.empty()) {
        flush(s.items[0].begin, in);
        newline(in);
        fill_items(s.items, in, 0);
      }
    } else {
      std::vector<Key> keys;
      for (auto& e : s.items) {
        bool same_line = e.name && line_of(e.begin) == e.value->range.begin.line;
        keys.push_back({e.name ? int(e.name->size()) + 1 : 0, same_line ? col_of(e.value->range.begin.offset) : -1,
                        e.begin, e.end});
      }
      std::vector<int> pads = align(keys);
      for (size_t i = 0; i < s.items.size(); ++i) {
        bool last = i + 1 == s.items.size();
        flush(s.items[i].begin, in);
        newline(in, i > 0 && blank_before(line_of(s.items[i].begin)));
        entry(s.items[i], last ? 0 : 1, pads[i]);
        // A block item needs no separator, but a record after it would read as its block.
        if (!last && (s.kind != Seq::Block || s.items[i + 1].value->kind == K::Record)) put(",");
      }
    }
    flush(s.close, in);
    newline(base);
    o_.hang = hang;
    tok(close_of(s.kind), s.close);
  }

  // Items filled onto lines under the first: `f(a, b,\n  c)`.
  void fill(const Seq& s, int tail) {
    bool braces = s.kind == Seq::Record || s.kind == Seq::Block;
    tok(open_of(s.kind) + (braces ? " " : ""), s.open);
    int hang = o_.hang;
    o_.hang = col();
    fill_items(s.items, o_.hang, (braces ? 2 : 1) + tail);
    o_.hang = hang;
    tok(close_of(s.kind), s.close, braces);
  }

  // After an item that took several lines, the next starts a line.
  void fill_items(const std::vector<Entry>& items, int align, int last_tail) {
    bool after_broken = false;
    for (size_t i = 0; i < items.size(); ++i) {
      const Entry& e = items[i];
      int tail = i + 1 == items.size() ? last_tail : 1;
      if (i > 0) put(",");
      flush(e.begin, align);
      size_t start = o_.text.size();
      if (i == 0 || o_.fresh) {
        entry(e, tail);
      } else if (auto f = flat(e); f && !after_broken && fits(1 + width(*f) + tail)) {
        put(" ");
        entry(e, tail);
      } else {
        // Broken by the writer anyway (no comment in it): start it here if its first line fits,
        // unless the writer started it on a line of its own. That line break is kept, so fmt's
        // own output (a too-long item moved to a new line, then broken) formats to itself.
        if (!f && !after_broken && !o_.must_break && !has_comment(e.begin, e.end) &&
            line_of(e.begin) == line_of(items[i - 1].end)) {
          Out before = o_;
          put(" ");
          entry(e, tail);
          if (first_line_fits(before)) {
            after_broken = o_.text.find('\n', start) != std::string::npos;
            continue;
          }
          o_ = before;
        }
        newline(align);
        start = o_.text.size();
        entry(e, tail);
      }
      after_broken = o_.text.find('\n', start) != std::string::npos;
    }
  }

  void call(const Expr& e, int tail) {
    int in = o_.hang + 2;
    tok(e.text, e.callee_range.begin.offset);
    if (e.has_parens) seq(args_seq(e), e.has_block ? 0 : tail);
    if (!e.has_block) return;
    Seq b = block_seq(e);
    flush(b.open, in);
    bool broken = breaks(b);
    // A block that fits stays on the line, else (after arguments) it goes on the next line,
    // else one item a line.
    if (auto f = flat(b); f && !broken) {
      if (fits(1 + width(*f) + tail)) {
        put(" " + *f);
        o_.last_line = line_of(b.close);
        return;
      }
      if (e.has_parens && in + width(*f) + tail <= max_width) {
        newline(in);
        put(*f);
        o_.last_line = line_of(b.close);
        return;
      }
    }
    if (!o_.must_break) put(" ");
    if (b.items.empty()) seq(b, tail);
    else vertical(b);
  }

  // A pipeline that does not fit: one stage a line, 2 spaces in.
  void pipe(const Expr& e, int tail) {
    std::vector<const Expr*> stages;
    const Expr* first = &e;
    while (first->kind == K::Pipe) {
      stages.push_back(first->rhs.get());
      first = first->lhs.get();
    }
    std::reverse(stages.begin(), stages.end());
    int in = o_.hang + 2, hang = o_.hang;
    expr(*first, 0, 1);
    o_.hang = in;
    for (size_t i = 0; i < stages.size(); ++i) {
      flush(stages[i]->range.begin.offset, in);
      newline(in);
      put("|> ");
      expr(*stages[i], i + 1 == stages.size() ? tail : 0, 9);
    }
    o_.hang = hang;
  }

  // `spec with { ... }`: after a block's `}`, else on the line when it fits, else on the next.
  void with(const Expr& e, int tail) {
    int in = o_.hang + 2, hang = o_.hang;
    expr(*e.lhs, 0, 9);
    flush(e.rhs->range.begin.offset, in);
    auto f = flat(*e.rhs);
    if (!o_.must_break && (line_is_closers() || (f && fits(6 + width(*f) + tail)))) {
      put(" with ");
      expr(*e.rhs, tail);
      return;
    }
    newline(in);
    put("with ");
    o_.hang = in;
    expr(*e.rhs, tail);
    o_.hang = hang;
  }

  // `for x in xs: body` that does not fit: the body on the next line, 2 spaces in.
  void for_(const Expr& e, int tail) {
    int in = o_.hang + 2, hang = o_.hang;
    put("for ");
    for (size_t i = 0; i < e.bindings.size(); ++i) {
      if (i) put(", ");
      tok(e.bindings[i].name + " in", e.bindings[i].name_range.begin.offset);
      put(" ");
      expr(*e.bindings[i].values, 1, 1);
    }
    put(":");
    const Expr& body = *e.lhs;
    flush(body.range.begin.offset, in);
    auto f = flat(body);
    if (f && fits(1 + width(*f) + tail)) {
      put(" ");
      expr(body, tail);
      return;
    }
    if (!f && !o_.must_break && !has_comment(body.range.begin.offset, body.range.end.offset)) {
      Out before = o_;
      put(" ");
      expr(body, tail);
      if (first_line_fits(before)) return;
      o_ = before;
    }
    newline(in);
    o_.hang = in;
    expr(body, tail);
    o_.hang = hang;
  }
};

}  // namespace

std::string outline(const Script& s) {
  std::string out;
  for (auto& u : s.uses) out += "use " + u.module + "\n";
  for (auto& d : s.defs) out += d.kind + " " + d.name + " = " + dump(*d.value, true) + "\n";
  return out;
}

std::string format_script(const Script& s) {
  std::vector<Comment> comments = comments_of(s.source);
  std::string out = Printer(s, comments).run();

  // The safety net of `fmt -w`: the new text must mean what the old one did.
  Diagnostics d;
  Script again = parse(s.file, out, d);
  std::string why;
  if (d.has_errors()) why = "it does not parse: " + format(d, again);
  else if (outline(again) != outline(s)) why = "its definitions differ";
  else {
    std::vector<Comment> now = comments_of(out);
    bool same = now.size() == comments.size();
    for (size_t i = 0; same && i < now.size(); ++i) same = now[i].text == comments[i].text;
    if (!same) why = "its comments differ";
  }
  if (!why.empty())
    throw std::logic_error("fmt: the layout of " + s.file + " would change the script (" + why + ")");
  return out;
}

}  // namespace genre::lang
