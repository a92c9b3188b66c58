#include "runtime/core/op.h"
#include "runtime/core/row_groups.h"

#include <filesystem>
#include <map>

#include <fmt/format.h>

namespace genre {

namespace {
std::map<std::string, OpFn>& fns() {
  static std::map<std::string, OpFn> m;
  return m;
}
std::map<std::string, ExpandFn>& expansions() {
  static std::map<std::string, ExpandFn> m;
  return m;
}
std::map<std::string, ReportKind>& report_kinds() {
  static std::map<std::string, ReportKind> m;
  return m;
}
}  // namespace

void register_report_kind(const std::string& op, ReportKind k) { report_kinds()[op] = std::move(k); }

const ReportKind* report_kind(const std::string& op) {
  auto it = report_kinds().find(op);
  return it == report_kinds().end() ? nullptr : &it->second;
}

std::string point_label(const json& point) {
  std::string s;
  for (auto& [k, v] : point.items()) {
    std::string val = v.is_string() ? v.get<std::string>() : v.is_number() ? fmt::format("{:g}", v.get<double>()) : v.dump();
    s += (s.empty() ? "" : " ") + k + "=" + val;
  }
  return s;
}

void register_expansion(lang::Signature sig, ExpandFn fn) {
  expansions()[sig.name] = std::move(fn);
  lang::catalog().add(std::move(sig));
}

const ExpandFn* find_expansion(const std::string& name) {
  auto it = expansions().find(name);
  return it == expansions().end() ? nullptr : &it->second;
}

void register_op(lang::Signature sig, OpFn fn) {
  if (fn) fns()[sig.name] = std::move(fn);
  lang::catalog().add(std::move(sig));
}

const OpFn* find_op(const std::string& name) {
  auto it = fns().find(name);
  return it == fns().end() ? nullptr : &it->second;
}

const Value* OpContext::maybe_input(const std::string& param) const {
  for (auto& in : inputs)
    if (in.param == param) return in.value;
  return nullptr;
}

std::shared_ptr<RowGroupsOut> OpContext::groups_out() const {
  return rows_out ? rows_out() : std::shared_ptr<RowGroupsOut>(rows_in_memory());
}

const Value& OpContext::input(const std::string& param) const {
  if (auto* v = maybe_input(param)) return *v;
  throw InternalError("op has no input bound to '" + param + "'");
}

std::vector<const Input*> OpContext::inputs_of(const std::string& param) const {
  std::vector<const Input*> out;
  for (auto& in : inputs)
    if (in.param == param) out.push_back(&in);
  return out;
}

std::string OpContext::path(const std::string& p) const {
  std::filesystem::path fp(p);
  if (fp.is_absolute() || script_dir.empty()) return p;
  return (std::filesystem::path(script_dir) / fp).lexically_normal().string();
}

std::string OpContext::output_path(const std::string& p, const std::string& what) const {
  namespace fs = std::filesystem;
  std::error_code ec;
  auto real = [&](const fs::path& x) {  // resolves what exists, keeps the rest as written
    fs::path a = fs::weakly_canonical(fs::absolute(x, ec), ec);
    return ec ? fs::absolute(x).lexically_normal() : a;
  };
  fs::path target = real(path(p));
  std::vector<std::string> roots{script_dir.empty() ? fs::current_path(ec).string() : script_dir};
  roots.insert(roots.end(), write_roots.begin(), write_roots.end());
  std::string listed;
  for (auto& r : roots) {
    fs::path rel = target.lexically_relative(real(r));
    if (!rel.empty() && *rel.begin() != "..") return path(p);
    listed += (listed.empty() ? "" : ", ") + real(r).string();
  }
  throw DataError(what + " \"" + p + "\" is " + target.string() + ", outside the folders genre may write to (" + listed +
                  "); name another with --allow-write DIR");
}

}  // namespace genre
