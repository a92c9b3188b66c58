// genre repl. An entry is a definition (kept), an expression (shown, not
// kept), or a `:command`. The session is the list of entries and loaded files,
// and each new entry is parsed and checked again with all of them: a name
// defined again replaces its earlier definition, and an entry that does not
// check, or whose definition fails to run, is dropped with its diagnostic.
// Running goes through lower() and execute() like `genre run`, with the same
// cache folder, so what a run or an earlier entry computed is not computed again.
#include "runtime/app/repl.h"

#include <histedit.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <cstdlib>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <clocale>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>

#include "lang/checker.h"
#include "lang/diagnostics.h"
#include "lang/overrides.h"
#include "lang/parser.h"
#include "lang/suggest.h"
#include "runtime/present/report.h"
#include "runtime/engine/cache.h"
#include "runtime/core/hash.h"
#include "runtime/engine/plan.h"
#include "runtime/present/progress.h"
#include "runtime/engine/run.h"

namespace genre {

namespace fs = std::filesystem;
using lang::Type;

namespace {

const std::vector<std::string> commands = {":help", ":list", ":load", ":plan", ":quit", ":show", ":type"};
constexpr size_t show_rows = 50;  // :show's rows per table

// The columns tables are fitted to: the terminal's, else $COLUMNS, else 0 (no limit: a pipe).
size_t terminal_width() {
  winsize ws{};
  if (::isatty(STDOUT_FILENO) && ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  if (const char* c = std::getenv("COLUMNS")) {
    char* end = nullptr;
    long n = std::strtol(c, &end, 10);
    if (end != c && *end == 0 && n > 0) return size_t(n);
  }
  return 0;
}

bool ident(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

// `text` with comments and the insides of strings blanked (quotes kept), so
// that brackets and operators in them do not count. *open_string: the text
// ends inside a string.
std::string code_only(const std::string& text, bool* open_string = nullptr) {
  std::string out = text;
  bool str = false;
  for (size_t i = 0; i < out.size(); ++i) {
    char c = out[i];
    if (str) {
      if (c == '\n' || c == '"') str = false;  // a string ends at its line; the parser says so
      else if (c == '\\' && i + 1 < out.size() && out[i + 1] != '\n') out[i] = out[i + 1] = ' ', ++i;
      else out[i] = ' ';
    } else if (c == '"') {
      str = true;
    } else if (c == '#') {
      for (; i < out.size() && out[i] != '\n'; ++i) out[i] = ' ';
    }
  }
  if (open_string) *open_string = str;
  return out;
}

bool starts_with_word(const std::string& s, const std::string& w) {
  return s.rfind(w, 0) == 0 && (s.size() == w.size() || !ident(s[w.size()]));
}

// Does the entry start with a definition (`split s = ...`) or `use`, rather
// than an expression (`split(t, train: 70%)`, `s.train`)?
bool is_definition(const std::string& entry) {
  std::string t = trim(entry);
  size_t w = 0;
  while (w < t.size() && ident(t[w])) ++w;
  std::string word = t.substr(0, w);
  auto& kinds = lang::definition_kinds();
  if (word != "use" && std::find(kinds.begin(), kinds.end(), word) == kinds.end()) return false;
  size_t next = t.find_first_not_of(" \t\r\n", w);
  return next == std::string::npos || (next > w && t[next] != '(' && t[next] != '{');
}

std::string one_line(const std::string& s) {
  std::string out;
  for (char c : trim(s)) out += c == '\n' ? ' ' : c;
  return out;
}

// A constant as a script would write it: knn(k: 5), [1, 2], { a: "x" }.
// Lists longer than `items` are cut.
std::string literal(const json& j, size_t items) {
  if (j.is_number()) return fmt::format("{:g}", j.get<double>());
  if (j.is_array()) {
    std::string s;
    for (size_t i = 0; i < j.size() && i < items; ++i) s += (i ? ", " : "") + literal(j[i], items);
    if (j.size() > items) s += fmt::format(", ... ({} items)", j.size());
    return "[" + s + "]";
  }
  if (j.is_object()) {
    // The planner tags a spec, layer or optimizer record with its op.
    std::string op, tag;
    for (const char* t : {"spec", "layer", "optimizer"})
      if (j.contains(t) && j[t].is_string()) op = j[tag = t].get<std::string>();
    std::string s;
    for (auto& [k, v] : j.items())
      if (op.empty() || (k != tag && !k.ends_with("_hash"))) s += (s.empty() ? "" : ", ") + k + ": " + literal(v, items);
    return op.empty() ? "{ " + s + " }" : op + "(" + s + ")";
  }
  return j.dump();
}

std::string plural(size_t n, const std::string& what) { return fmt::format("{} {}{}", n, what, n == 1 ? "" : "s"); }

std::string home_file(const char* env, const char* name) {
  if (const char* e = std::getenv(env); e && *e) return e;
  if (const char* h = std::getenv("HOME"); h && *h) return (fs::path(h) / name).string();
  return "";
}

// ---- completion ---------------------------------------------------------

std::vector<std::string> file_names(const std::string& partial) {
  size_t slash = partial.rfind('/');
  std::string dir = slash == std::string::npos ? "" : partial.substr(0, slash + 1);
  std::string base = partial.substr(dir.size());
  std::vector<std::string> out;
  std::error_code ec;
  for (auto& e : fs::directory_iterator(dir.empty() ? "." : dir, ec)) {
    std::string n = e.path().filename().string();
    if (n.rfind(base, 0) != 0 || (n[0] == '.' && base.empty())) continue;
    out.push_back(dir + n + (e.is_directory(ec) ? "/" : ""));
  }
  return out;
}

std::vector<std::string> with_prefix(std::vector<std::string> v, const std::string& prefix) {
  std::erase_if(v, [&](const std::string& s) { return s.rfind(prefix, 0) != 0; });
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

}  // namespace

bool unfinished(const std::string& text) {
  std::string code = code_only(text);
  int depth = 0;
  for (char c : code) depth += (c == '(' || c == '[' || c == '{') - (c == ')' || c == ']' || c == '}');
  if (depth > 0) return true;
  size_t e = code.find_last_not_of(" \t\r\n");
  if (e == std::string::npos) return false;
  std::string head = code.substr(0, e + 1);
  for (const char* op : {"|>", "=", ",", "+", "-", "*", "/", "<", ">", ":"})
    if (head.ends_with(op)) return true;
  size_t b = head.size();
  while (b > 0 && ident(head[b - 1])) --b;
  std::string word = head.substr(b);
  for (const char* w : {"and", "or", "not", "in", "with", "for"})
    if (word == w) return true;
  return false;
}

bool continues(const std::string& line) {
  std::string t = trim(line);
  if (t.empty()) return false;
  if (std::string("|)]}+-*/=!<>").find(t[0]) != std::string::npos) return true;
  for (const char* w : {"with", "and", "or", "in"})
    if (starts_with_word(t, w)) return true;
  return false;
}

std::vector<std::string> completions(const std::string& text, const std::map<std::string, Type>& types,
                                     size_t* start) {
  // Commands, and a file after :load.
  if (!text.empty() && text[0] == ':' && text.find('\n') == std::string::npos) {
    size_t sp = text.find(' ');
    if (sp == std::string::npos) {
      *start = 0;
      std::vector<std::string> v;
      for (auto& c : commands) v.push_back(c + " ");
      return with_prefix(v, text);
    }
    if (text.substr(0, sp) == ":load") {
      *start = text.find_first_not_of(' ', sp);
      if (*start == std::string::npos) *start = text.size();
      return with_prefix(file_names(text.substr(*start)), text.substr(*start));
    }
  }
  // A file name inside a string.
  bool in_string = false;
  std::string code = code_only(text, &in_string);
  if (in_string) {
    *start = code.rfind('"') + 1;
    std::string partial = text.substr(*start);
    return with_prefix(file_names(partial), partial);
  }

  size_t b = text.size();
  while (b > 0 && ident(text[b - 1])) --b;
  *start = b;
  std::string word = text.substr(b);
  std::vector<std::string> first, out;  // first: what the call the cursor is in takes

  // After a dot: the parts of a split.
  if (b > 0 && text[b - 1] == '.') {
    size_t nb = b - 1;
    while (nb > 0 && ident(text[nb - 1])) --nb;
    auto it = types.find(text.substr(nb, b - 1 - nb));
    if (it != types.end() && it->second == Type::Split) out = {"train", "val", "test"};
    return with_prefix(out, word);
  }

  // The bracket the cursor is in, and the call it belongs to.
  struct Open {
    char c;
    std::string callee;
    size_t at;
  };
  std::vector<Open> opens;
  std::string closed;  // the callee of the last ')' (a block after it is that call's)
  auto word_before = [&](size_t i) {
    size_t e = i;
    while (e > 0 && ident(code[e - 1])) --e;
    return code.substr(e, i - e);
  };
  for (size_t i = 0; i < b; ++i) {
    char c = code[i];
    if (c == '(') {
      opens.push_back({c, word_before(i), i});
    } else if (c == '[') {
      opens.push_back({c, "", i});
    } else if (c == '{') {
      size_t p = code.find_last_not_of(" \t\r\n", i ? i - 1 : 0);
      std::string callee = p != std::string::npos && p < i && code[p] == ')' ? closed
                           : p != std::string::npos && p < i                 ? word_before(p + 1)
                                                                             : "";
      opens.push_back({c, callee, i});
    } else if ((c == ')' || c == ']' || c == '}') && !opens.empty()) {
      closed = opens.back().callee;
      opens.pop_back();
    }
  }

  const lang::Signature* sig = opens.empty() ? nullptr : lang::catalog().find(opens.back().callee);
  if (sig && opens.back().c == '{' && !sig->block_symbols.empty()) return with_prefix(sig->block_symbols, word);
  if (sig && opens.back().c == '(') {
    // The argument being written: after the last comma at this level.
    size_t from = opens.back().at + 1;
    int depth = 0;
    for (size_t i = from; i < b; ++i) {
      char c = code[i];
      depth += (c == '(' || c == '[' || c == '{') - (c == ')' || c == ']' || c == '}');
      if (c == ',' && depth == 0) from = i + 1;
    }
    std::string arg = trim(code.substr(from, b - from));
    size_t n = 0;
    while (n < arg.size() && ident(arg[n])) ++n;
    const lang::Param* p = n > 0 && trim(arg.substr(n)) == ":" ? sig->param(arg.substr(0, n)) : nullptr;
    if (p) {
      first = p->symbols;  // `kernel: rb` -> rbf
    } else {
      for (auto& q : sig->params) first.push_back(q.name + ": ");
    }
  }

  if (text.find_first_not_of(" \t\r\n") >= b) {  // the first word of the entry
    for (auto& k : lang::definition_kinds()) out.push_back(k + " ");
    out.push_back("use ");
  }
  for (auto& [n, t] : types)
    if (n != "_") out.push_back(n);
  // Inside a call, its arguments and the session's names come first; the ops
  // only once a word is started that names no argument (`fit(kn` -> knn).
  first = with_prefix(first, word);
  if (first.empty())
    for (auto& [n, s] : lang::catalog().all())
      if (!s.internal) out.push_back(n);
  for (auto& c : with_prefix(out, word))
    if (std::find(first.begin(), first.end(), c) == first.end()) first.push_back(c);
  return first;
}

namespace {

// ---- reading lines ------------------------------------------------------

volatile std::sig_atomic_t interrupted = 0;
extern "C" void on_sigint(int) { interrupted = 1; }

enum class Got { Line, End, Interrupt };

// Lines from a terminal through libedit, or plain lines from a pipe. Either
// can look one line ahead, so that a pasted or piped `|> ...` line joins the
// definition above it.
class Lines {
 public:
  using Completer = std::function<std::vector<std::string>(const std::string&, size_t*)>;

  Lines(bool tty, Completer complete) : tty_(tty), complete_(std::move(complete)) {
    if (!tty_) return;
    std::setlocale(LC_CTYPE, "");  // libedit edits UTF-8 as characters only in a UTF-8 locale
    el_ = el_init("genre", stdin, stdout, stderr);
    hist_ = history_init();
    HistEvent ev;
    history(hist_, &ev, H_SETSIZE, 1000);
    history(hist_, &ev, H_SETUNIQUE, 1);
    history_file_ = home_file("GENRE_HISTORY", ".genre_history");
    if (!history_file_.empty()) history(hist_, &ev, H_LOAD, history_file_.c_str());
    el_set(el_, EL_CLIENTDATA, this);
    el_set(el_, EL_PROMPT, &Lines::prompt);
    el_set(el_, EL_EDITOR, "emacs");
    el_set(el_, EL_HIST, history, hist_);
    el_set(el_, EL_SIGNAL, 1);  // window resizes; the terminal is restored on a signal
    el_set(el_, EL_ADDFN, "genre-complete", "complete a name, op, argument or file", &Lines::on_tab);
    el_set(el_, EL_BIND, "^I", "genre-complete", nullptr);
    el_source(el_, nullptr);  // the user's ~/.editrc
  }

  ~Lines() {
    if (el_) el_end(el_);
    if (hist_) history_end(hist_);
  }

  bool tty() const { return tty_; }

  // One line (without its end). `pending`: the lines of the entry so far.
  Got read(const std::string& pending, std::string& line) {
    if (ahead_) {
      line = std::move(*ahead_);
      ahead_.reset();
      return Got::Line;
    }
    return tty_ ? read_edited(pending, line) : read_plain(line);
  }

  // Whether the next line continues the entry `pending`, when that can be known
  // without waiting for the user: always on a pipe, on a terminal only while
  // pasted text is waiting.
  bool next_continues(const std::string& pending) {
    if (!ahead_) {
      if (tty_) {
        pollfd p{STDIN_FILENO, POLLIN, 0};
        if (::poll(&p, 1, 0) <= 0) return false;
      }
      std::string l;
      if (read(pending, l) != Got::Line) return false;
      ahead_ = std::move(l);
    }
    return continues(*ahead_);
  }

  void remember(const std::string& line) {
    if (!hist_ || trim(line).empty()) return;
    HistEvent ev;
    history(hist_, &ev, H_ENTER, line.c_str());
    // Saved at once: a run stopped with Ctrl-C keeps the history.
    if (!history_file_.empty()) history(hist_, &ev, H_SAVE, history_file_.c_str());
  }

 private:
  bool tty_;
  Completer complete_;
  EditLine* el_ = nullptr;
  History* hist_ = nullptr;
  std::string history_file_;
  std::string pending_;
  std::optional<std::string> ahead_;

  Got read_plain(std::string& line) {
    if (!std::getline(std::cin, line)) return Got::End;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return Got::Line;
  }

  Got read_edited(const std::string& pending, std::string& line) {
    pending_ = pending;
    std::cout.flush();
    // Ctrl-C at the prompt drops the entry; during a run it stops genre
    // as for `genre run` (what finished is in the cache).
    struct sigaction sa {}, old {};
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old);
    interrupted = 0;
    int n = 0;
    const char* got = el_gets(el_, &n);
    sigaction(SIGINT, &old, nullptr);
    if (interrupted) {
      el_reset(el_);
      std::fputs("^C\n", stdout);
      return Got::Interrupt;
    }
    if (!got || n <= 0) return Got::End;
    line.assign(got, n);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    remember(line);
    return Got::Line;
  }

  static Lines* self(EditLine* el) {
    void* p = nullptr;
    el_get(el, EL_CLIENTDATA, &p);
    return static_cast<Lines*>(p);
  }

  static char* prompt(EditLine* el) {
    static char first[] = "genre> ", more[] = " ....> ";
    return self(el)->pending_.empty() ? first : more;
  }

  static unsigned char on_tab(EditLine* el, int) {
    Lines* me = self(el);
    const LineInfo* li = el_line(el);
    std::string before(li->buffer, li->cursor);
    std::string text = me->pending_.empty() ? before : me->pending_ + "\n" + before;
    size_t start = text.size();
    std::vector<std::string> c = me->complete_(text, &start);
    std::string word = text.substr(start);
    if (c.empty()) return CC_REFRESH_BEEP;
    std::string common = c[0];
    for (auto& s : c) {
      size_t i = 0;
      while (i < common.size() && i < s.size() && common[i] == s[i]) ++i;
      common.resize(i);
    }
    if (common.size() > word.size()) {
      el_insertstr(el, common.substr(word.size()).c_str());
      return CC_REFRESH;
    }
    if (c.size() == 1) return CC_REFRESH;
    // Several: list them in columns under the line.
    size_t w = 0;
    for (auto& s : c) w = std::max(w, trim(s).size());
    size_t per = std::max<size_t>(1, 80 / (w + 2)), shown = std::min<size_t>(c.size(), 120);
    std::string out = "\n";
    for (size_t i = 0; i < shown; ++i)
      out += fmt::format("{:<{}}", trim(c[i]), w + 2) + ((i + 1) % per == 0 || i + 1 == shown ? "\n" : "");
    if (shown < c.size()) out += fmt::format("... and {} more\n", c.size() - shown);
    std::fputs(out.c_str(), stdout);
    return CC_REDISPLAY;
  }
};

// ---- the session --------------------------------------------------------

// One entry or loaded file, kept as text: every new entry parses and checks them all again.
struct Chunk {
  std::string file;   // "<input 3>", or the path of a loaded script
  std::string text;   // what is parsed
  std::string typed;  // what was typed; an expression is parsed as `let _ =\n<typed>`
  int shift = 0;      // lines in front of `typed` in `text`
  std::vector<std::string> sets;  // --set, for the script named on the command line
};

struct Built {
  lang::Script script;
  lang::Bindings bindings;  // points into script: it moves with it
  std::map<std::string, Type> types;
  lang::Diagnostics diags;
  std::vector<std::string> names;  // the last chunk's own definitions, in order
  std::vector<std::string> used;   // definitions its `use` lines brought in
};

class Session {
 public:
  Session(const ReplOptions& o, Lines& lines) : opt_(o), lines_(lines) {
    dir_ = o.file.empty() ? fs::current_path() : fs::absolute(o.file).parent_path();
    cache_ = cache_dir(o.cache, dir_);
    record_ = "repl-" + hash_hex(dir_.lexically_normal().string()).substr(0, 8);
    cur_ = build(nullptr);
  }

  const std::map<std::string, Type>& types() const { return cur_->types; }
  int rc() const { return rc_; }

  void banner() const {
    std::cout << fmt::format("genre {} repl: enter a definition or an expression; :help for more, Ctrl-D to quit\n",
                             GENRE_VERSION);
  }

  // Reads and handles entries until the end of input or :quit.
  void loop() {
    if (!opt_.file.empty()) load(opt_.file, opt_.sets);
    for (;;) {
      std::string text;
      bool end = false;
      for (;;) {
        std::string line;
        Got g = lines_.read(text, line);
        if (g == Got::Interrupt) {
          text.clear();
          continue;
        }
        if (g == Got::End) {
          end = true;
          break;  // an unfinished entry still goes to the parser, which says what is missing
        }
        if (text.empty() && trim(code_only(line)).empty()) continue;  // blank or only a comment
        text += (text.empty() ? "" : "\n") + line;
        if (trim(text)[0] == ':') break;  // a command is one line
        if (unfinished(text) || lines_.next_continues(text)) continue;
        break;
      }
      if (!text.empty() && !entry(text)) return;
      std::cout.flush();
      if (end) {
        if (lines_.tty()) std::cout << "\n";
        return;
      }
    }
  }

 private:
  const ReplOptions& opt_;
  Lines& lines_;
  fs::path dir_;  // relative paths in definitions resolve here (Plan::script_dir)
  std::string cache_, record_;
  std::vector<Chunk> chunks_;
  std::unique_ptr<Built> cur_;
  int inputs_ = 0;
  int rc_ = 0;

  void failed(int code) { rc_ = std::max(rc_, code); }

  // False to end the session.
  bool entry(const std::string& text) {
    ++inputs_;
    std::string t = trim(text);
    if (t[0] == ':') return command(t);
    Chunk c;
    if (!is_definition(text)) {
      if (auto b = expression(text, c)) evaluate(*b, c, {"_"}, 5, one_line(text));
      return true;
    }
    c.file = fmt::format("<input {}>", inputs_);
    c.text = c.typed = text;
    auto b = build(&c);
    if (!report(*b, c)) return true;
    if (b->names.empty()) {
      if (!b->used.empty()) std::cout << one_line(text) << ": added " << join(b->used) << "\n";
    } else if (!evaluate(*b, c, b->names, 5, "")) {
      return true;  // dropped: it did not run
    }
    chunks_.push_back(std::move(c));
    cur_ = std::move(b);
    return true;
  }

  static std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
  }

  // The session's chunks and `next` (if any), parsed and checked together.
  std::unique_ptr<Built> build(const Chunk* next) const {
    auto b = std::make_unique<Built>();
    std::vector<lang::Script> parsed;
    auto add = [&](const Chunk& c) {
      parsed.push_back(lang::load_text(c.file, c.text, b->diags));
      if (&c == next)  // before --set, which gives a definition its own file
        for (auto& d : parsed.back().defs) (d.file == c.file ? b->names : b->used).push_back(d.name);
      if (!c.sets.empty() && !b->diags.has_errors()) lang::apply_overrides(parsed.back(), c.sets, b->diags);
    };
    for (auto& c : chunks_) add(c);
    if (next) add(*next);
    // A name defined again in a later chunk replaces the earlier definition.
    std::map<std::string, size_t> last;
    for (size_t i = 0; i < parsed.size(); ++i)
      for (auto& d : parsed[i].defs) last[d.name] = i;
    b->script.file = (dir_ / "<repl>").string();
    for (size_t i = 0; i < parsed.size(); ++i) {
      for (auto& d : parsed[i].defs)
        if (last[d.name] == i) b->script.defs.push_back(std::move(d));
      for (auto& [f, t] : parsed[i].sources) b->script.sources[f] = t;
    }
    if (!b->diags.has_errors()) b->types = lang::check(b->script, lang::catalog(), b->diags, &b->bindings);
    return b;
  }

  // Prints one diagnostic; in an expression entry its lines are the typed ones.
  void print(lang::Diagnostic d, const Built& b, const Chunk& c) const {
    std::string source;
    if (auto it = b.script.sources.find(d.file); it != b.script.sources.end()) source = it->second;
    if (d.file == c.file && c.shift) {
      d.range.begin.line = std::max(1, d.range.begin.line - c.shift);
      d.range.end.line = std::max(1, d.range.end.line - c.shift);
      source = c.typed;
    }
    std::cerr << lang::format(d, source);
  }

  // Prints the check's diagnostics for chunk c (warnings about earlier
  // entries were shown then); false if there are errors.
  bool report(const Built& b, const Chunk& c) {
    bool others = false;  // errors in what was entered before: this entry broke it
    for (auto& d : b.diags.list)
      if (!d.warning || d.file == c.file) {
        print(d, b, c);
        others |= !d.warning && d.file != c.file;
      }
    if (!b.diags.has_errors()) return true;
    if (others) std::cerr << fmt::format("{} was not kept: definitions entered before it would break\n", c.file);
    failed(1);
    return false;
  }

  // Runs `body`; a failure is shown (positioned where it can be) and the session goes on.
  bool guarded(const Built& b, const Chunk& c, const std::function<void()>& body) {
    try {
      body();
      return true;
    } catch (const lang::ScriptError& e) {
      print(e.diag, b, c);
      failed(1);
    } catch (const PlanDataError& e) {
      print(e.diag, b, c);
      failed(2);
    } catch (const DataError& e) {
      std::cerr << "error: " << e.what() << "\n";
      failed(2);
    } catch (const std::exception& e) {
      std::cerr << "internal error: " << e.what() << "\n(this is a bug in genre: please report it with the entries)\n";
      failed(3);
    }
    return false;
  }

  // Lowers and runs each of `names`, and shows it (`as`: the name to show
  // instead of `_`). False if any failed.
  bool evaluate(const Built& b, const Chunk& c, const std::vector<std::string>& names, size_t rows,
                const std::string& as) {
    return guarded(b, c, [&] {
      for (auto& name : names) {
        Plan p = lower(b.script, b.bindings, {name});
        std::string shown = name == "_" ? as : name;
        if (p.targets.empty()) {
          auto it = p.constants.find(name);
          std::string value = it == p.constants.end() ? "?" : literal(it->second, rows > 5 ? size_t(-1) : 20);
          std::cout << (value == shown ? value : shown + " = " + value) << "\n";
          continue;
        }
        auto t0 = std::chrono::steady_clock::now();
        RunResult r = run(p);
        double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        for (auto& t : r.targets) std::cout << describe({t.name == "_" ? as : t.name, t.op, t.value}, rows, terminal_width());
        std::cout << (r.ran == 0 ? fmt::format("(cached: 0 of {} ran)\n", plural(p.nodes.size(), "op"))
                                 : fmt::format("({} of {} ran, {:.2f} s)\n", r.ran, plural(p.nodes.size(), "op"), secs));
      }
    });
  }

  RunResult run(const Plan& p) {
    RunOptions ro;
    ro.cache_dir = cache_;
    ro.jobs = opt_.jobs;
    ro.threads = opt_.threads;
    ro.device = opt_.device;
    // On a pipe only results go out; the progress lines would be noise.
    std::FILE* out = lines_.tty() ? stderr : std::fopen("/dev/null", "w");
    RunResult r;
    {
      Progress progress(out ? out : stderr, lines_.tty() && ::isatty(STDERR_FILENO));
      r = execute(p, ro, record_, progress);
    }
    if (out && out != stderr) std::fclose(out);
    for (auto& problem : r.problems) std::cerr << "note: " << problem << "\n";
    if (!r.quarantine.empty())
      std::cerr << fmt::format("{} set aside ({}: {}{})\n", plural(r.quarantine.size(), "file"), r.quarantine[0].file,
                               r.quarantine[0].reason, r.quarantine.size() > 1 ? ", ..." : "");
    return r;
  }

  // Adds a script's definitions to the session, checked but not run.
  void load(const std::string& path, const std::vector<std::string>& sets = {}) {
    std::ifstream f(path, std::ios::binary);
    if (!f || fs::is_directory(path)) {
      std::cerr << fmt::format("error: cannot read '{}'\n", path);
      failed(1);
      return;
    }
    Chunk c;
    c.file = path;
    c.text = c.typed = std::string(std::istreambuf_iterator<char>(f), {});
    c.sets = sets;
    auto b = build(&c);
    if (!report(*b, c)) {
      std::cerr << fmt::format("{}: not loaded\n", path);
      return;
    }
    std::vector<std::string> listed;
    for (auto& n : b->names) listed.push_back(def_of(*b, n)->kind + " " + n);
    std::cout << fmt::format("{}: {}{}{}\n", path, plural(b->names.size(), "definition"), listed.empty() ? "" : ": ",
                             join(listed));
    chunks_.push_back(std::move(c));
    cur_ = std::move(b);
  }

  static const lang::Definition* def_of(const Built& b, const std::string& name) {
    for (auto& d : b.script.defs)
      if (d.name == name) return &d;
    return nullptr;
  }

  // ---- commands
  bool command(const std::string& t) {
    size_t sp = t.find_first_of(" \t");
    std::string cmd = t.substr(0, sp), arg = sp == std::string::npos ? "" : trim(t.substr(sp));
    if (cmd == ":quit" || cmd == ":q" || cmd == ":exit") return false;
    if (cmd == ":help" || cmd == ":h" || cmd == ":?") {
      help();
    } else if (cmd == ":list") {
      list();
    } else if (cmd == ":load") {
      if (arg.empty()) usage(":load FILE");
      else load(arg);
    } else if (cmd == ":type") {
      if (arg.empty()) usage(":type NAME or EXPRESSION");
      else type(arg);
    } else if (cmd == ":show") {
      if (arg.empty()) usage(":show NAME or EXPRESSION");
      else show(arg);
    } else if (cmd == ":plan") {
      plan(arg);
    } else {
      std::string near = lang::closest(cmd, commands);
      std::cerr << fmt::format("error: unknown command '{}'{}; :help lists the commands\n", cmd,
                               near.empty() ? "" : " (did you mean '" + near + "'?)");
      failed(1);
    }
    return true;
  }

  void usage(const std::string& u) {
    std::cerr << "usage: " << u << "\n";
    failed(1);
  }

  void help() const {
    std::cout << fmt::format(
        "Enter a definition to check it with the session, run it and see its value:\n"
        "    dataset t = csv(\"songs.csv\", label: \"genre\")\n"
        "or an expression to see its value without keeping it: t, s.train, t |> keep(label == \"rock\").\n"
        "A name defined again replaces its definition. An entry goes on over several lines while a\n"
        "bracket is open or it ends in |>, = or an operator. Tab completes names, ops, arguments, files.\n"
        "\n"
        "  :type X        what X is (table, split, model spec, ...); for an op, its arguments\n"
        "  :show X        X at length: up to {} rows of each table\n"
        "  :plan [NAME]   the nodes of the session's reports (or of NAME): cached, or why they will run\n"
        "  :list          the definitions so far\n"
        "  :load FILE     add a script's definitions (checked, not run)\n"
        "  :help, :quit   (Ctrl-D quits too; Ctrl-C drops the entry, and during a run stops genre)\n"
        "\n"
        "Relative paths are read from {}\nResults are cached in {}\n",
        show_rows, dir_.string(), cache_);
  }

  void list() const {
    if (cur_->script.defs.empty()) std::cout << "no definitions yet\n";
    for (auto& d : cur_->script.defs) {
      auto t = cur_->types.find(d.name);
      std::cout << fmt::format("{} {}: {}  ({}:{})\n", d.kind, d.name,
                               t == cur_->types.end() ? "?" : lang::type_name(t->second), d.file,
                               d.name_range.begin.line);
    }
  }

  // An expression checked with the session, as `let _ = ...`; null if it does not check.
  std::unique_ptr<Built> expression(const std::string& e, Chunk& c) {
    c.file = fmt::format("<input {}>", inputs_);
    c.typed = e;
    c.text = "let _ =\n" + e;
    c.shift = 1;
    auto b = build(&c);
    return report(*b, c) ? std::move(b) : nullptr;
  }

  void type(const std::string& e) {
    // An op: its signature, as `genre ops` prints it.
    if (auto* sig = lang::catalog().find(e); sig && !cur_->types.count(e)) {
      std::cout << lang::signature_text(e, *sig);
      return;
    }
    Chunk c;
    auto b = expression(e, c);
    if (!b) return;
    auto t = b->types.find("_");
    const lang::Definition* d = def_of(*b, e);
    std::string what = t == b->types.end() ? "?" : lang::type_name(t->second);
    if (t != b->types.end() && (t->second == Type::Split || t->second == Type::Table)) what += shape(*b);
    if (d && d->name != "_") std::cout << fmt::format("{} {}: {}\n", d->kind, e, what);
    else std::cout << fmt::format("{}: {}\n", one_line(e), what);
  }

  // A table's or split's rows and parts, when the cache holds it (`:type` never runs anything).
  std::string shape(const Built& b) {
    try {
      Plan p = lower(b.script, b.bindings, {"_"});
      if (p.targets.empty()) return "";
      auto [def, node] = p.targets.front();
      Cache cache(cache_);
      auto v = cache.get(p.nodes[node].key);
      if (!v) return " (not computed yet: :show runs it)";
      auto rows = [](const Table& t) {
        return fmt::format("{} rows x {} columns", t.rows(), t.cols.size());
      };
      if (auto it = p.target_parts.find(0); it != p.target_parts.end())
        if (auto* sp = std::get_if<Split>(&*v)) return " (" + rows(sp->part(it->second)) + ")";
      if (auto* t = std::get_if<Table>(&*v)) return " (" + rows(*t) + ")";
      if (auto* sp = std::get_if<Split>(&*v)) {
        std::string parts;
        for (auto& [name, t] : sp->parts) parts += (parts.empty() ? "" : ", ") + fmt::format("{} {} rows", name, t.rows());
        return " with parts " + parts;
      }
    } catch (const std::exception&) {  // a data problem shows when it runs; :type only describes
    }
    return "";
  }

  void show(const std::string& e) {
    Chunk c;
    auto b = expression(e, c);
    if (b) evaluate(*b, c, {"_"}, show_rows, one_line(e));
  }

  void plan(const std::string& arg) {
    std::vector<std::string> targets;
    for (size_t i = 0; i < arg.size();) {
      size_t j = arg.find_first_of(" \t,", i);
      if (j == std::string::npos) j = arg.size();
      if (j > i) targets.push_back(arg.substr(i, j - i));
      i = j + 1;
    }
    const Built& b = *cur_;
    // Without reports yet, every definition that computes something.
    bool reports = false;
    for (auto& d : b.script.defs) reports |= d.kind == "report" || d.kind == "analysis";
    if (targets.empty() && !reports)
      for (auto& [n, t] : b.types)
        if (t == Type::Table || t == Type::Split || t == Type::Trained || t == Type::Report) targets.push_back(n);
    for (auto& t : targets)
      if (!def_of(b, t)) {
        std::cerr << fmt::format("error: no definition named '{}'\n", t);
        failed(1);
        return;
      }
    if (targets.empty() && !reports) {
      std::cout << "nothing to plan yet: no definition computes anything\n";
      return;
    }
    Chunk none;
    guarded(b, none, [&] {
      Plan p = lower(b.script, b.bindings, targets);
      std::cout << plan_listing(p, status(p, cache_, record_));
    });
  }
};

}  // namespace

int run_repl(const ReplOptions& o) {
  bool tty = ::isatty(STDIN_FILENO) && ::isatty(STDOUT_FILENO);
  Session* session = nullptr;
  Lines lines(tty, [&](const std::string& text, size_t* start) {
    static const std::map<std::string, Type> none;
    return completions(text, session ? session->types() : none, start);
  });
  Session s(o, lines);
  session = &s;
  if (tty) s.banner();
  s.loop();
  return tty ? 0 : s.rc();
}

}  // namespace genre
