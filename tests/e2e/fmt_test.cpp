// End to end: `genre fmt` prints, rewrites (-w) and checks (--check) scripts.
#include <catch2/catch.hpp>
#include <filesystem>
#include <sys/stat.h>

#include "shell.h"

namespace fs = std::filesystem;

namespace {

std::string genre(const std::string& args) { return std::string(GENRE_BIN) + " fmt " + args; }

using e2e::slurp;
using e2e::TempDir;

ino_t inode(const std::string& p) {
  struct stat st {};
  ::stat(p.c_str(), &st);
  return st.st_ino;
}

const std::string messy = "let   x=1\ntrain t = fit(knn(k: 5),  # five\n  s.train)\n";
const std::string tidy = "let x = 1\ntrain t = fit(\n  knn(k: 5),  # five\n  s.train\n)\n";

}  // namespace

TEST_CASE("genre fmt prints the formatted script - --check says which files are not formatted", "[e2e][fmt]") {
  TempDir d;
  std::string a = d.write("a.genre", messy), b = d.write("b.genre", tidy);

  auto [rc, out] = e2e::run(genre(a));
  CHECK(rc == 0);
  CHECK(out == tidy);
  CHECK(slurp(a) == messy);  // printing leaves the file alone

  auto [rc_ok, out_ok] = e2e::run(genre("--check " + b));
  CHECK(rc_ok == 0);
  CHECK(out_ok.empty());

  auto [rc_bad, out_bad] = e2e::run(genre("--check " + a + " " + b));
  CHECK(rc_bad == 1);
  CHECK(out_bad.find(a + "\n") != std::string::npos);
  CHECK(out_bad.find(b) == std::string::npos);
  CHECK(out_bad.find("1 file is not formatted") != std::string::npos);
  CHECK(slurp(a) == messy);

  // Several files to print: say what to do instead.
  auto [rc_many, out_many] = e2e::run(genre(a + " " + b));
  CHECK(rc_many == 1);
  CHECK(out_many.find("-w") != std::string::npos);
}

TEST_CASE("genre fmt -w rewrites only the files that change", "[e2e][fmt]") {
  TempDir d;
  std::string a = d.write("a.genre", messy), b = d.write("b.genre", tidy);
  ::chmod(a.c_str(), 0600);
  ino_t b_before = inode(b);

  auto [rc, out] = e2e::run(genre("-w " + a + " " + b));
  CHECK(rc == 0);
  CHECK(slurp(a) == tidy);
  CHECK(slurp(b) == tidy);
  CHECK(inode(b) == b_before);  // not rewritten: it was formatted
  CHECK(out.find("formatted " + a) != std::string::npos);
  CHECK(out.find(b) == std::string::npos);
  struct stat st {};
  ::stat(a.c_str(), &st);
  CHECK((st.st_mode & 0777) == 0600);
  size_t files = 0;
  for (auto& e : fs::directory_iterator(d.path)) files += e.is_regular_file();
  CHECK(files == 2);  // no temp file left behind

  auto [rc2, out2] = e2e::run(genre("--check " + a));
  CHECK(rc2 == 0);
}

TEST_CASE("genre fmt on a syntax error: the positioned message, exit 1, the file untouched", "[e2e][fmt]") {
  TempDir d;
  const std::string broken = "let x = 1\ndataset d = csv(\"a.csv\",\n  label: \"g\"\nlet y = 2\n";
  std::string f = d.write("broken.genre", broken);
  std::string g = d.write("good.genre", messy);
  auto [rc, out] = e2e::run(genre("-w " + f + " " + g));
  CHECK(rc == 1);
  CHECK(out.find(f + ":4:1: error: expected ')' to close the call to 'csv' (opened at line 2)") != std::string::npos);
  CHECK(out.find("^") != std::string::npos);
  CHECK(slurp(f) == broken);
  CHECK(slurp(g) == tidy);  // the other file is still formatted

  auto [rc_check, out_check] = e2e::run(genre("--check " + f));
  CHECK(rc_check == 1);
  CHECK(out_check.find(f + ":4:1: error:") != std::string::npos);
}

TEST_CASE("genre fmt --check: the examples and the standard library are formatted", "[e2e][fmt]") {
  std::string files;
  fs::path root = fs::path(GENRE_EXAMPLES) / "..";
  for (auto dir : {"examples", "stdlib"})
    for (auto& e : fs::directory_iterator(root / dir))
      if (e.path().extension() == ".genre") files += " " + e.path().string();
  auto [rc, out] = e2e::run(genre("--check" + files));
  INFO(out);
  CHECK(rc == 0);
}
