// Text -> syntax tree. Errors go to `d` (several per run: after a syntax error
// the parser resumes at the next line that starts a definition).
#pragma once
#include <string>
#include <vector>

#include "lang/ast.h"
#include "lang/diagnostics.h"

namespace genre::lang {

Script parse(const std::string& file, const std::string& source, Diagnostics& d);

// Reads the file and resolves `use std.X` to <stdlib>/X.genre, where <stdlib> is
// $GENRE_STDLIB if set, else the build's stdlib/ folder. A module's definitions
// come before the script's (each keeps its own file for diagnostics).
Script load(const std::string& path, Diagnostics& d);
// The same for text already read (an entry typed into `genre repl`).
Script load_text(const std::string& file, const std::string& text, Diagnostics& d);

// A compact one-line form of an expression, for tests and debugging:
// (call f 1 k: "v" {items})  (|> a b)  (. s train)  (with m {k: 1})  (for x [1 2] body)  (+ a b)
// `exact` writes what the short form drops, so two trees compare equal only when they
// mean the same (fmt's outline): numbers in full (%.17g), tabs as \t, and the
// parentheses of a call written with them: (call f (1 k: "v") {items}).
std::string dump(const Expr& e, bool exact = false);

// The whole file into `out`; false when it cannot be read.
bool read_file(const std::string& path, std::string& out);

// The folder `use std.X` reads from.
std::string stdlib_dir();

// Keywords: the definition kinds, then the other reserved words.
const std::vector<std::string>& definition_kinds();
bool is_keyword(const std::string& word);
// Every reserved word: the definition kinds, then use with for in and or not true false.
const std::vector<std::string>& keywords();

}  // namespace genre::lang
