#include "lang/overrides.h"

#include <cctype>
#include <filesystem>

#include "lang/parser.h"

namespace genre::lang {

namespace {

std::string literal(const std::string& v) {
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// A quoted string, a list or a record must parse; a leading digit or minus
// only makes an expression when it parses (3rd_take is a folder name).
bool must_be_expr(const std::string& v) { return !v.empty() && (v[0] == '"' || v[0] == '[' || v[0] == '{'); }
bool may_be_expr(const std::string& v) {
  return must_be_expr(v) || v == "true" || v == "false" ||
         (!v.empty() && (v[0] == '-' || std::isdigit(static_cast<unsigned char>(v[0]))));
}

std::string as_string_literal(const std::string& value) {
  std::string text = value;
  std::error_code ec;
  if (!value.empty() && std::filesystem::exists(value, ec)) {
    text = std::filesystem::absolute(value).lexically_normal().string();
    if (std::filesystem::is_directory(value, ec) && text.back() != '/') text += '/';
  }
  return literal(text);
}

// A command-line value has no line to point at: the diagnostic names it alone.
Range none() {
  Range r;
  r.begin.line = r.end.line = 0;
  return r;
}

}  // namespace

void apply_overrides(Script& s, const std::vector<std::string>& sets, Diagnostics& d) {
  for (const std::string& item : sets) {
    const std::string file = "--set " + item;
    size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      d.error(file, none(), "--set expects NAME=VALUE, got '" + item + "'");
      continue;
    }
    std::string name = item.substr(0, eq), value = item.substr(eq + 1);
    Definition* def = nullptr;
    for (auto& x : s.defs)
      if (x.name == name) def = &x;
    if (!def) {
      std::string lets;
      for (auto& x : s.defs)
        if (x.kind == "let" && x.file == s.file) lets += (lets.empty() ? "" : ", ") + x.name;
      d.error(file, none(), "--set: the script has no definition named '" + name + "'",
              lets.empty() ? "the script has no let definitions to set" : "its let definitions: " + lets);
      continue;
    }
    if (def->kind != "let") {
      d.error(file, none(), "--set: '" + name + "' is a " + def->kind + " definition; only let definitions can be set",
              "write the value as `let " + name + "_value = ...` and use it in the " + def->kind);
      continue;
    }
    std::string source = "let " + name + " = " + (may_be_expr(value) ? value : as_string_literal(value)) + "\n";
    Diagnostics pd;
    Script one = parse(file, source, pd);
    if ((pd.has_errors() || one.defs.size() != 1) && may_be_expr(value) && !must_be_expr(value)) {
      source = "let " + name + " = " + as_string_literal(value) + "\n";
      pd = Diagnostics{};
      one = parse(file, source, pd);
    }
    s.sources[file] = source;  // so a parse error quotes the value with a caret
    if (pd.has_errors() || one.defs.size() != 1) {
      for (auto& e : pd.list) d.list.push_back(e);
      if (!pd.has_errors()) d.error(file, none(), "--set: the value of '" + name + "' is not one expression");
      continue;
    }
    def->value = std::move(one.defs[0].value);
    def->file = file;
  }
}

}  // namespace genre::lang
