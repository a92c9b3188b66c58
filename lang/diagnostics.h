// User-facing messages about a script: `file:line:col: error: message`, the
// source line, a caret under the span, and a hint where one is obvious.
#pragma once
#include <stdexcept>
#include <string>
#include <vector>

#include "lang/ast.h"

namespace genre::lang {

struct Diagnostic {
  std::string file;
  Range range;
  std::string message;
  std::string hint;  // "" = none
  bool warning = false;
};

// The full text for one diagnostic; `source` is the file's text (for the quoted line).
// The header's column counts characters (a UTF-8 character is one column).
std::string format(const Diagnostic& d, const std::string& source);

struct Diagnostics {
  std::vector<Diagnostic> list;
  void error(const std::string& file, Range r, std::string message, std::string hint = "");
  void warn(const std::string& file, Range r, std::string message, std::string hint = "");
  bool has_errors() const;
};

// Every diagnostic, each quoting the file it points into (the script or a module).
std::string format(const Diagnostics& d, const Script& s);

// Thrown by phases after checking (planner, runtime) when the script is at fault.
struct ScriptError : std::runtime_error {
  Diagnostic diag;
  explicit ScriptError(Diagnostic d) : std::runtime_error(d.message), diag(std::move(d)) {}
};

}  // namespace genre::lang
