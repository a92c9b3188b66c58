// `genre completion bash|zsh`: the script is sourced in a real bash, which is
// asked to complete what a user would type (COMP_WORDS as bash sets them).
#include <catch2/catch.hpp>

#include "shell.h"

namespace {

// What bash offers for `line` (words split on spaces; a trailing space starts an empty word),
// run in `dir`: the sorted COMPREPLY, one per line.
std::string offers(const e2e::TempDir& dir, const std::string& line) {
  std::string words = "genre";
  std::string rest = line;
  size_t n = 0;
  for (size_t i; (i = rest.find(' ')) != std::string::npos; rest = rest.substr(i + 1), n++) words += " '" + rest.substr(0, i) + "'";
  words += " '" + rest + "'";
  n++;
  std::string script = (dir.path / "genre.bash").string();
  auto [rc, out] = e2e::run("cd " + dir.path.string() + " && bash -c \"source " + script + "; COMP_WORDS=(" + words +
                            "); COMP_CWORD=" + std::to_string(n) + "; _genre; printf '%s\\n' \\\"\\${COMPREPLY[@]}\\\" | sort\"");
  REQUIRE(rc == 0);
  return out;
}

}  // namespace

TEST_CASE("completion: bash completes subcommands, options, values, op names and scripts", "[completion]") {
  e2e::TempDir dir;
  auto [rc, script] = e2e::run(e2e::genre("completion bash"));
  REQUIRE(rc == 0);
  dir.write("genre.bash", script);
  dir.write("study.genre", "");
  dir.write("notes.txt", "");
  dir.write("data/x.csv", "");

  CHECK(offers(dir, "r") == "repl\nrun\n");
  CHECK(offers(dir, "run --ke") == "--keep-going\n");
  CHECK(offers(dir, "run --device c") == "cpu\ncuda\n");
  CHECK(offers(dir, "run --cache ") == "data\n");            // a folder
  CHECK(offers(dir, "run ") == "data\nstudy.genre\n");       // scripts and folders, not notes.txt
  CHECK(offers(dir, "predict --model m s ") == "data\ngenre.bash\nnotes.txt\nstudy.genre\n");  // inputs: any file
  CHECK(offers(dir, "ops kn") == "knn\n");                   // from the op catalog
  CHECK(offers(dir, "ops logis") == "logistic\n");
  CHECK(offers(dir, "cache g") == "gc\n");
  CHECK(offers(dir, "completion ") == "bash\nzsh\n");
  CHECK(offers(dir, "run -j ") == "\n");  // a number: nothing offered
}

TEST_CASE("completion: zsh gets the same function through bashcompinit; another shell is a usage error", "[completion]") {
  auto [rc, z] = e2e::run(e2e::genre("completion zsh"));
  REQUIRE(rc == 0);
  CHECK(z.find("\nautoload -U +X bashcompinit && bashcompinit\n") != std::string::npos);
  CHECK(z.find("complete -o filenames -F _genre genre") != std::string::npos);
  auto [rc2, out] = e2e::run(e2e::genre("completion fish"));
  CHECK(rc2 == 1);
  CHECK(out.find("fish not in {bash,zsh}") != std::string::npos);
}
