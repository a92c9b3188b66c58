// `genre fmt`: the command around lang/pretty.cpp.
#include "runtime/app/fmt_command.h"

#include <sys/stat.h>

#include <fmt/format.h>
#include <iostream>

#include "lang/diagnostics.h"
#include "lang/pretty.h"
#include "lang/parser.h"
#include "runtime/core/value.h"
#include "runtime/core/write_atomic.h"

namespace genre {

int run_fmt(const FmtOptions& o) {
  if (o.files.size() > 1 && !o.write && !o.check) {
    std::cerr << "genre fmt: several files need -w (rewrite them) or --check (list those not formatted)\n";
    return 1;
  }
  int rc = 0;
  size_t unformatted = 0;
  for (const std::string& file : o.files) {
    std::string source;
    if (!lang::read_file(file, source)) throw DataError(file + ": cannot read the script");

    lang::Diagnostics d;
    lang::Script s = lang::parse(file, source, d);
    if (d.has_errors()) {
      std::cerr << lang::format(d, s) << fmt::format("{}: not formatted: fix the syntax first\n", file);
      rc = 1;
      continue;
    }
    std::string text = lang::format_script(s);
    if (o.check) {
      if (text != source) {
        std::cout << file << "\n";
        ++unformatted;
        rc = 1;
      }
    } else if (o.write) {
      if (text != source) {
        // Keep the script's permissions (a new file would get 0644).
        struct stat st {};
        write_atomic(file, text, ::stat(file.c_str(), &st) == 0 ? int(st.st_mode & 07777) : 0644);
        std::cerr << "formatted " << file << "\n";
      }
    } else {
      std::cout << text;
    }
  }
  if (unformatted)
    std::cerr << fmt::format("{} file{} not formatted; `genre fmt -w FILE...` rewrites them\n", unformatted,
                             unformatted == 1 ? " is" : "s are");
  return rc;
}

}  // namespace genre
