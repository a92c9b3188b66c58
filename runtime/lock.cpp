#include "runtime/lock.h"

#include <cmath>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <set>

#include "runtime/hash.h"
#include "runtime/run.h"

namespace genre {

namespace fs = std::filesystem;

namespace {

// The tolerances a new lock states (absolute, per metric; "*" for the rest).
// They apply only when verifying on another platform; a person may edit them
// in the lock file, and re-locking keeps the edits.
json default_tolerance() {
  return {{"accuracy", 0.02}, {"macro_f1", 0.03}, {"precision", 0.05}, {"recall", 0.05}, {"f1", 0.05},
          {"pr_auc", 0.05},   {"loss", 0.05},     {"val_loss", 0.05},  {"acc", 0.03},    {"val_acc", 0.03},
          {"score", 0.03},    {"*", 0.05}};
}

// Path components whose values are counts: exact on every platform.
const std::set<std::string> counts = {"confusion", "support", "count", "rows", "items", "epochs", "windows"};

std::string cpu_model() {
  std::ifstream f("/proc/cpuinfo");
  for (std::string line; std::getline(f, line);)
    if (line.rfind("model name", 0) == 0) {
      auto colon = line.find(':');
      return colon == std::string::npos ? line : line.substr(line.find_first_not_of(' ', colon + 1));
    }
  return "unknown";
}

// results.json as a flat map: "compare/knn15/accuracy" -> 0.654.
void flatten(const json& j, const std::string& path, json& out) {
  if (j.is_object()) {
    for (auto& [k, v] : j.items())
      // A PR curve is thousands of points drawn from the scores; its area (pr_auc) is locked.
      if (k != "pr_curve") flatten(v, path.empty() ? k : path + "/" + k, out);
  } else if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i) flatten(j[i], path + "/" + std::to_string(i), out);
  } else {
    out[path] = j;
  }
}

std::vector<std::string> parts(const std::string& path) {
  std::vector<std::string> out;
  size_t b = 0;
  for (size_t e; (e = path.find('/', b)) != std::string::npos; b = e + 1) out.push_back(path.substr(b, e - b));
  out.push_back(path.substr(b));
  return out;
}

std::string show(const json& v) {
  if (v.is_null()) return "";
  if (v.is_number_float()) return fmt::format("{}", v.get<double>());
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

// The rule a value is compared by, and whether `now` keeps to it.
std::pair<std::string, bool> judge(const std::string& path, const json& a, const json& b, bool same_platform,
                                   const json& tolerance) {
  if (!a.is_number() || !b.is_number()) return {"exact", a == b};
  double x = a.get<double>(), y = b.get<double>();
  if (std::isnan(x) || std::isnan(y)) return {"exact", std::isnan(x) && std::isnan(y)};
  auto ps = parts(path);
  for (auto& p : ps)
    if (counts.count(p)) return {"exact (a count)", x == y};
  if (same_platform) return {"exact (same platform)", x == y};
  for (auto it = ps.rbegin(); it != ps.rend(); ++it)
    if (tolerance.contains(*it) && tolerance[*it].is_number()) {
      double t = tolerance[*it].get<double>();
      return {fmt::format("±{} ({})", t, *it), std::abs(x - y) <= t};
    }
  double t = tolerance.value("*", 0.0);
  return {fmt::format("±{}", t), std::abs(x - y) <= t};
}

// Where the run happened. Floats must match bit for bit only on the same
// platform (CPU results are deterministic there); elsewhere the lock's
// per-metric tolerances apply.
json platform(const std::string& device) {
  return {{"genre", GENRE_VERSION}, {"device", device}, {"cpu", cpu_model()}};
}

}  // namespace

json make_lock(const Plan& plan, const json& results, const std::vector<std::string>& sets, const std::string& device,
               const json& previous) {
  json lock = json::object();
  lock["platform"] = platform(device);
  lock["sets"] = sets;
  lock["tolerance"] = previous.is_object() && previous.contains("tolerance") ? previous["tolerance"] : default_tolerance();
  json data = json::object(), ops = json::object();
  for (auto& n : plan.nodes) {
    for (auto& [path, hash] : n.files) {
      // A file's key hash is its content hash already; a folder's is its listing (see hash.h).
      std::string rel = fs::path(path).lexically_relative(plan.script_dir).generic_string();
      if (!data.contains(rel)) data[rel] = fs::is_directory(path) ? hash_tree_content(path) : hash;
    }
    ops[n.label] = {{"op", n.op}, {"version", n.version}, {"seed", node_seed(n)}};
  }
  lock["data"] = data;
  lock["ops"] = ops;
  json values = json::object();
  flatten(results, "", values);
  lock["values"] = values;
  return lock;
}

std::vector<Drift> compare_locks(const json& locked, const json& now) {
  std::vector<Drift> out;
  auto section = [&](const char* name, const std::string& what, auto&& same) {
    const json empty = json::object();
    const json& a = locked.contains(name) ? locked[name] : empty;
    const json& b = now.contains(name) ? now[name] : empty;
    for (auto& [k, v] : a.items()) {
      if (!b.contains(k)) out.push_back({what + " " + k, show(v), "", "present"});
      else if (auto [rule, ok] = same(k, v, b[k]); !ok) out.push_back({what + " " + k, show(v), show(b[k]), rule});
    }
    for (auto& [k, v] : b.items())
      if (!a.contains(k)) out.push_back({what + " " + k, "", show(v), "present"});
  };
  auto exact = [](const std::string&, const json& a, const json& b) { return std::pair{std::string("exact"), a == b}; };
  if (locked.value("/platform/genre"_json_pointer, json()) != now.value("/platform/genre"_json_pointer, json()))
    out.push_back({"toolkit version", show(locked["/platform/genre"_json_pointer]), show(now["/platform/genre"_json_pointer]), "exact"});
  if (locked.value("sets", json::array()) != now.value("sets", json::array()))
    out.push_back({"--set", locked.value("sets", json::array()).dump(), now.value("sets", json::array()).dump(), "exact"});
  section("data", "data", exact);
  // An op's version or seed; a node that is new or gone shows as present/absent.
  section("ops", "op", [](const std::string&, const json& a, const json& b) {
    // Seeds are recorded, not compared: one taken from a key changes with any upstream change, which the
    // data and values already show.
    return std::pair{std::string("exact"), a.value("op", "") == b.value("op", "") && a.value("version", 0) == b.value("version", 0)};
  });
  bool same_platform = locked.value("platform", json()) == now.value("platform", json());
  json tolerance = locked.value("tolerance", default_tolerance());
  section("values", "value", [&](const std::string& path, const json& a, const json& b) {
    return judge(path, a, b, same_platform, tolerance);
  });
  return out;
}

}  // namespace genre
