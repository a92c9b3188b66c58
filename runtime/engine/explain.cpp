#include "runtime/engine/explain.h"

#include <fmt/format.h>
#include <map>
#include <set>

namespace genre {

namespace {

void flatten(const json& j, const std::string& path, std::map<std::string, json>& out) {
  if (j.is_object() && !j.empty()) {
    for (auto& [k, v] : j.items()) flatten(v, path.empty() ? k : path + "." + k, out);
  } else {
    out[path] = j;
  }
}

class Explainer {
 public:
  Explainer(const Plan& p, const json& last) : plan_(p), last_(last) {}

  void node(size_t i, int depth) {
    const Node& n = plan_.nodes[i];
    std::string pad(2 * depth, ' ');
    if (!seen_.insert(i).second) {
      line(pad, n.label + ": (explained above)");
      return;
    }
    if (!last_.is_object() || !last_.contains(n.label)) {
      line(pad, n.label + ": new (the last run had no node of this name)");
      return;
    }
    const json& prev = last_[n.label];
    if (prev.value("key", "") == n.key) {
      line(pad, fmt::format("{}: unchanged since the last run (key {})", n.label, n.key.substr(0, 10)));
      return;
    }
    line(pad, fmt::format("{}: key {} (last run {})", n.label, n.key.substr(0, 10), prev.value("key", "").substr(0, 10)));
    pad += "  ";
    if (prev.value("op", n.op) != n.op || prev.value("version", n.version) != n.version)
      line(pad, fmt::format("op changed: {} v{} -> {} v{}", prev.value("op", "?"), prev.value("version", 0), n.op, n.version));
    if (prev.value("params", "") != n.params_hash) {
      if (!prev.contains("args")) {
        line(pad, "parameters changed (the last run's record does not say which)");
      } else {
        std::map<std::string, json> a, b;
        flatten(prev["args"], "", a);
        flatten(n.params, "", b);
        for (auto& [k, v] : a)
          if (!b.count(k)) line(pad, fmt::format("parameter removed: {} (was {})", k, v.dump()));
          else if (b[k] != v) line(pad, fmt::format("parameter changed: {}: {} -> {}", k, v.dump(), b[k].dump()));
        for (auto& [k, v] : b)
          if (!a.count(k)) line(pad, fmt::format("parameter added: {} = {}", k, v.dump()));
      }
    }
    const json files = prev.value("files", json::object());
    for (auto& [path, hash] : n.files) {
      if (!files.contains(path)) line(pad, "new input file: " + path);
      else if (files[path] != hash) line(pad, "file changed: " + path);
    }
    for (auto& [path, hash] : files.items()) {
      bool still = false;
      for (auto& f : n.files) still |= f.first == path;
      if (!still) line(pad, "no longer reads: " + path);
    }
    std::set<std::string> before;
    for (auto& l : prev.value("inputs", json::array())) before.insert(l.get<std::string>());
    std::set<std::string> now;
    for (auto& in : n.inputs) {
      const Node& src = plan_.nodes[in.node];
      now.insert(src.label);
      if (!before.count(src.label)) {
        line(pad, "new input: " + src.label);
        continue;
      }
      if (last_.contains(src.label) && last_[src.label].value("key", "") == src.key) continue;
      line(pad, "input changed: " + src.label);
      node(in.node, depth + 2);
    }
    for (auto& l : before)
      if (!now.count(l)) line(pad, "input removed: " + l);
  }

  std::string out;

 private:
  const Plan& plan_;
  const json& last_;
  std::set<size_t> seen_;
  void line(const std::string& pad, const std::string& s) { out += pad + s + "\n"; }
};

}  // namespace

std::string explain(const Plan& plan, const json& last, const std::string& which) {
  std::vector<size_t> picked;
  for (size_t i = 0; i < plan.nodes.size(); ++i)
    if (plan.nodes[i].label == which) picked = {i};
  if (picked.empty())
    for (size_t i = 0; i < plan.nodes.size(); ++i)
      if (plan.nodes[i].def == which) picked.push_back(i);
  if (picked.empty()) {
    std::string labels;
    for (auto& n : plan.nodes) labels += "\n  " + n.label;
    throw DataError(fmt::format("no node or definition named '{}' in this plan; its nodes are:{}", which, labels));
  }
  Explainer e(plan, last);
  if (!last.is_object() || last.empty()) e.out += "no earlier run of this script is recorded in this cache\n";
  for (size_t i : picked) e.node(i, 0);
  return e.out;
}

}  // namespace genre
