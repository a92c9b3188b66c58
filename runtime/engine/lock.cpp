#include "runtime/engine/lock.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <map>
#include <set>

#include "runtime/core/metrics.h"
#include "runtime/core/hash.h"
#include "runtime/engine/cache.h"
#include "runtime/engine/run.h"
#include "runtime/core/stats.h"
#include "runtime/core/threads.h"
#include "runtime/core/torch_lib.h"

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

// Where the run happened: what decides the last bits of a float. On the same
// platform results are bit-identical (whatever the threads: runtime/core/threads.h);
// elsewhere models are compared by their predictions (verdict() below).
// ATen picks its vector kernels from the CPU unless $ATEN_CPU_CAPABILITY
// names them (default, avx2, avx512): the CPU model and that choice fix them.
json platform(const std::string& device) {
  NumericPlatform here = numeric_platform();
  return {{"genre", GENRE_VERSION},
          {"device", device},
          {"cpu", here.cpu},
          {"aten_cpu_capability", here.aten_cpu_capability},
          {"blas", torch_runtime().blas_core()}};
}

// A path as the lock stores it: relative to the script's folder, so that a clone elsewhere
// verifies, when it lies in the script's project or beside it (the project: the nearest folder
// up with a .git, else the script's own folder; beside it: under that folder's parent, as
// ../shared/data is). Elsewhere it is absolute: "../../work/x.csv" from /tmp/study says less
// than "/work/x.csv".
std::string lock_path(const fs::path& p, const fs::path& dir) {
  fs::path project = dir.lexically_normal();
  std::error_code ec;
  for (fs::path at = project; !at.empty(); at = at.parent_path()) {
    if (fs::exists(at / ".git", ec)) {
      project = at;
      break;
    }
    if (at == at.parent_path()) break;
  }
  fs::path base = project.has_parent_path() ? project.parent_path() : project;
  fs::path from_base = p.lexically_normal().lexically_relative(base);
  bool near = !from_base.empty() && *from_base.begin() != "..";
  return near ? p.lexically_relative(dir).generic_string() : p.lexically_normal().generic_string();
}

// A lock must not depend on where the checkout is: an absolute path in a
// parameter (a spec's resolved file) is stored as lock_path gives it.
json portable(const json& j, const fs::path& dir) {
  if (j.is_string()) {
    fs::path p(j.get<std::string>());
    return p.is_absolute() ? json(lock_path(p, dir)) : j;
  }
  if (!j.is_structured()) return j;
  json out = j;
  if (j.is_array())
    for (size_t i = 0; i < j.size(); ++i) out[i] = portable(j[i], dir);
  else
    for (auto& [k, v] : j.items()) out[k] = portable(v, dir);
  return out;
}

// Class indices, compactly: a string of one character each ("0-9a-zA-Z") when
// every class fits, else the JSON array.
const std::string digits = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

json encode(const json& classes) {
  std::vector<int> v = classes.get<std::vector<int>>();
  if (!std::all_of(v.begin(), v.end(), [](int c) { return c >= 0 && c < int(digits.size()); })) return v;
  std::string out;
  for (int c : v) out += digits[size_t(c)];
  return out;
}

// `what` names the entry ("compare/nn pred") for the error a hand-edited lock gets.
std::vector<int> decode(const json& j, const std::string& what) {
  try {
    if (j.is_array()) return j.get<std::vector<int>>();
    std::vector<int> out;
    for (char c : j.get<std::string>()) {
      auto i = digits.find(c);
      if (i == std::string::npos)
        throw DataError(fmt::format("the lock's predictions of {}: row {} holds '{}', not a class (0-9, a-z, A-Z)",
                                    what, out.size() + 1, c));
      out.push_back(int(i));
    }
    return out;
  } catch (const json::exception& e) {
    throw DataError(fmt::format("the lock's predictions of {}: {}", what, e.what()));
  }
}

}  // namespace

json make_lock(const Plan& plan, const json& results, const json& predictions, const std::vector<std::string>& sets,
               const std::string& device, const json& previous) {
  json lock = json::object();
  lock["platform"] = platform(device);
  lock["sets"] = sets;
  lock["tolerance"] = previous.is_object() && previous.contains("tolerance") ? previous["tolerance"] : default_tolerance();
  json data = json::object(), ops = json::object();
  for (auto& n : plan.nodes) {
    for (auto& [path, hash] : n.files) {
      // A file's key hash is its content hash already; a folder's is its listing (see hash.h).
      std::string rel = lock_path(path, plan.script_dir);
      if (!data.contains(rel)) data[rel] = fs::is_directory(path) ? hash_tree_content(path) : hash;
    }
    // The key finds the node's value in a cache later (verify's rows changed in a CSV); never compared.
    ops[n.label] = {{"op", n.op}, {"version", n.version}, {"seed", node_seed(n)},
                    {"params", portable(n.params, plan.script_dir)}, {"key", n.key}};
  }
  lock["data"] = data;
  lock["ops"] = ops;
  json values = json::object();
  flatten(results, "", values);
  lock["values"] = values;
  json preds = json::object();
  for (auto& [path, p] : predictions.items()) {
    preds[path] = {{"truth", encode(p["truth"])}, {"pred", encode(p["pred"])}};
    if (p.contains("classes")) preds[path]["classes"] = p["classes"];  // names confusion cells in verify's diff
  }
  lock["predictions"] = preds;
  return lock;
}

namespace {

// Is a model's change of predictions on another platform within noise? The
// same rows are predicted by the locked and the new model. A verify judges all
// `models` of a lock at once, at a family-wise error rate of alpha = 1%: with a
// dozen networks, each retrained on another CPU, one p below 0.01 turns up by
// chance every few verifies. So:
// - McNemar's exact test on the rows where one model is right and the other
//   wrong, Holm-corrected across the models (compare_locks), for accuracy;
// - a paired, class-stratified bootstrap interval of the macro-F1 change at the
//   Bonferroni level 1 - alpha / models (errors that move between classes while
//   the count of right rows stays), drift if it leaves out 0.
// The accuracy change's interval at the same level is shown beside it.
constexpr double alpha = 0.01;

Verdict verdict(const std::string& model, const json& a, const json& b, size_t models) {
  const double level = 1 - alpha / double(std::max<size_t>(models, 1));
  const int resamples = 10000;  // the tails of a 99.9% interval still hold 5 resamples each
  Verdict v{model};
  auto rows = [&](const json& lock, const char* which) { return decode(lock.value(which, json()), model + " " + which); };
  std::vector<int> truth = rows(a, "truth"), pa = rows(a, "pred"), pb = rows(b, "pred");
  if (rows(b, "truth") != truth || pa.size() != truth.size() || pb.size() != truth.size()) {
    v.drift = true;
    v.p = 0;
    v.text = "the evaluated rows or their labels changed";
    return v;
  }
  int k = 1;
  long only_a = 0, only_b = 0;
  for (size_t r = 0; r < truth.size(); ++r) {
    k = std::max({k, truth[r] + 1, pa[r] + 1, pb[r] + 1});
    v.changed += pa[r] != pb[r];
    only_a += pa[r] == truth[r] && pb[r] != truth[r];
    only_b += pa[r] != truth[r] && pb[r] == truth[r];
  }
  if (v.changed == 0) {
    v.text = "identical predictions";
    return v;
  }
  v.p = stats::mcnemar_exact(only_a, only_b);
  stats::Metric acc = [](auto& t, auto& p, int) { return metrics::accuracy(t, p); };
  stats::Metric f1 = [](auto& t, auto& p, int kk) { return metrics::macro_f1(t, p, kk); };
  auto d_acc = stats::paired_bootstrap(truth, pb, pa, k, acc, resamples, level, 1);
  auto d_f1 = stats::paired_bootstrap(truth, pb, pa, k, f1, resamples, level, 2);
  v.drift = d_f1.lo > 0 || d_f1.hi < 0;
  v.text = fmt::format("{} of {} rows predicted otherwise ({} now right, {} now wrong): McNemar p = {:.3g}; "
                       "accuracy {:+.4f}, {:.4g}% interval of the change [{:+.4f}, {:+.4f}]; macro-F1 {:+.4f} "
                       "[{:+.4f}, {:+.4f}]",
                       v.changed, truth.size(), only_b, only_a, v.p, metrics::accuracy(truth, pb) - metrics::accuracy(truth, pa),
                       level * 100, d_acc.lo, d_acc.hi, metrics::macro_f1(truth, pb, k) - metrics::macro_f1(truth, pa, k),
                       d_f1.lo, d_f1.hi);
  return v;
}

// Holm's step-down correction: the smallest p against alpha / m, the next
// against alpha / (m - 1), ..., until one is not below its bound.
void holm(std::vector<Verdict>& vs) {
  std::vector<size_t> order(vs.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) { return vs[x].p < vs[y].p; });
  for (size_t r = 0; r < order.size(); ++r) {
    Verdict& v = vs[order[r]];
    double bound = alpha / double(vs.size() - r);
    if (!(v.p < bound)) break;
    if (!v.drift) v.text += fmt::format(" (below Holm's bound {:.3g})", bound);
    v.drift = true;
  }
}

// The evaluation ("report/model") a value path belongs to, if both locks hold its predictions.
const Verdict* covering(const std::string& path, const std::map<std::string, const Verdict*>& verdicts) {
  for (auto& [model, v] : verdicts)
    if (path.size() > model.size() && path.compare(0, model.size(), model) == 0 && path[model.size()] == '/') return v;
  return nullptr;
}

// Each parameter of an op that differs, as its own line ("op nn/fit parameter model/optimizer/lr").
void param_changes(const std::string& label, const json& a, const json& b, std::vector<Drift>& out) {
  json fa = json::object(), fb = json::object();
  flatten(a, "", fa);
  flatten(b, "", fb);
  for (auto& [k, v] : fa.items())
    if (!fb.contains(k) || fb[k] != v)
      out.push_back({"op " + label + " parameter " + k, show(v), fb.contains(k) ? show(fb[k]) : "", "exact"});
  for (auto& [k, v] : fb.items())
    if (!fa.contains(k)) out.push_back({"op " + label + " parameter " + k, "", show(v), "exact"});
}

// A value's kind by its path: report/model/metric[/...].
DriftKind value_kind(const std::vector<std::string>& ps) {
  auto has = [&](const char* p) { return std::find(ps.begin(), ps.end(), p) != ps.end(); };
  if (has("confusion")) return DriftKind::cell;
  if (has("chosen")) return DriftKind::headline;
  if (has("per_class") || has("pairs") || has("pr_auc")) return DriftKind::metric;
  const std::string& last = ps.back();
  return last == "accuracy" || last == "macro_f1" ? DriftKind::headline : DriftKind::metric;
}

// "value r/m/confusion/2/5" -> "value r/m/confusion/Pop/Rock" when either lock names r/m's classes.
std::string name_cell(const std::string& path, const std::vector<std::string>& ps, const json& locked, const json& now) {
  auto at = std::find(ps.begin(), ps.end(), "confusion");
  if (at == ps.end() || ps.end() - at != 3) return path;
  std::string model;
  for (auto it = ps.begin(); it != at; ++it) model += (model.empty() ? "" : "/") + *it;
  for (const json* lock : {&now, &locked}) {
    const json* classes = nullptr;
    if (lock->contains("predictions") && (*lock)["predictions"].contains(model) && (*lock)["predictions"][model].contains("classes"))
      classes = &(*lock)["predictions"][model]["classes"];
    if (!classes) continue;
    auto name = [&](const std::string& i) -> std::string {
      size_t k = std::strtoul(i.c_str(), nullptr, 10);
      return k < classes->size() && (*classes)[k].is_string() ? (*classes)[k].get<std::string>() : i;
    };
    return model + "/confusion/" + name(*(at + 1)) + "/" + name(*(at + 2));
  }
  return path;
}

}  // namespace

const char* drift_kind_name(DriftKind k) {
  switch (k) {
    case DriftKind::input: return "inputs";
    case DriftKind::headline: return "headline";
    case DriftKind::metric: return "other metrics";
    case DriftKind::cell: return "confusion cells";
  }
  return "";
}

Comparison compare_locks(const json& locked, const json& now) {
  Comparison c;
  auto& out = c.drift;
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
  // An op's version and parameters; a node that is new or gone shows as present/absent.
  section("ops", "op", [&](const std::string& label, const json& a, const json& b) {
    // Seeds are recorded, not compared: one taken from a key changes with any upstream change, which the
    // data, parameters and values already show.
    if (a.value("op", "") != b.value("op", "") || a.value("version", 0) != b.value("version", 0))
      return std::pair{std::string("exact (op and version)"), false};
    // Shown as the parameters that changed, not the whole record.
    if (a.value("params", json()) != b.value("params", json()))
      param_changes(label, a.value("params", json()), b.value("params", json()), out);
    return std::pair{std::string("exact"), true};
  });
  c.same_platform = locked.value("platform", json()) == now.value("platform", json());
  // Another platform: each evaluated model is judged by its predictions.
  std::map<std::string, const Verdict*> verdicts;
  if (!c.same_platform && locked.contains("predictions") && now.contains("predictions")) {
    std::vector<std::string> both;
    for (auto& [model, a] : locked["predictions"].items())
      if (now["predictions"].contains(model)) both.push_back(model);
    for (auto& model : both) c.verdicts.push_back(verdict(model, locked["predictions"][model], now["predictions"][model], both.size()));
    holm(c.verdicts);
    for (auto& v : c.verdicts) {
      verdicts.emplace(v.model, &v);
      // The verdict heads the diff: its values that changed follow below.
      if (v.drift) out.push_back({"model " + v.model, "its locked predictions", v.text, "the model's predictions", DriftKind::headline});
    }
  }
  json tolerance = locked.value("tolerance", default_tolerance());
  section("values", "value", [&](const std::string& path, const json& a, const json& b) -> std::pair<std::string, bool> {
    auto ps = parts(path);
    bool count = std::any_of(ps.begin(), ps.end(), [](auto& p) { return counts.count(p) && p != "confusion"; });
    if (!c.same_platform && !count) {
      // An evaluation's pair (report/pairs/a/b/...) moves with either model: judged by both verdicts.
      if (ps.size() >= 4 && ps[1] == "pairs") {
        auto a = verdicts.find(ps[0] + "/" + ps[2]), b = verdicts.find(ps[0] + "/" + ps[3]);
        if (a != verdicts.end() && b != verdicts.end())
          return {"both models' predictions", !a->second->drift && !b->second->drift};
      }
      if (const Verdict* v = covering(path, verdicts)) return {"the model's predictions", !v->drift};
    }
    return judge(path, a, b, c.same_platform, tolerance);
  });
  for (auto& d : out)
    if (d.what.starts_with("value ")) {
      auto ps = parts(d.what.substr(6));
      d.kind = value_kind(ps);
      if (d.kind == DriftKind::cell) d.what = "value " + name_cell(d.what.substr(6), ps, locked, now);
    }
  std::stable_sort(out.begin(), out.end(), [](const Drift& a, const Drift& b) { return a.kind < b.kind; });
  return c;
}

namespace {

// A row's content as one hash, within this process: its cells in column order (a missing value
// distinct from any other).
uint64_t row_hash(const Table& t, size_t r) {
  std::string bytes;
  for (auto& c : t.cols) {
    if (c.numeric) {
      double v = c.num[r];
      bytes.append(std::isnan(v) ? "\x01NaN" : std::string(reinterpret_cast<const char*>(&v), sizeof v));
    } else if (c.is_sequence()) {
      bytes.append(reinterpret_cast<const char*>(c.seq[r].data()), c.seq[r].size() * sizeof(float));
    } else {
      bytes += c.present[r] ? "\x02" + c.text[r] : std::string("\x03");
    }
    bytes += '\x1f';
  }
  return std::hash<std::string>{}(bytes);
}

std::string thousands(size_t n) {
  std::string s = std::to_string(n);
  for (int i = int(s.size()) - 3; i > 0; i -= 3) s.insert(size_t(i), ",");
  return s;
}

}  // namespace

std::string csv_drift(const json& locked, const json& now, const std::string& path, const std::string& cache_dir) {
  auto key_of = [&](const json& lock) -> std::string {
    if (!lock.contains("ops")) return "";
    for (auto& [label, op] : lock["ops"].items())
      if (op.value("op", "") == "csv" && op.value("/params/path"_json_pointer, json()) == path && op.contains("key"))
        return op["key"].get<std::string>();
    return "";
  };
  std::string was_key = key_of(locked), now_key = key_of(now);
  if (was_key.empty() || now_key.empty()) return "";
  Cache cache(cache_dir);
  auto was = cache.get(was_key), is = cache.get(now_key);
  const Table* a = was ? std::get_if<Table>(&*was) : nullptr;
  const Table* b = is ? std::get_if<Table>(&*is) : nullptr;
  if (!a || !b) return "the locked version's rows are no longer in the cache to compare";
  if (a->column_names() != b->column_names())
    return fmt::format("its columns changed ({} -> {} columns), {} -> {} rows", a->cols.size(), b->cols.size(),
                       thousands(a->rows()), thousands(b->rows()));
  if (a->rows() == b->rows()) {  // row by row: which ones
    std::vector<size_t> changed;
    for (size_t r = 0; r < a->rows(); ++r)
      if (row_hash(*a, r) != row_hash(*b, r)) changed.push_back(r + 1);
    std::string which;
    for (size_t i = 0; i < changed.size() && i < 5; ++i) which += (i ? ", " : "") + thousands(changed[i]);
    return fmt::format("{} of {} rows changed{}", thousands(changed.size()), thousands(a->rows()),
                       changed.empty() ? " (the same rows: its text changed, e.g. quoting)"
                                       : fmt::format(" (row{} {}{})", changed.size() == 1 ? "" : "s", which,
                                                     changed.size() > 5 ? ", ..." : ""));
  }
  std::multiset<uint64_t> left;  // rows added or removed: compared as collections
  for (size_t r = 0; r < a->rows(); ++r) left.insert(row_hash(*a, r));
  size_t added = 0;
  for (size_t r = 0; r < b->rows(); ++r)
    if (auto it = left.find(row_hash(*b, r)); it != left.end()) left.erase(it);
    else ++added;
  return fmt::format("{} -> {} rows: {} added, {} removed", thousands(a->rows()), thousands(b->rows()), thousands(added),
                     thousands(left.size()));
}

}  // namespace genre
