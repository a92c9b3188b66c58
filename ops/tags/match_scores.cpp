// match_scores(path): Lakh MIDI's match_scores.json, which ties each MIDI file
// (by its md5) to the Million Song Dataset tracks it was matched to:
// {"TR...": {"<md5>": score, ...}, ...}. As a long table, one row per
// (track, MIDI file) pair, it joins MIDI files to MSD tracks and their tags.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "runtime/core/op.h"

namespace genre {

namespace {

Value run_match_scores(const OpContext& ctx) {
  std::string given = ctx.params.at("path").get<std::string>();
  std::string file = ctx.path(given);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec))
    throw DataError("match_scores: file not found: " + given + (file != given ? " (looked for " + file + ")" : ""));
  std::ifstream in(file, std::ios::binary);
  json doc;
  try {
    doc = json::parse(in);
  } catch (const json::parse_error& e) {
    throw DataError(fmt::format("match_scores: {} is not valid JSON: {}", given, e.what()));
  }
  if (!doc.is_object())
    throw DataError(fmt::format("match_scores: {} must hold an object {{\"track id\": {{\"md5\": score}}}}, got {}", given,
                                doc.type_name()));
  Table t;
  t.source = given;
  Column track, md5, score;
  track.name = "track_id", md5.name = "md5", score.name = "score";
  track.numeric = md5.numeric = false;
  for (auto& [id, files] : doc.items()) {  // keys in sorted order: the table never depends on the file's order
    if (!files.is_object())
      throw DataError(fmt::format("match_scores: {}, track {}: expected an object {{\"md5\": score}}, got {}", given, id,
                                  files.type_name()));
    for (auto& [m, s] : files.items()) {
      if (!s.is_number())
        throw DataError(fmt::format("match_scores: {}, track {}, file {}: the score must be a number, got {}", given, id,
                                    m, s.dump()));
      track.text.push_back(id), track.present.push_back(1);
      md5.text.push_back(m), md5.present.push_back(1);
      score.num.push_back(s.get<double>());
    }
  }
  t.cols = {std::move(track), std::move(md5), std::move(score)};
  return t;
}

}  // namespace

void register_match_scores() {
  using lang::Type;
  lang::Signature s;
  s.name = "match_scores";
  s.result = Type::Table;
  s.doc = "Lakh MIDI's match_scores.json ({MSD track id: {MIDI md5: score}}) as a table with one row per match: "
          "track_id, md5, score; rows sorted by track id, then md5. A track may match several MIDI files and a file "
          "several tracks.";
  s.params = {
      {"path", {Type::Path}, true, {}, Type::Any, "the .json file, relative to the script"},
  };
  s.need = {.light = true};
  register_op(s, run_match_scores);
}

}  // namespace genre
