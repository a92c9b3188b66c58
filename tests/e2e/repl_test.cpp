// `genre repl`, driven as a user would: entries piped into standard input, and
// keystrokes (Tab, the Up arrow, Ctrl-D) on a pseudo-terminal.
#include <catch2/catch.hpp>

#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <fmt/core.h>
#include <nlohmann/json.hpp>
#include <sstream>

#include "shell.h"

namespace fs = std::filesystem;

namespace {

using e2e::count;
using e2e::slurp;
using e2e::TempDir;

// Three genres, 20 songs each, in clusters 10 apart with a spread of 1: a
// 3-nearest-neighbour model separates them perfectly.
constexpr int per_genre = 20;
std::string songs_csv() {
  std::string s = "a,b,c,genre\n";
  const char* genres[] = {"rock", "pop", "jazz"};
  for (int g = 0; g < 3; ++g)
    for (int i = 0; i < per_genre; ++i) {
      double u = std::fmod(i * 0.618034, 1.0), v = std::fmod(i * 0.414214 + 0.3, 1.0);
      s += std::to_string((g == 1 ? 10 : 0) + u) + "," + std::to_string((g == 2 ? 10 : 0) + v) + "," +
           std::to_string(std::fmod(i * 0.1732, 1.0)) + "," + genres[g] + "\n";
    }
  return s;
}

std::string genre_in(const fs::path& dir, const std::string& args) {
  return "cd '" + dir.string() + "' && env -u GENRE_CACHE " + GENRE_BIN + " " + args;
}

// The text after the first occurrence of `marker`, or "" when absent.
std::string after(const std::string& out, const std::string& marker, size_t from = 0) {
  size_t at = out.find(marker, from);
  return at == std::string::npos ? "" : out.substr(at + marker.size());
}

// The screen's bytes with control characters written out (\r, \t, \e...), so that a failure's
// message shows what the terminal received rather than what it would draw.
std::string visible(const std::string& s) {
  std::string v;
  for (unsigned char c : s) {
    if (c == '\n') v += "\\n\n";
    else if (c == '\r') v += "\\r";
    else if (c == '\t') v += "\\t";
    else if (c == 0x1b) v += "\\e";
    else if (c < 0x20 || c == 0x7f) v += fmt::format("\\x{:02x}", c);
    else v += char(c);
  }
  return v;
}

const std::string defs[] = {
    "dataset t = csv(\"songs.csv\", label: \"genre\")",
    "split s = t |> split(train: 70%, test: 30%, stratify: label, seed: 1)",
    "train m = fit(knn(k: 3), s.train)",
    "report r = evaluate([m], s.test) {\n  accuracy, macro_f1\n}",
};

}  // namespace

TEST_CASE("genre repl on piped input: shapes, metrics, a positioned error, and the cache", "[e2e][repl]") {
  TempDir d;
  d.write("songs.csv", songs_csv());
  const std::string broken = "split s = t |> split(train: 70%, test: 30%,, seed: 1)";
  std::string in;
  for (auto& def : defs) in += def + "\n";
  in += "\n" + broken + "\n"           // entry 5: a syntax error
        + defs[0] + "\n"               // 6: unchanged, so nothing runs
        + "s.train\n"                  // 7: an expression
        + "dataset t2 = csv(\"songs.csv\", label: \"genre\")\n  |> drop_columns([\"c\"])\n"  // 8: a `|>` line
        + ":type s\n:type nosuch\n:frob\n";
  d.write("in.txt", in);
  auto [rc, out] = e2e::run(genre_in(d.path, "repl < in.txt"));
  INFO(out);
  CHECK(rc == 1);  // errors were made, though the session went on

  const int rows = 3 * per_genre, train = 3 * per_genre * 7 / 10;
  CHECK(after(out, "== t ==\n").rfind(std::to_string(rows) + " rows x 4 columns\n", 0) == 0);
  CHECK(out.find("train: " + std::to_string(train) + " rows\ntest: " + std::to_string(rows - train) + " rows\n") !=
        std::string::npos);
  // The report: a metrics table, and the clusters are apart so KNN is exact.
  std::string report = after(out, "== r ==\n");
  CHECK(report.rfind(std::to_string(rows - train) + " test rows", 0) == 0);
  std::istringstream lines(after(report, "summary\n"));
  std::string header, rule, row;
  std::getline(lines, header);
  std::getline(lines, rule);
  std::getline(lines, row);
  CHECK(header.find("accuracy") != std::string::npos);
  // Each metric is printed with its interval: "m  1.0000 [1.0000, 1.0000]  1.0000 [1.0000, 1.0000]".
  std::istringstream cells(row);
  std::string model, lo, hi;
  double accuracy = 0, f1 = 0;
  cells >> model >> accuracy >> lo >> hi >> f1;
  CHECK(model == "m");
  CHECK(accuracy == 1.0);
  CHECK(lo == "[1.0000,");
  CHECK(f1 == 1.0);
  // Each first entry ran its new node only; the report's four nodes all ran once.
  CHECK(out.find("(1 of 4 ops ran") != std::string::npos);

  // The syntax error: the entry's own line, column and a caret; then the session went on.
  size_t col = broken.find(",,") + 2;
  std::string diag = after(out, "<input 5>:1:" + std::to_string(col) + ": error:");
  REQUIRE_FALSE(diag.empty());
  std::string quoted = after(diag, "\n");
  CHECK(quoted.rfind(broken + "\n" + std::string(col - 1, ' ') + "^", 0) == 0);
  // Re-entered unchanged: nothing ran.
  CHECK(count(out, "== t ==\n") == 2);
  CHECK(after(after(out, "== t ==\n"), "== t ==\n").find("(cached: 0 of 1 op ran)") != std::string::npos);
  CHECK(after(out, "== s.train ==\n").rfind(std::to_string(train) + " rows x 4 columns\n", 0) == 0);
  CHECK(after(out, "== t2 ==\n").rfind(std::to_string(rows) + " rows x 3 columns\n", 0) == 0);
  // :type of a computed split names its parts and their rows (from the cache; it runs nothing).
  CHECK(out.find(fmt::format("\nsplit s: split with parts train {} rows, test {} rows\n", train, rows - train)) !=
        std::string::npos);
  CHECK(out.find("<input 10>:1:1: error: unknown name 'nosuch'") != std::string::npos);
  CHECK(out.find("unknown command ':frob'") != std::string::npos);

  // `genre run` on the same definitions in a script here uses the same cache: nothing to run.
  std::string script;
  for (auto& def : defs) script += def + "\n";
  d.write("study.genre", script);
  auto [rc2, out2] = e2e::run(genre_in(d.path, "run study.genre"));
  INFO(out2);
  CHECK(rc2 == 0);
  CHECK(out2.find("4 nodes: 0 ran, 4 reused from cache") != std::string::npos);
  std::ifstream f(d.path / "out" / "study" / "results.json");
  auto results = nlohmann::json::parse(f);
  CHECK(results["r"]["m"]["accuracy"].get<double>() == Approx(accuracy));
}

TEST_CASE("genre repl fits a wide table to the terminal's columns, naming the columns left out", "[e2e][repl]") {
  TempDir d;
  std::string csv = "id,genre,a_rather_long_column_name,b,c,d,e,f,g,h,lyrics\n";
  for (int i = 0; i < 4; ++i)
    csv += std::to_string(i) + ",rock,1.5,2,3,4,5,6,7,8,a line of lyrics much longer than any terminal column should hold\n";
  d.write("wide.csv", csv);
  d.write("in.txt", "dataset w = csv(\"wide.csv\", label: \"genre\")\n");
  for (int width : {40, 72}) {
    auto [rc, out] = e2e::run("cd " + d.path.string() + " && COLUMNS=" + std::to_string(width) + " " +
                              std::string(GENRE_BIN) + " repl < in.txt");
    INFO(out);
    CHECK(rc == 0);
    std::string table = after(out, "== w ==\n");
    table = table.substr(0, table.find("(1 of"));
    REQUIRE(table.find("4 rows x 11 columns\n") == 0);
    for (size_t b = 0, e; (e = table.find('\n', b)) != std::string::npos; b = e + 1) CHECK(e - b <= size_t(width));
    CHECK(table.find(width == 40 ? "... 9 more columns: a_rather_long..." : "... 1 more column: lyrics\n") != std::string::npos);
  }
  // A pipe with no COLUMNS: every column, cells whole.
  auto [rc, out] = e2e::run("cd " + d.path.string() + " && env -u COLUMNS " + std::string(GENRE_BIN) + " repl < in.txt");
  CHECK(out.find("much longer than any terminal column should hold") != std::string::npos);
}

TEST_CASE("genre repl FILE loads the script first, and clean input exits 0", "[e2e][repl]") {
  TempDir d;
  d.write("songs.csv", songs_csv());
  std::string script;
  for (auto& def : defs) script += def + "\n";
  d.write("study.genre", script + "let n = 2 + 3\n");
  d.write("in.txt", "n * 2\n:plan\n:show s\n");
  auto [rc, out] = e2e::run(genre_in(d.path, "repl study.genre --set n=4 < in.txt"));
  INFO(out);
  CHECK(rc == 0);
  CHECK(out.find("study.genre: 5 definitions: dataset t, split s, train m, report r, let n\n") != std::string::npos);
  CHECK(out.find("\nn * 2 = 8\n") != std::string::npos);  // --set replaced n
  // :plan: what `genre plan` shows for the reports; nothing has run yet.
  CHECK(out.find("4 nodes: 0 cached, 4 to run") != std::string::npos);
  // :show: each part's rows, all of them here (a header, a rule, the rows).
  const int test_rows = 3 * per_genre - 3 * per_genre * 7 / 10;
  std::string part = after(out, "\ntest: " + std::to_string(test_rows) + " rows x 4 columns\n");
  REQUIRE_FALSE(part.empty());
  CHECK(int(count(part.substr(0, part.find("\n(")), "\n")) + 1 == 2 + test_rows);
}

namespace {

// `genre repl` on a pseudo-terminal: keystrokes in, the screen's bytes out.
struct Terminal {
  pid_t pid = -1;
  int fd = -1;
  std::string out;

  Terminal(const fs::path& dir, const fs::path& history) {
    winsize ws{40, 100, 0, 0};
    pid = forkpty(&fd, nullptr, nullptr, &ws);
    if (pid == 0) {
      if (::chdir(dir.c_str()) != 0) _exit(126);
      setenv("TERM", "xterm", 1);
      setenv("HOME", dir.c_str(), 1);  // no ~/.editrc of the person running the tests
      setenv("GENRE_HISTORY", history.c_str(), 1);
      unsetenv("GENRE_CACHE");
      execl(GENRE_BIN, GENRE_BIN, "repl", static_cast<char*>(nullptr));
      _exit(127);
    }
  }
  ~Terminal() {
    if (pid > 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
    if (fd >= 0) close(fd);
  }

  void send(const std::string& keys) { REQUIRE(write(fd, keys.data(), keys.size()) == ssize_t(keys.size())); }

  // Reads what arrives until done() holds: true then, false after 20 s or at the end of output.
  template <class Done>
  bool read_until(Done done, int poll_ms) {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!done()) {
      if (std::chrono::steady_clock::now() > until) return false;
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, poll_ms) <= 0) continue;
      char buf[4096];
      ssize_t n = read(fd, buf, sizeof buf);
      if (n <= 0) return false;
      out.append(buf, n);
    }
    return true;
  }

  // Until libedit has the terminal in raw mode (the master's tcgetattr reads the slave's
  // settings). libedit prints its prompt before it leaves cooked mode: keys sent on seeing the
  // prompt can reach a cooked terminal, which echoes them and turns a Ctrl-D into its
  // end-of-file mark, when the REPL is slow to be scheduled (CI, under load).
  bool wait_raw() {
    return read_until([&] {
      termios tio{};
      return tcgetattr(fd, &tio) == 0 && !(tio.c_lflag & ICANON);
    }, 10);
  }

  // Until `what` appears after byte `from` of everything read.
  bool wait_for(const std::string& what, size_t from = 0) {
    return read_until([&] { return out.find(what, from) != std::string::npos; }, 200);
  }

  // Ctrl-D, then the exit status once the child has gone. The key is sent again every 2 s: one
  // that arrives while libedit is still setting up the terminal can be flushed with its input.
  // The child's end is seen by waitpid, not only by the master's end of file: on some kernels
  // (sandboxes) a read of the master after the child has gone neither fails nor returns 0.
  // -1 (the child killed) after 20 s, so a REPL that will not quit fails the test, not hangs it.
  int quit() {
    auto start = std::chrono::steady_clock::now(), sent = start - std::chrono::seconds(3);
    char buf[4096];
    int st = 0;
    for (;;) {
      if (waitpid(pid, &st, WNOHANG) == pid) break;
      auto now = std::chrono::steady_clock::now();
      if (now - start > std::chrono::seconds(20)) return -1;  // the destructor kills it
      if (now - sent > std::chrono::seconds(2) && wait_raw()) {
        if (write(fd, "\x04", 1) != 1) {}  // fails once the child has gone: waitpid says so
        sent = now;
      }
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 200) <= 0) continue;
      ssize_t n = read(fd, buf, sizeof buf);
      if (n <= 0) {  // the child has gone, or is going
        waitpid(pid, &st, 0);
        break;
      }
      out.append(buf, n);
    }
    pid = -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  }
};

}  // namespace

TEST_CASE("genre repl on a terminal: tab completion, and history across sessions", "[e2e][repl]") {
  TempDir d;
  fs::path history = d.path / "history";
  {
    Terminal t(d.path, history);
    REQUIRE(t.wait_for("genre> "));
    REQUIRE(t.wait_raw());
    // "kn" + Tab completes the op name; "me" + Tab an argument of knn, with its colon.
    t.send("model m = kn\t(k: 3, me\tcosine)\r");
    bool shown = t.wait_for("\nm = knn(k: 3, metric: \"cosine\")");
    INFO(visible(t.out));
    CHECK(shown);
    REQUIRE(t.wait_for("genre> ", t.out.rfind("\nm = ")));
    CHECK(t.quit() == 0);  // Ctrl-D
  }
  std::string saved = slurp(history);
  CHECK(saved.find("model") != std::string::npos);
  {
    Terminal t(d.path, history);
    REQUIRE(t.wait_for("genre> "));
    REQUIRE(t.wait_raw());
    size_t from = t.out.size();
    t.send("\x1b[A");  // Up: the line entered in the last session
    bool recalled = t.wait_for("model m = knn(k: 3, metric: cosine)", from);
    t.send("\r");
    bool shown = recalled && t.wait_for("\nm = knn(k: 3, metric: \"cosine\")", from);
    INFO(visible(t.out));
    CHECK(recalled);
    CHECK(shown);
    CHECK(t.quit() == 0);
  }
}

// The lines a terminal shows at the end: the progress block's "cursor up, erase line" pairs
// take back the lines they erase.
std::vector<std::string> screen_lines(const std::string& bytes) {
  const std::string erase = "\x1b[1A\x1b[2K";
  std::vector<std::string> lines{""};
  for (size_t i = 0; i < bytes.size();) {
    if (bytes.compare(i, erase.size(), erase) == 0) {
      if (lines.size() > 1) lines.pop_back(), lines.back().clear();
      i += erase.size();
      continue;
    }
    char c = bytes[i++];
    if (c == '\n') lines.emplace_back();
    else if (c != '\r') lines.back() += c;
  }
  return lines;
}

TEST_CASE("genre repl on a terminal: one line per op that ran, its live line erased", "[e2e][repl]") {
  TempDir d;
  Terminal t(d.path, d.path / "history");
  REQUIRE(t.wait_for("genre> "));
  REQUIRE(t.wait_raw());
  size_t from = t.out.size();
  t.send("train k3 = fit(knn(k: 3), csv(\"" + e2e::fma_csv() + "\", label: \"genre_top\"))\r");
  bool shown = t.wait_for("genre> ", from + 10);
  std::string after = t.out.substr(from);
  INFO(visible(after));
  REQUIRE(shown);
  size_t fit = 0, csv = 0;
  for (auto& line : screen_lines(after)) {
    fit += line.find("k3/fit") != std::string::npos;
    csv += line.find("k3/csv") != std::string::npos;
  }
  CHECK(fit == 1);  // "done  k3/fit (0.01 s)", not also "▸ k3/fit 0.0 s"
  CHECK(csv == 1);
  CHECK(after.find("done  k3/fit") != std::string::npos);
  CHECK(t.quit() == 0);
}
