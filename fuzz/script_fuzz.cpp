// libFuzzer entry for the script front end, as `genre check` and `genre fmt`
// use it: parse (lang/parser.cpp), the diagnostics' text, `use std.X`, check
// against the real op catalog, lowering without reading data files
// (runtime/engine/plan.cpp), and fmt's round trip: a script that parses is
// formatted, the text parses again without errors to the same outline, and
// formatting that gives the same text. Errors must be diagnostics, a
// lang::ScriptError or a DataError (a missing input file); anything else (a
// crash, a sanitizer report, another exception, a hang) is a bug.
// Built in the sanitizer tree (see csv_fuzz.cpp).
#include <cstddef>
#include <cstdint>
#include <string>

#include "lang/checker.h"
#include "lang/parser.h"
#include "lang/pretty.h"
#include "runtime/core/op.h"
#include "runtime/engine/plan.h"

using namespace genre;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static bool registered = (register_all(), true);
  (void)registered;
  const std::string src(reinterpret_cast<const char*>(data), size);
  const std::string file = "fuzz.genre";

  // fmt: parse only (no modules), then the round trip.
  {
    lang::Diagnostics d;
    lang::Script s = lang::parse(file, src, d);
    (void)lang::format(d, s);
    if (!d.has_errors()) {
      const std::string text = lang::format_script(s);  // a std::logic_error here is a bug
      lang::Diagnostics d2;
      lang::Script s2 = lang::parse(file, text, d2);
      if (d2.has_errors()) __builtin_trap();
      if (lang::outline(s2) != lang::outline(s)) __builtin_trap();
      if (lang::format_script(s2) != text) __builtin_trap();
    }
  }

  // check: modules, the checker, then lowering as `genre check` does.
  lang::Diagnostics d;
  lang::Script s = lang::load_text(file, src, d);
  lang::Bindings bindings;
  if (!d.has_errors()) lang::check(s, lang::catalog(), d, &bindings);
  (void)lang::format(d, s);
  if (d.has_errors()) return 0;
  auto source = [&](const std::string& f) {  // the text a diagnostic points into, as genre check quotes it
    auto it = s.sources.find(f);
    return it == s.sources.end() ? std::string() : it->second;
  };
  try {
    Plan p = lower(s, bindings, {}, /*hash_files=*/false);
    for (auto& w : p.warnings) (void)lang::format(w, source(w.file));
  } catch (const lang::ScriptError& e) {
    (void)lang::format(e.diag, source(e.diag.file));
  } catch (const DataError&) {
  }
  return 0;
}
