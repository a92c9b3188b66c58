// `genre fmt`: the one layout of a script (docs/language.md, "Layout"). The
// layout keeps every comment and the blank lines between definitions; the
// text it gives parses to the same tree as the original.
#pragma once
#include <string>

#include "lang/ast.h"

namespace genre::lang {

// The script `s` (from parse(), without errors) in its canonical layout.
// Throws std::logic_error (a bug) if the result would not parse back to the same
// definitions with the same comments.
std::string format_script(const Script& s);

// Every `use` and definition of `s`, one a line, values written out in full
// (exact numbers, units, calls with or without parentheses): two scripts with
// the same outline define the same things.
std::string outline(const Script& s);

}  // namespace genre::lang
