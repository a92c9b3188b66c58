#include "runtime/engine/executor.h"

namespace genre {

json worker_status(double seconds) { return {{"seconds", seconds}}; }

json worker_status(const lang::Diagnostic& d) {
  auto pos = [](const lang::Pos& p) { return json{p.line, p.col, p.offset}; };
  return {{"diag",
           {{"file", d.file}, {"begin", pos(d.range.begin)}, {"end", pos(d.range.end)}, {"message", d.message}, {"hint", d.hint}}}};
}

json worker_status(const std::string& error) { return {{"error", error}}; }

std::optional<double> worker_outcome(const json& status, const std::string& where) {
  if (!status.is_object()) return std::nullopt;
  try {
    if (status.contains("seconds")) return status["seconds"].get<double>();
    if (status.contains("diag")) {
      const json& d = status["diag"];
      auto pos = [](const json& p) { return lang::Pos{p[0].get<int>(), p[1].get<int>(), p[2].get<size_t>()}; };
      throw PlanDataError({d["file"].get<std::string>(), {pos(d["begin"]), pos(d["end"])}, d["message"].get<std::string>(),
                           d["hint"].get<std::string>()});
    }
    if (status.contains("error")) throw DataError(where + ": " + status["error"].get<std::string>());
  } catch (const json::exception&) {  // not what a worker writes: as if it wrote nothing
  }
  return std::nullopt;
}

}  // namespace genre
