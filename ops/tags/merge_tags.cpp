// merge { house <- ["deep house", "hard house"] } and merge_tags: the paper
// merges several Echo Nest terms into one genre (house = progressive house +
// hard house + deep house + trance + hard trance). `merge` is a spec: the
// planner turns its block into the record {"house": ["deep house", ...]}.
// merge_tags renames, in a long tag table, every source tag to its target; a
// song then carries the target once however many of its sources it had.
#include <fmt/format.h>

#include <map>
#include <set>

#include "runtime/core/op.h"
#include "runtime/core/op_kit.h"

namespace genre {

namespace {

// source tag -> its targets (a tag may feed several genres: a song may carry many).
std::map<std::string, std::vector<std::string>> read_merge(const json& m) {
  if (!m.is_object())
    throw DataError("merge_tags: merge must be a record {genre: [tags]} (write `merge { house <- [\"deep house\"] }`), got " +
                    m.dump());
  std::map<std::string, std::vector<std::string>> to;
  for (auto& [target, sources] : m.items()) {
    std::vector<std::string> list;
    if (sources.is_string()) list.push_back(sources.get<std::string>());
    else if (sources.is_array())
      for (auto& x : sources) {
        if (!x.is_string())
          throw DataError(fmt::format("merge_tags: the tags merged into \"{}\" must be strings, got {}", target, x.dump()));
        list.push_back(x.get<std::string>());
      }
    else
      throw DataError(fmt::format("merge_tags: \"{}\" needs a list of tags, got {}", target, sources.dump()));
    for (auto& s : list) {
      auto& ts = to[s];
      if (std::find(ts.begin(), ts.end(), target) == ts.end()) ts.push_back(target);
    }
  }
  return to;
}

Value run_merge_tags(const OpContext& ctx) {
  const Table& t = std::get<Table>(ctx.input("data"));
  auto to = read_merge(ctx.params.at("merge"));
  std::string item_col = kit::str_param(ctx.params, "item", "artist_id");
  std::string tag_col = kit::str_param(ctx.params, "tag", "term");
  const Column& ic = t.column(item_col);
  const Column& tc = t.column(tag_col);
  if (!tc.is_text())
    throw DataError(fmt::format("merge_tags: column {} of {} must hold text (the tags)", tag_col,
                                t.source.empty() ? "the table" : t.source));

  // Each output row: an input row and the tag it now carries. An (item, tag)
  // pair seen before collapses into its first row, whose numbers become the
  // largest of the pair's rows: a merged genre is as strong as its strongest source.
  std::vector<size_t> from;
  std::vector<std::string> tags;
  std::map<std::pair<std::string, std::string>, size_t> first;  // (item, tag) -> output row
  std::vector<std::vector<size_t>> also;                         // output row -> the rows collapsed into it
  for (size_t r = 0; r < t.rows(); ++r) {
    std::vector<std::string> mine;
    if (!tc.present[r]) mine.push_back("");
    else if (auto it = to.find(tc.text[r]); it != to.end()) mine = it->second;
    else mine.push_back(tc.text[r]);
    auto item = kit::cell_key(ic, r);
    for (auto& g : mine) {
      if (item && tc.present[r]) {
        auto [at, fresh] = first.emplace(std::pair{*item, g}, from.size());
        if (!fresh) {
          also[at->second].push_back(r);
          continue;
        }
      }
      from.push_back(r);
      tags.push_back(g);
      also.emplace_back();
    }
  }
  Table out = t.take(from);
  Column& ot = *out.find(tag_col);
  for (size_t i = 0; i < tags.size(); ++i) ot.text[i] = tags[i];
  for (auto& c : out.cols) {
    if (!c.numeric || c.name == item_col) continue;
    const Column& src = t.column(c.name);
    for (size_t i = 0; i < also.size(); ++i)
      for (size_t r : also[i])
        if (!is_missing(src.num[r]) && (is_missing(c.num[i]) || src.num[r] > c.num[i])) c.num[i] = src.num[r];
  }
  return out;
}

}  // namespace

void register_merge_tags() {
  using lang::Type;
  lang::Signature m;
  m.name = "merge";
  m.role = lang::Role::Spec;
  m.result = Type::Record;
  m.block = true;
  m.block_item = Type::Record;  // a mapping block: `target <- [sources]` items make a record
  m.doc = "Genres made of several tags, for merge_tags: merge { house <- [\"progressive house\", \"hard house\"]; "
          "\"hip hop\" <- [\"rap\", \"hip-hop\"] } is the record {\"house\": [...], \"hip hop\": [...]}. A target is "
          "a name or a string; items are separated by newlines, ';' or ','.";
  register_op(m);

  lang::Signature s;
  s.name = "merge_tags";
  s.result = Type::Table;
  s.doc = "Merges tags into genres in a long tag table (one row per item and tag): a row whose tag is a source of "
          "a target in `merge` carries the target instead (one row per target when a tag feeds several); other rows "
          "are kept as they are. An item then carries each tag once: rows with the same item and tag collapse into "
          "the first, whose numeric columns (freq, norm) become the largest of those rows. Rows with a missing item "
          "or tag are kept unchanged.";
  s.params = {
      {"data", {Type::Table}, true, {}, Type::Any, "a long table of tags (artist_terms, csv, after normalize_tags)"},
      {"merge", {Type::Record}, true, {}, Type::Any,
       "the genres and their tags: merge { house <- [\"deep house\", \"hard house\"] } (a genres definition)"},
      {"item", {Type::String}, false, {}, Type::Any, "the column naming the item that carries tags (default \"artist_id\")"},
      {"tag", {Type::String}, false, {}, Type::Any, "the column holding the tag (default \"term\")"},
  };
  s.need = {.light = true};
  register_op(s, run_merge_tags);
}

}  // namespace genre
