// `genre completion bash|zsh`: a shell completion script written from the
// command line's own description (main.cpp reads it out of CLI11) and the op
// catalog, so a new subcommand, option or op completes without editing a script.
#pragma once
#include <string>
#include <vector>

namespace genre {

struct CliCommand {
  std::string name;                  // "run"; "" for the top level
  std::vector<std::string> flags;    // options that take no value: -k, --keep-going, --markdown
  std::vector<std::string> options;  // options that take a value: --cache, --device, -j
  std::vector<std::string> words;    // fixed positional words: cache's info gc clean, ops' op names
  bool scripts = false;              // its first positional is a .genre script
  bool files = false;                // its positionals are any files (predict's inputs)
};

// The script for `shell` (bash or zsh); DataError for another shell.
std::string completion_script(const std::vector<CliCommand>& commands, const std::string& shell);

}  // namespace genre
