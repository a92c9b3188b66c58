#include "runtime/app/completion.h"

#include <fmt/format.h>

#include "runtime/core/value.h"

namespace genre {

namespace {

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (auto& x : v) s += (s.empty() ? "" : " ") + x;
  return s;
}

// What an option's value completes to: folders, files, a fixed list, or nothing (a number, NAME=VALUE).
std::string value_case(const std::vector<CliCommand>& commands) {
  std::vector<std::string> all;
  for (auto& c : commands) all.insert(all.end(), c.options.begin(), c.options.end());
  auto has = [&](const std::string& o) { return std::find(all.begin(), all.end(), o) != all.end(); };
  std::vector<std::string> dirs, files, quiet;
  for (auto o : {"--cache", "--out", "--allow-write"})
    if (has(o)) dirs.push_back(o);
  for (auto o : {"--to", "--model"})
    if (has(o)) files.push_back(o);
  std::string s;
  auto arm = [&](const std::vector<std::string>& opts, const std::string& body) {
    if (!opts.empty()) s += fmt::format("    {}) {} return ;;\n", fmt::join(opts, "|"), body);
  };
  arm(dirs, "COMPREPLY=($(compgen -d -- \"$cur\"));");
  arm(files, "COMPREPLY=($(compgen -f -- \"$cur\"));");
  if (has("--device")) arm({"--device"}, "COMPREPLY=($(compgen -W \"auto cpu cuda\" -- \"$cur\"));");
  for (auto& o : all)
    if (std::find(dirs.begin(), dirs.end(), o) == dirs.end() && std::find(files.begin(), files.end(), o) == files.end() &&
        o != "--device" && std::find(quiet.begin(), quiet.end(), o) == quiet.end())
      quiet.push_back(o);
  arm(quiet, "");
  return s;
}

}  // namespace

std::string completion_script(const std::vector<CliCommand>& commands, const std::string& shell) {
  if (shell != "bash" && shell != "zsh") throw DataError("completion: the shell must be bash or zsh, got \"" + shell + "\"");
  std::string arms;
  for (auto& c : commands) {
    std::vector<std::string> opts = c.flags;
    opts.insert(opts.end(), c.options.begin(), c.options.end());
    std::string kind = c.scripts ? "scripts" : c.files ? "files" : "";
    arms += fmt::format("    {}) words=\"{}\"; opts=\"{}\"; kind={} ;;\n", c.name.empty() ? "\"\"" : c.name, join(c.words),
                        join(opts), kind);
  }
  std::string s;
  if (shell == "zsh")
    s += "# zsh: the bash completion below, through zsh's bashcompinit.\nautoload -U +X bashcompinit && bashcompinit\n";
  s += fmt::format(R"(# genre's {} completion, written by `genre completion {}` from its command line and op catalog.
# Load it with: source <(genre completion {})
_genre() {{
  local cur=${{COMP_WORDS[COMP_CWORD]}} prev=${{COMP_WORDS[COMP_CWORD-1]}} sub="" words="" opts="" kind="" i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case ${{COMP_WORDS[i]}} in -*) ;; *) sub=${{COMP_WORDS[i]}}; break ;; esac
  done
  case $prev in
{}  esac
  case $sub in
{}    *) return ;;
  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
    return
  fi
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
  case $kind in
    scripts) COMPREPLY+=($(compgen -f -X '!*.genre' -- "$cur") $(compgen -d -- "$cur")) ;;
    files) COMPREPLY+=($(compgen -f -- "$cur")) ;;
  esac
}}
complete -o filenames -F _genre genre
)",
                   shell, shell, shell, value_case(commands), arms);
  return s;
}

}  // namespace genre
