// tag_table: how often each tag occurs and how much tags overlap (the paper's
// Table 1). On a long table (one row per item and tag) it gives each tag's
// share of the items (songs or artists, counted once however many rows they
// have) and, for every pair of tags, the Jaccard index |A ∩ B| / |A ∪ B| of
// their item sets: a song may carry many genres, and this shows how many do.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "ops/tags/tag_table.h"
#include "runtime/core/op.h"
#include "lang/suggest.h"
#include "runtime/core/op_kit.h"

namespace genre {

namespace {

Value run_tag_table(const OpContext& ctx) {
  const Table& t = std::get<Table>(ctx.input("data"));
  std::string item_col = ctx.params.at("item").get<std::string>();
  std::string tag_col = ctx.params.at("tag").get<std::string>();
  const Column& ic = t.column(item_col);
  const Column& tc = t.column(tag_col);

  std::set<std::string> items;                          // every item with a key
  std::map<std::string, std::set<std::string>> tagged;  // tag -> its items
  for (size_t r = 0; r < t.rows(); ++r) {
    auto i = kit::cell_key(ic, r);
    if (!i) continue;
    items.insert(*i);
    if (auto g = kit::cell_key(tc, r)) tagged[*g].insert(*i);
  }
  if (items.empty()) throw DataError(fmt::format("tag_table: {} has no rows with an {}", t.source.empty() ? "the table" : t.source, item_col));

  std::vector<std::string> order;
  if (ctx.params.contains("tags") && !ctx.params["tags"].is_null()) {
    std::vector<std::string> known;
    for (auto& [g, _] : tagged) known.push_back(g);
    for (auto& g : kit::string_list(ctx.params["tags"], "tag_table", "tags")) {
      if (!tagged.count(g)) {
        std::string near = lang::closest(g, known);
        throw DataError(fmt::format("tag_table: no item has the tag \"{}\" in column {}{}", g, tag_col,
                                    near.empty() ? "" : " (did you mean \"" + near + "\"?)"));
      }
      if (std::find(order.begin(), order.end(), g) != order.end())
        throw DataError(fmt::format("tag_table: tag \"{}\" is listed twice in tags", g));
      order.push_back(g);
    }
  } else {  // every tag, most items first, ties alphabetical (the map's order, kept by stable_sort)
    for (auto& [g, _] : tagged) order.push_back(g);
    std::stable_sort(order.begin(), order.end(),
                     [&](const std::string& a, const std::string& b) { return tagged[a].size() > tagged[b].size(); });
  }

  json count = json::object(), share = json::object(), jac = json::object();
  for (auto& a : order) {
    const auto& A = tagged[a];
    count[a] = A.size();
    share[a] = static_cast<double>(A.size()) / static_cast<double>(items.size());
    jac[a] = json::object();
    for (auto& b : order) {
      const auto& B = tagged[b];
      size_t both = 0;
      for (auto& x : A) both += B.count(x);
      jac[a][b] = static_cast<double>(both) / static_cast<double>(A.size() + B.size() - both);  // never 0: A is non-empty
    }
  }
  return json{{"items", items.size()}, {"order", order}, {"count", count}, {"share", share}, {"jaccard", jac}};
}

}  // namespace

std::vector<std::pair<std::string, TextTable>> tag_tables(const json& j) {
  std::vector<std::string> order = j["order"];
  TextTable share{{"tag", "items", "share"}, {}};
  for (auto& t : order)
    share.rows.push_back({t, cell(j["count"].value(t, json(0))), num(j["share"].value(t, NAN))});
  TextTable jac{{"jaccard"}, {}};
  for (auto& t : order) jac.header.push_back(t);
  for (auto& a : order) {
    std::vector<std::string> row{a};
    for (auto& b : order) row.push_back(num(j["jaccard"][a].value(b, NAN), 2));
    jac.rows.push_back(row);
  }
  return {{"tags", share}, {"jaccard", jac}};
}

void register_tag_table() {
  using lang::Type;
  lang::Signature s;
  s.name = "tag_table";
  s.result = Type::Report;
  s.doc = "Tag frequencies and overlaps (the paper's Table 1) of a long table with one row per item and tag: "
          "{\"items\": distinct items, \"order\": [tags], \"count\": {tag: items}, \"share\": {tag: items with the tag "
          "/ all items}, \"jaccard\": {a: {b: |A ∩ B| / |A ∪ B|}}}, A being the items tagged a. An item counts once "
          "however many rows it has; rows with a missing item are ignored, rows with a missing tag still count their "
          "item among all items.";
  s.params = {
      {"data", {Type::Table}, true, {}, Type::Any, "a long table of tags (e.g. after normalize_tags and keep)"},
      {"item", {Type::String}, true, {}, Type::Any, "the column naming the item counted: a song, track or artist id"},
      {"tag", {Type::String}, true, {}, Type::Any, "the column holding the tag (e.g. \"term\")"},
      {"tags", {Type::List}, false, {}, Type::String,
       "the tags to report, in this order (default: every tag, most items first); a tag no item has is an error"},
  };
  s.need = {.light = true};
  register_op(s, run_tag_table);
  register_report_kind("tag_table", {.name = "tags",
                                     .terminal =
                                         [](const json& j) {
                                           return fmt::format("{} items\n", j.value("items", 0)) + titled(tag_tables(j));
                                         },
                                     .files = tag_tables,
                                     .results = [](const json& j) { return j; }});
}

}  // namespace genre
