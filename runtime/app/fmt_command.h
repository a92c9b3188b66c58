// `genre fmt FILE...`: print, rewrite (-w) or check (--check) scripts in the
// canonical layout of lang/pretty.h.
#pragma once
#include <string>
#include <vector>

namespace genre {

struct FmtOptions {
  std::vector<std::string> files;
  bool write = false;  // -w: rewrite each file that changes (temp file + rename)
  bool check = false;  // --check: list the files that are not formatted
};

// Exit code: 0, or 1 when a file has a syntax error (its diagnostics go to
// stderr, the file is left alone) or, with --check, is not formatted.
int run_fmt(const FmtOptions& o);

}  // namespace genre
