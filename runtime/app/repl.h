// `genre repl [FILE]`: an interactive session. The session is a script that
// grows one entry at a time; each entry is checked together with everything
// before it (the checker of `genre check`), then run with the cache of
// `genre run`, so an unchanged definition entered again runs nothing.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "lang/catalog.h"

namespace genre {

struct ReplOptions {
  std::string file;               // loaded first ("" = none)
  std::vector<std::string> sets;  // --set NAME=VALUE, applied to `file`
  std::string cache;              // --cache
  int jobs = 0;
  int threads = 0;
  std::string device = "auto";
};

// Reads entries from standard input until the end (Ctrl-D) or :quit. On a
// terminal: line editing, history in $GENRE_HISTORY (else ~/.genre_history) and
// tab completion. Otherwise plain lines, results only, and the exit code says
// whether any entry failed (1 script error, 2 data error, 3 internal error).
int run_repl(const ReplOptions& o);

// Whether an entry needs another line: a bracket is still open, or its last
// token cannot end a definition (`|>`, `=`, `,`, an operator).
bool unfinished(const std::string& text);

// Whether a line continues the entry before it, as in a script: it starts with
// `|>`, `with`, an operator or a closing bracket.
bool continues(const std::string& line);

// Tab completion of the entry `text` (up to the cursor): the candidates for
// the word that ends it, each as it would be inserted (an argument name comes
// with ": "), and in *start the byte where that word begins. Candidates are
// the session's definitions (`types`), ops, keywords, the arguments and
// symbols of the call the cursor is in, REPL commands, and file names inside
// a string or after :load.
std::vector<std::string> completions(const std::string& text, const std::map<std::string, lang::Type>& types,
                                     size_t* start);

}  // namespace genre
