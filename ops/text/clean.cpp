// clean(column, steps: [...]): a text column cleaned by steps the script
// declares, in the order it declares them, so a paper's "we removed links,
// punctuation and stopwords" is one readable line. Removed characters become
// spaces (never glue two words together); at the end every run of whitespace
// is one space and the ends are trimmed. No locale is used anywhere: the same
// bytes give the same text on every machine.
#include "ops/text/clean.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "runtime/core/op.h"
#include "runtime/core/op_kit.h"
#include "ops/text/utf8.h"

namespace genre {

namespace text {

namespace {

// "http://", "https://" or "www." (ASCII, any case) starting at i.
bool link_at(const std::u32string& s, size_t i) {
  auto starts = [&](const char* p) {
    size_t k = 0;
    for (; p[k]; ++k) {
      if (i + k >= s.size()) return false;
      char32_t c = s[i + k];
      if (c >= 'A' && c <= 'Z') c += 32;
      if (c != static_cast<char32_t>(p[k])) return false;
    }
    return true;
  };
  return starts("http://") || starts("https://") || starts("www.");
}

}  // namespace

std::string clean_text(std::string_view text, const CleanOptions& opt) {
  std::u32string s = decode(nfc(text));
  for (Step step : opt.steps) {
    switch (step) {
      case Step::lower:
        for (auto& c : s) c = to_lower(c);
        break;
      case Step::casefold:
        s = decode(casefold(encode(s)));
        break;
      case Step::links:
        // A link starts a word, or follows a non-alphanumeric character ("(www.x.com)"), and runs to the next space.
        for (size_t i = 0; i < s.size(); ++i)
          if ((i == 0 || !is_alnum(s[i - 1])) && link_at(s, i))
            for (; i < s.size() && !is_space(s[i]); ++i) s[i] = ' ';
        break;
      case Step::punctuation:
        for (auto& c : s)
          if (is_punctuation(c)) c = ' ';
        break;
      case Step::non_alnum:
        for (auto& c : s)
          if (!is_alnum(c) && !is_space(c)) c = ' ';
        break;
      case Step::digits:
        for (auto& c : s)
          if (is_digit(c)) c = ' ';
        break;
      case Step::stopwords: {
        std::u32string kept;
        size_t i = 0;
        while (i < s.size()) {
          while (i < s.size() && is_space(s[i])) ++i;
          size_t start = i;
          while (i < s.size() && !is_space(s[i])) ++i;
          if (i == start) break;
          std::u32string_view w = std::u32string_view(s).substr(start, i - start);
          if (opt.stopwords.count(encode(w))) continue;
          kept.append(w);
          kept.push_back(' ');
        }
        s = std::move(kept);
        break;
      }
    }
  }
  std::u32string out;
  out.reserve(s.size());
  for (char32_t c : s) {
    if (is_space(c)) {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return nfc(encode(out));  // a removed character may leave a mark that now composes
}

std::vector<std::string> read_word_list(const std::string& path, const std::string& shown) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw DataError(shown + ": cannot open the word list" + (path != shown ? " (looked for " + path + ")" : ""));
  std::vector<std::string> out;
  std::string line;
  for (size_t n = 1; std::getline(f, line); ++n) {
    if (n == 1 && line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);  // BOM
    if (size_t bad = invalid_utf8(line); bad != std::string::npos)
      throw DataError(fmt::format("{}:{}: not valid UTF-8: byte 0x{:02X} at byte {} of the line; save the file as UTF-8",
                                  shown, n, static_cast<unsigned char>(line[bad]), bad + 1));
    auto w = words(line);
    if (w.empty() || w[0].starts_with("#")) continue;
    if (w.size() > 1)
      throw DataError(fmt::format("{}:{}: one word per line expected, found {} (\"{}\")", shown, n, w.size(), line));
    out.push_back(w[0]);
  }
  return out;
}

}  // namespace text

namespace {

// In text::Step's order.
const std::vector<std::string> step_names = {"lower", "links", "punctuation", "non_alnum", "digits", "stopwords", "casefold"};

// `steps: [lower, links]` arrives as an expression: {"list": [{"name": "lower"}, ...]} or one {"name": ...}.
std::vector<text::Step> parse_steps(const json& e) {
  std::vector<json> items;
  if (e.is_object() && e.contains("list")) items.assign(e["list"].begin(), e["list"].end());
  else items.push_back(e);
  std::vector<text::Step> out;
  for (size_t i = 0; i < items.size(); ++i) {
    const json& it = items[i];
    std::string name = it.is_object() && it.contains("name") ? it["name"].get<std::string>() : "";
    size_t k = 0;
    while (k < step_names.size() && step_names[k] != name) ++k;
    if (k == step_names.size())
      throw DataError(fmt::format("clean: step {} is not one of {} (a definition with a step's name hides the step)",
                                  i + 1, kit::name_list(step_names)));
    out.push_back(static_cast<text::Step>(k));
  }
  if (out.empty()) throw DataError("clean: steps is empty; name at least one step");
  return out;
}

Value run_clean(const OpContext& ctx) {
  Table t = std::get<Table>(ctx.input("data"));
  std::string col = ctx.params.at("column").get<std::string>();
  std::string where = t.source.empty() ? std::string("the table") : t.source;
  t.column(col);  // a DataError listing the columns when there is none
  Column* c = t.find(col);
  if (!c->is_text())
    throw DataError("clean: column \"" + col + "\" of " + where + " holds " + (c->numeric ? "numbers" : "sequences") +
                    ", not text");

  text::CleanOptions opt;
  opt.steps = parse_steps(ctx.params.at("steps"));
  bool wants_stopwords = std::find(opt.steps.begin(), opt.steps.end(), text::Step::stopwords) != opt.steps.end();
  if (wants_stopwords) {
    if (!ctx.params.contains("stopwords"))
      throw DataError("clean: the stopwords step needs a list: `use std.text` and pass stopwords: stopwords_en, "
                      "or give your own list or a file of one word per line");
    const json& sw = ctx.params["stopwords"];
    std::vector<std::string> list;
    if (sw.is_string()) list = text::read_word_list(ctx.path(sw.get<std::string>()), sw.get<std::string>());
    else list = kit::string_list(sw, "clean", "stopwords");
    opt.stopwords.insert(list.begin(), list.end());
  }
  std::string on_empty = kit::symbol_param(ctx.params, "on_empty", "drop");
  if (on_empty != "drop" && on_empty != "keep" && on_empty != "fail")
    throw DataError("clean: on_empty must be drop, keep or fail, got " + on_empty);

  std::vector<size_t> kept;
  for (size_t r = 0; r < c->text.size(); ++r) {
    std::string& s = c->text[r];
    if (!c->present[r]) s.clear();
    if (size_t bad = text::invalid_utf8(s); bad != std::string::npos)
      throw DataError(fmt::format("clean: {}, row {} (column \"{}\"): not valid UTF-8: byte 0x{:02X} at byte {} of the "
                                  "text (rows count from 1 in the table clean receives)",
                                  where, r + 1, col, static_cast<unsigned char>(s[bad]), bad + 1));
    std::string before = on_empty == "fail" ? s : std::string();
    s = text::clean_text(s, opt);
    c->present[r] = 1;
    if (s.empty()) {
      if (on_empty == "fail")
        throw DataError(fmt::format("clean: {}, row {} (column \"{}\"): the text is empty after cleaning (it was \"{}\"); "
                                    "on_empty: drop removes such rows",
                                    where, r + 1, col, before.size() > 80 ? before.substr(0, 80) + "..." : before));
      if (on_empty == "drop") continue;
    }
    kept.push_back(r);
  }
  if (kept.size() == t.rows()) return t;
  if (kept.empty()) throw DataError("clean: every row of " + where + " is empty after cleaning column \"" + col + "\"");
  return t.take(kept);
}

}  // namespace

void register_clean() {
  using lang::Type;
  lang::Signature s;
  s.name = "clean";
  s.result = Type::Table;
  s.version = 2;  // 2: Unicode's classes and mappings (utf8proc), NFC
  s.doc =
      "Clean a text column in place by the steps given, in their order: each removed character becomes a space, "
      "then runs of whitespace become one space and the ends are trimmed. Whitespace = Python's str.isspace(): "
      "ASCII whitespace, U+001C-U+001F, U+0085 and Unicode's space separators (Zs, Zl, Zp). Invalid UTF-8 is an error naming the table's "
      "source and row (counted from 1 in the table clean receives); a missing value is empty text. How many rows "
      "on_empty: drop removed shows in label_counts([before, after]).";
  s.params = {
      {"data", {Type::Table}, true, {}, Type::Any, "the table"},
      {"column", {Type::String}, true, {}, Type::Any, "the text column to clean (replaced by its cleaned text)"},
      {"steps", {Type::Expr}, true, step_names, Type::Any,
       "a list of steps, e.g. [lower, links, punctuation, stopwords]. The text is first put in Unicode NFC (\"é\" typed "
       "as one character or as e + U+0301 is the same word). lower: Unicode's simple lower-case mapping, one character "
       "to one (İ -> i, Σ -> σ also at a word's end, ß unchanged). casefold: full case folding as Python's "
       "str.casefold (ß -> ss, ς -> σ, İ -> i + U+0307), for matching words whatever their case. links: from "
       "\"http://\", \"https://\" or \"www.\" (any case) at the start of a word or after a character that is not a "
       "letter or digit, up to the next whitespace. punctuation: Python's string.punctuation "
       "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ (so \"don't\" -> \"don t\") and every character of Unicode's punctuation "
       "categories (Pc Pd Ps Pe Pi Pf Po: ¿ « — … ’ 、 ، ...); other symbols (€ © ★) stay. non_alnum: everything but "
       "whitespace and Unicode's letters, marks and numbers (categories L*, M*, N*), so letters of every script stay "
       "and symbols, emoji and punctuation go. digits: the decimal digits of every script (category Nd). stopwords: "
       "whole words (between whitespace) equal to an entry of `stopwords`, compared exactly, so put lower first. "
       "Classes and mappings are Unicode 15's, from utf8proc"},
      {"stopwords", {Type::List, Type::Path}, false, {}, Type::String,
       "the words the stopwords step removes: a list (`use std.text` gives stopwords_en, NLTK's English list) or a "
       "file of one word per line (# starts a comment line); required with the stopwords step"},
      {"on_empty", {Type::Symbol}, false, {"drop", "keep", "fail"}, Type::Any,
       "a row whose text is empty after cleaning: drop it (default), keep it (empty text), or fail naming the row"},
  };
  register_op(s, run_clean);
}

}  // namespace genre
