#include "ops/op.h"

#include <filesystem>
#include <map>

namespace genre {

namespace {
std::map<std::string, OpFn>& fns() {
  static std::map<std::string, OpFn> m;
  return m;
}
}  // namespace

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

}  // namespace genre
