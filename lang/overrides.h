// `genre run study.genre --set audio=/data/gtzan --set epochs=400`: replace the
// value of a `let` definition from the command line, so a study script runs
// unchanged on a user's own copy of the data (the script keeps the shipped
// default, the paper's numbers stay written in it).
#pragma once
#include <string>
#include <vector>

#include "lang/ast.h"
#include "lang/diagnostics.h"

namespace genre::lang {

// Each item is NAME=VALUE. VALUE is read as a .genre expression when it starts
// like one (a number, a quoted string, a list, a record, true/false); anything
// else is a string, and such a string that names an existing file or folder
// relative to the current directory becomes its absolute path (scripts resolve
// relative paths against their own folder). Errors go to `d`: no `=`, no `let`
// NAME in the script, a value that does not parse.
void apply_overrides(Script& s, const std::vector<std::string>& sets, Diagnostics& d);

}  // namespace genre::lang
