// embeddings(path, dims:) reads GloVe's text format into a table of vectors;
// coverage(split, vectors, column:) reports how much of a tokenized split
// those vectors cover (a reviewer's first question about pre-trained
// embeddings). embedding_matrix() is what the embedding layer uses.
#include "ops/text/embeddings.h"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <unordered_map>

#include "runtime/core/op.h"
#include "runtime/core/op_kit.h"
#include "ops/io/read_file.h"
#include "ops/text/utf8.h"

namespace genre {

namespace text {

namespace {

bool whole_number(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

Table read_embeddings(const std::string& path, const std::string& shown, size_t dims, bool skip,
                      const std::string& skip_hint) {
  if (dims == 0) throw DataError("embeddings: dims must be at least 1");
  std::string data = read_file(path, shown);
  Column word, vec, line;
  word.name = "word";
  word.numeric = false;
  vec.name = "vector";
  vec.numeric = false;
  vec.seq_dims = static_cast<uint32_t>(dims);
  line.name = "line";

  std::vector<std::string_view> f;
  size_t pos = 0, n = 0;
  while (pos < data.size()) {
    size_t end = data.find('\n', pos);
    if (end == std::string::npos) end = data.size();
    std::string_view l(data.data() + pos, end - pos);
    pos = end + 1;
    ++n;
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    if (n == 1 && l.starts_with("\xEF\xBB\xBF")) l.remove_prefix(3);  // BOM
    f.clear();
    for (size_t i = 0; i < l.size();) {
      while (i < l.size() && (l[i] == ' ' || l[i] == '\t')) ++i;
      size_t s = i;
      while (i < l.size() && l[i] != ' ' && l[i] != '\t') ++i;
      if (i > s) f.push_back(l.substr(s, i - s));
    }
    if (f.empty()) continue;  // a blank line
    if (n == 1 && f.size() == 2 && whole_number(f[0]) && whole_number(f[1])) {  // word2vec's header: count dims
      if (f[1] != std::to_string(dims))
        throw DataError(fmt::format("{}:1: the header says {} dimensions, but dims is {}", shown, f[1], dims));
      continue;
    }
    std::string problem;
    std::vector<float> v;
    if (size_t bad = invalid_utf8(l); bad != std::string::npos) {
      problem = fmt::format("not valid UTF-8: byte 0x{:02X} at byte {} of the line", static_cast<unsigned char>(l[bad]),
                            bad + 1);
    } else if (f.size() != dims + 1) {
      problem = fmt::format("expected {} values after the word \"{}\", found {}", dims, f[0], f.size() - 1);
    } else {
      v.resize(dims);
      for (size_t k = 0; k < dims && problem.empty(); ++k) {
        auto r = std::from_chars(f[k + 1].data(), f[k + 1].data() + f[k + 1].size(), v[k]);
        if (r.ec != std::errc() || r.ptr != f[k + 1].data() + f[k + 1].size() || !std::isfinite(v[k]))
          problem = fmt::format("value {} of the word \"{}\" (\"{}\") is not a finite number", k + 1, f[0], f[k + 1]);
      }
    }
    if (!problem.empty()) {
      if (!skip)
        throw DataError(fmt::format("{}:{}: {}{}", shown, n, problem, skip_hint.empty() ? "" : " (" + skip_hint + ")"));
      v.clear();
    }
    bool utf8 = invalid_utf8(f[0]) == std::string::npos;
    word.text.emplace_back(utf8 ? nfc(f[0]) : std::string());  // as tokenize's words
    word.present.push_back(utf8);
    vec.present.push_back(problem.empty());
    vec.seq.push_back(std::move(v));
    line.num.push_back(static_cast<double>(n));
  }
  if (vec.seq.empty()) throw DataError(shown + ": no vectors in the file");
  Table t;
  t.source = shown;
  t.cols = {std::move(word), std::move(vec), std::move(line)};
  return t;
}

EmbeddingMatrix embedding_matrix(const Vocabulary& v, const Table& vectors) {
  const Column& word = vectors.column("word");
  const Column& vec = vectors.column("vector");
  if (!word.is_text() || !vec.is_sequence())
    throw DataError(vectors.source + ": not a table of word vectors (made by embeddings())");
  std::unordered_map<std::string_view, size_t> row;
  row.reserve(word.text.size());
  for (size_t r = 0; r < word.text.size(); ++r)
    if (word.present[r] && vec.present[r]) row.emplace(word.text[r], r);  // the first vector of a word counts

  EmbeddingMatrix m;
  m.rows = v.size();
  m.dims = vec.seq_dims;
  m.values.assign(m.rows * m.dims, 0.0f);
  m.found.assign(m.rows, 0);
  m.tokens = m.tokens_found = 0;
  std::vector<std::pair<size_t, std::string>> missing;
  for (size_t id = 0; id < v.size(); ++id) {
    m.tokens += v.counts[id];
    if (id < 2 || v.words[id].empty()) continue;
    ++m.words;
    auto it = row.find(v.words[id]);
    if (it == row.end()) {
      missing.emplace_back(v.counts[id], v.words[id]);
      continue;
    }
    ++m.words_found;
    m.tokens_found += v.counts[id];
    m.found[id] = 1;
    std::copy(vec.seq[it->second].begin(), vec.seq[it->second].end(), m.values.begin() + static_cast<long>(id * m.dims));
  }
  std::stable_sort(missing.begin(), missing.end(), [](auto& a, auto& b) { return a.first > b.first; });
  for (auto& [c, w] : missing) m.missing.push_back(w);
  return m;
}

}  // namespace text

namespace {

double share(size_t part, size_t all) { return all ? static_cast<double>(part) / static_cast<double>(all) : 0.0; }

Value run_embeddings(const OpContext& ctx) {
  std::string given = ctx.params.at("path").get<std::string>();
  double dims = kit::num_param(ctx.params, "dims", NAN);
  if (!(dims >= 1 && dims <= 100000 && dims == std::floor(dims)))
    throw DataError("embeddings: dims must be a whole number from 1 to 100000, got " + kit::fmt_num(dims));
  std::string on_error = kit::symbol_param(ctx.params, "on_error", "fail");
  if (on_error != "fail" && on_error != "skip") throw DataError("embeddings: on_error must be fail or skip, got " + on_error);
  return text::read_embeddings(ctx.path(given), given, static_cast<size_t>(dims), on_error == "skip",
                               "on_error: skip leaves such lines out, counted");
}

// Of a part's non-padding ids, how many have a vector (out-of-vocabulary ones count as not found).
json part_coverage(const Table& t, const std::string& name, const std::string& tokens, const text::EmbeddingMatrix& m) {
  const Column& ids = t.column(tokens);
  if (!ids.is_sequence()) throw DataError("coverage: column \"" + tokens + "\" of part \"" + name + "\" holds no token ids");
  size_t all = 0, found = 0;
  for (auto& row : ids.seq)
    for (float x : row) {
      if (x == text::pad_id) continue;
      ++all;
      auto id = static_cast<size_t>(x);
      found += id < m.found.size() && m.found[id];
    }
  return {{"tokens", all}, {"found", found}, {"share", share(found, all)}};
}

Value run_coverage(const OpContext& ctx) {
  auto* s = std::get_if<Split>(&ctx.input("data"));
  auto* vectors = std::get_if<Table>(&ctx.input("vectors"));
  if (!s || !vectors) throw InternalError("coverage: expects a split and a table of vectors");
  std::string col = ctx.params.at("column").get<std::string>();
  std::string tokens = kit::str_param(ctx.params, "tokens", "tokens");
  double top = kit::num_param(ctx.params, "top", 20);

  // Each part is counted against the vocabulary of its group (on a kfold
  // split, its fold's); the vocabulary summary is the first group's.
  auto groups = kit::fit_groups(*s, ctx.params, "coverage");
  std::string fit_on = groups[0].fit_on;
  text::EmbeddingMatrix m;
  json parts = json::object();
  for (size_t g = groups.size(); g-- > 0;) {
    text::Vocabulary v = text::recover_vocabulary(s->part(groups[g].fit_on), col, tokens);
    text::EmbeddingMatrix gm = text::embedding_matrix(v, *vectors);
    for (auto& name : groups[g].parts) parts[name] = part_coverage(s->part(name), name, tokens, gm);
    if (g == 0) m = std::move(gm);
  }
  const Column& vec = vectors->column("vector");
  json skipped = json::array();
  size_t n_skipped = 0;
  for (size_t r = 0; r < vec.present.size(); ++r)
    if (!vec.present[r] && n_skipped++ < 10) skipped.push_back(vectors->column("line").num[r]);
  json missing = json::array();
  for (size_t i = 0; i < m.missing.size() && static_cast<double>(i) < top; ++i) missing.push_back(m.missing[i]);
  return json{{"vectors", vec.present.size() - n_skipped},
              {"dims", m.dims},
              {"skipped_lines", n_skipped},
              {"first_skipped_lines", skipped},
              {"vocabulary", {{"built_on", fit_on}, {"words", m.words}, {"found", m.words_found},
                              {"share", share(m.words_found, m.words)}}},
              {"tokens", parts},
              {"missing", missing}};
}

}  // namespace

void register_embeddings() {
  using lang::Type;
  lang::Signature e;
  e.name = "embeddings";
  e.version = 2;  // 2: words in NFC
  e.result = Type::Table;
  e.doc = "Read pre-trained word vectors in GloVe's text format (per line: the word, then dims numbers, separated by "
          "spaces; word2vec's \"count dims\" first line is skipped; .gz is decompressed) into a table: word, vector "
          "(a sequence column of one step of dims floats), line. A bad line (wrong number of values, a value that is "
          "not a finite number, invalid UTF-8) stops the run with file:line, or is kept as a row with a missing vector "
          "(on_error: skip), counted by coverage(); blank lines are ignored.";
  e.params = {
      {"path", {Type::Path}, true, {}, Type::Any, "the file, e.g. \"glove.6B.100d.txt\""},
      lang::bounded({"dims", {Type::Int}, true, {}, Type::Any, "values per word (GloVe 6B: 50, 100, 200 or 300)"}, lang::at_least(1)),
      {"on_error", {Type::Symbol}, false, {"fail", "skip"}, Type::Any, "a bad line: fail (default) or skip it, counted"},
  };
  register_op(e, run_embeddings);

  lang::Signature c;
  c.name = "coverage";
  c.result = Type::Report;
  c.doc = "How much of a tokenized split the word vectors cover: \"vocabulary\": the share of the vocabulary's words "
          "(built on fit_on) that have a vector; \"tokens\": per part, the share of non-padding ids whose word has a "
          "vector (out-of-vocabulary ids count as not found); \"missing\": the most frequent words without one; "
          "\"vectors\", \"dims\", \"skipped_lines\" (on_error: skip) and the first skipped line numbers.";
  c.params = {
      {"data", {Type::Split}, true, {}, Type::Any, "the split tokenize returned"},
      {"vectors", {Type::Table}, true, {}, Type::Any, "the vectors embeddings() read"},
      {"column", {Type::String}, true, {}, Type::Any, "the text column tokenize read"},
      {"tokens", {Type::String}, false, {}, Type::Any, "the token column (default \"tokens\")"},
      {"fit_on", {Type::String}, false, {}, Type::Any, "the part the vocabulary was built on (default \"train\"; on a kfold split each fold's own)"},
      {"top", {Type::Int}, false, {}, Type::Any, "how many missing words to list (default 20)"},
  };
  register_op(c, run_coverage);
}

}  // namespace genre
