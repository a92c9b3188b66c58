// tokenize(column, max_len:, vocab_size:): words -> ids, the vocabulary built
// on the training part only (a word seen only in the test part is out of
// vocabulary), every part encoded with it. vocabulary(...) reports it back.
// See ops/text/vocab.h for the ids and for why the vocabulary is recovered
// from the table rather than stored in it.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "runtime/core/op.h"
#include "runtime/core/op_kit.h"
#include "ops/text/utf8.h"
#include "ops/text/vocab.h"

namespace genre {

namespace text {

std::vector<std::string> visible_words(std::string_view s, size_t max_len) {
  auto w = words(s);
  if (w.size() > max_len) w.resize(max_len);
  return w;
}

namespace {
Vocabulary specials() {
  Vocabulary v;
  v.words = {"<pad>", "<unk>"};
  v.counts = {0, 0};
  return v;
}
}  // namespace

Vocabulary build_vocabulary(const Column& c, const VocabOptions& opt) {
  std::unordered_map<std::string, size_t> count;
  for (size_t r = 0; r < c.text.size(); ++r)
    if (c.present[r])
      for (auto& w : visible_words(c.text[r], opt.max_len)) ++count[w];
  std::vector<std::pair<std::string, size_t>> ranked;
  for (auto& [w, n] : count)
    if (n >= opt.min_count) ranked.emplace_back(w, n);
  std::sort(ranked.begin(), ranked.end(),
            [](auto& a, auto& b) { return a.second != b.second ? a.second > b.second : a.first < b.first; });
  if (opt.size >= 2 && ranked.size() > opt.size - 2) ranked.resize(opt.size - 2);
  Vocabulary v = specials();
  for (auto& [w, n] : ranked) {
    v.ids[w] = static_cast<uint32_t>(v.words.size());
    v.words.push_back(w);
    v.counts.push_back(n);
  }
  size_t known = 0, all = 0;
  for (auto& [w, n] : count) all += n, known += v.ids.count(w) ? n : 0;
  v.counts[oov_id] = all - known;
  return v;
}

std::vector<float> encode(std::string_view s, const Vocabulary& v, const VocabOptions& opt) {
  std::vector<float> out(opt.max_len, static_cast<float>(pad_id));
  auto w = visible_words(s, opt.max_len);
  size_t at = opt.pad_start ? opt.max_len - w.size() : 0;
  for (size_t i = 0; i < w.size(); ++i) out[at + i] = static_cast<float>(v.id(w[i]));
  return out;
}

Vocabulary recover_vocabulary(const Table& t, const std::string& text_col, const std::string& tokens_col) {
  const Column& tc = t.column(text_col);
  const Column& ids = t.column(tokens_col);
  std::string where = t.source.empty() ? std::string("the table") : t.source;
  if (!tc.is_text() || !ids.is_sequence() || ids.seq_dims != 1)
    throw DataError(fmt::format("{}: \"{}\" must be a text column and \"{}\" a column of token ids (made by tokenize)",
                                where, text_col, tokens_col));
  Vocabulary v = specials();
  auto disagree = [&](size_t r, const std::string& why) {
    return DataError(fmt::format("{}, row {}: the ids in \"{}\" do not match the words of \"{}\" ({}); was the text "
                                 "changed after tokenize?",
                                 where, r + 1, tokens_col, text_col, why));
  };
  for (size_t r = 0; r < t.rows(); ++r) {
    std::vector<uint32_t> row;
    for (float x : ids.seq[r]) {
      if (!(x >= 0 && x < 16777217.0f && x == std::floor(x))) throw disagree(r, fmt::format("{} is not an id", x));
      if (x != pad_id) row.push_back(static_cast<uint32_t>(x));
    }
    auto w = tc.present[r] ? visible_words(tc.text[r], ids.seq[r].size()) : std::vector<std::string>{};
    if (w.size() != row.size())
      throw disagree(r, fmt::format("{} ids for {} words", row.size(), w.size()));
    for (size_t i = 0; i < w.size(); ++i) {
      uint32_t id = row[i];
      if (id == oov_id) {
        ++v.counts[oov_id];
        continue;
      }
      if (id >= v.words.size()) v.words.resize(id + 1), v.counts.resize(id + 1);
      if (v.words[id].empty()) {
        auto [it, fresh] = v.ids.emplace(w[i], id);
        if (!fresh) throw disagree(r, fmt::format("\"{}\" has ids {} and {}", w[i], it->second, id));
        v.words[id] = w[i];
      } else if (v.words[id] != w[i]) {
        throw disagree(r, fmt::format("id {} is \"{}\" and \"{}\"", id, v.words[id], w[i]));
      }
      ++v.counts[id];
    }
  }
  return v;
}

}  // namespace text

namespace {

size_t whole(const json& p, const char* op, const char* name, double dflt, double min, double max) {
  double v = kit::num_param(p, name, dflt);
  if (std::isnan(v) || v < min || v > max || v != std::floor(v))
    throw DataError(fmt::format("{}: {} must be a whole number from {} to {}, got {}", op, name, kit::fmt_num(min),
                                kit::fmt_num(max), std::isnan(v) ? "nothing" : kit::fmt_num(v)));
  return static_cast<size_t>(v);
}

const Column& text_column(const Table& t, const std::string& part, const std::string& col, const char* op) {
  const Column* c = &t.column(col);  // a DataError listing the columns when there is none
  if (!c->is_text())
    throw DataError(fmt::format("{}: column \"{}\" of part \"{}\" holds {}, not text", op, col, part,
                                c->numeric ? "numbers" : "sequences"));
  return *c;
}

Value run_tokenize(const OpContext& ctx) {
  auto* s = std::get_if<Split>(&ctx.input("data"));
  if (!s) throw InternalError("tokenize: data is not a split");
  std::string col = ctx.params.at("column").get<std::string>();
  std::string into = kit::str_param(ctx.params, "into", "tokens");
  text::VocabOptions opt;
  opt.max_len = whole(ctx.params, "tokenize", "max_len", NAN, 1, 1e6);
  opt.size = whole(ctx.params, "tokenize", "vocab_size", NAN, 3, 16777216);  // ids must stay exact as floats
  opt.min_count = whole(ctx.params, "tokenize", "min_count", 1, 1, 1e15);
  std::string pad = kit::symbol_param(ctx.params, "pad", "end");
  if (pad != "end" && pad != "start") throw DataError("tokenize: pad must be end or start, got " + pad);
  opt.pad_start = pad == "start";

  // One vocabulary per fit group: on a kfold split each fold builds its own
  // from foldN_train, so a word only in foldN_val is out of vocabulary there.
  std::map<std::string, Table> done;
  for (auto& g : kit::fit_groups(*s, ctx.params, "tokenize")) {
    const Table& fit = s->part(g.fit_on);
    text::Vocabulary v = text::build_vocabulary(text_column(fit, g.fit_on, col, "tokenize"), opt);
    for (auto& name : g.parts) {
      const Table& t = s->part(name);
      const Column& c = text_column(t, name, col, "tokenize");
      if (t.find(into))
        throw DataError(fmt::format("tokenize: part \"{}\" already has a column \"{}\"; name another with into:", name, into));
      Column ids;
      ids.name = into;
      ids.numeric = false;
      ids.seq_dims = 1;
      ids.present.assign(c.text.size(), 1);
      ids.seq.reserve(c.text.size());
      for (size_t r = 0; r < c.text.size(); ++r)
        ids.seq.push_back(text::encode(c.present[r] ? std::string_view(c.text[r]) : std::string_view(), v, opt));
      Table copy = t;
      copy.cols.push_back(std::move(ids));
      done[name] = std::move(copy);
    }
  }
  Split out;
  for (auto& [name, t] : s->parts) out.parts.emplace_back(name, std::move(done.at(name)));
  return out;
}

Value run_vocabulary(const OpContext& ctx) {
  auto* s = std::get_if<Split>(&ctx.input("data"));
  if (!s) throw InternalError("vocabulary: data is not a split");
  std::string col = ctx.params.at("column").get<std::string>();
  std::string tokens = kit::str_param(ctx.params, "tokens", "tokens");
  std::string fit_on = kit::fit_groups(*s, ctx.params, "vocabulary")[0].fit_on;  // fold1_train on a kfold split
  size_t top = whole(ctx.params, "vocabulary", "top", 20, 0, 1e9);
  text::Vocabulary v = text::recover_vocabulary(s->part(fit_on), col, tokens);
  json words = json::array();
  for (size_t id = 2; id < v.size() && words.size() < top; ++id) words.push_back({v.words[id], v.counts[id]});
  json oov = json::object();
  for (auto& [name, t] : s->parts) {
    const Column& ids = t.column(tokens);
    size_t all = 0, unknown = 0;
    for (auto& row : ids.seq)
      for (float x : row) all += x != text::pad_id, unknown += x == text::oov_id;
    oov[name] = all ? static_cast<double>(unknown) / static_cast<double>(all) : 0.0;
  }
  return json{{"ids", v.size()}, {"words", v.size() - 2}, {"built_on", fit_on}, {"top", words},
              {"oov_share", oov}};
}

}  // namespace

void register_tokenize() {
  using lang::Type;
  lang::Signature s;
  s.name = "tokenize";
  s.version = 2;  // 2: words in NFC
  s.result = Type::Split;
  s.doc = "Turn a cleaned text column into token ids: a new sequence column (one id per step) in every part; the text "
          "column is kept. The vocabulary is built on the fit part only from the words the model sees (each row's "
          "first max_len words, split on whitespace, each in Unicode NFC): words with at least min_count occurrences, most frequent first "
          "(ties in byte order), at most vocab_size - 2 of them, ids from 2; 0 = padding, 1 = out of vocabulary (any "
          "other word, e.g. one seen only in the test part); on a kfold split, with no fit_on given, each fold gets its "
          "own vocabulary, built on foldN_train for foldN_train and foldN_val. Each row is cut after max_len words "
          "(the end is cut) and "
          "padded with 0 to max_len; a missing text is all padding. vocabulary() reports it.";
  s.params = {
      {"data", {Type::Split}, true, {}, Type::Any, "the split; the vocabulary comes from one part, every part is encoded"},
      {"column", {Type::String}, true, {}, Type::Any, "the text column (clean it first: tokenize only splits on whitespace)"},
      lang::bounded({"max_len", {Type::Int}, true, {}, Type::Any, "ids per row: longer texts are cut, shorter ones padded"}, lang::at_least(1)),
      {"vocab_size", {Type::Int}, true, {}, Type::Any,
       "ids in all, padding and out-of-vocabulary included (the embedding matrix's rows; as Keras's num_words with an "
       "oov_token): at least 3"},
      lang::bounded({"min_count", {Type::Int}, false, {}, Type::Any, "fewer occurrences in the fit part: out of vocabulary (default 1)"}, lang::at_least(1)),
      {"pad", {Type::Symbol}, false, {"end", "start"}, Type::Any,
       "where the padding goes (default end; Keras's pad_sequences pads at the start by default)"},
      {"into", {Type::String}, false, {}, Type::Any, "the name of the new column (default \"tokens\")"},
      {"fit_on", {Type::String}, false, {}, Type::Any,
       "the part the vocabulary is built on (default \"train\"; on a kfold split, each fold's foldN_train for that "
       "fold's parts)"},
  };
  register_op(s, run_tokenize);

  lang::Signature v;
  v.name = "vocabulary";
  v.version = 2;  // 2: words in NFC
  v.result = Type::Report;
  v.doc = "The vocabulary tokenize built, recovered from the fit part: {\"ids\" (embedding rows), \"words\", "
          "\"built_on\", \"top\": [[word, count], ...] most frequent first, \"oov_share\": {part: share of non-padding "
          "ids that are out of vocabulary}}.";
  v.params = {
      {"data", {Type::Split}, true, {}, Type::Any, "the split tokenize returned"},
      {"column", {Type::String}, true, {}, Type::Any, "the text column tokenize read"},
      {"tokens", {Type::String}, false, {}, Type::Any, "the token column (default \"tokens\")"},
      {"fit_on", {Type::String}, false, {}, Type::Any,
       "the part the vocabulary was built on (default \"train\"; on a kfold split, fold1_train)"},
      {"top", {Type::Int}, false, {}, Type::Any, "how many of the most frequent words to list (default 20)"},
  };
  register_op(v, run_vocabulary);
}

}  // namespace genre
