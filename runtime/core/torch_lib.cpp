#include "runtime/core/torch_lib.h"

#include "runtime/core/value.h"

#include <dlfcn.h>

#include <filesystem>
#include <mutex>

namespace genre {

namespace {

std::vector<std::string> candidates() {
  std::vector<std::string> out;
  if (const char* e = std::getenv("GENRE_TORCH_LIB"); e && *e) out.push_back(e);
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) out.push_back((exe.parent_path() / "libgenre_torch.so").string());
  out.push_back(GENRE_TORCH_LIB);  // where the build put it
  return out;
}

void* load() {
  std::string tried;
  for (auto& path : candidates()) {
    if (!std::filesystem::exists(path)) {
      tried += "\n  " + path + ": not there";
      continue;
    }
    if (void* lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL)) return lib;  // loaded for the life of the process
    tried += "\n  " + path + ": " + dlerror();
  }
  throw DataError("cannot load genre's LibTorch library (needed by neural networks and audio features); tried:" + tried +
                  "\nset GENRE_TORCH_LIB to the path of libgenre_torch.so");
}

}  // namespace

void* torch_symbol(const char* name) {
  static std::mutex m;
  static void* lib = nullptr;
  std::lock_guard<std::mutex> g(m);
  if (!lib) lib = load();
  void* sym = dlsym(lib, name);
  if (!sym) throw InternalError(std::string("libgenre_torch.so has no ") + name + " (a stale build?)");
  return sym;
}

const TorchRuntime& torch_runtime() {
  static const TorchRuntime* rt = reinterpret_cast<const TorchRuntime* (*)()>(torch_symbol("genre_torch_runtime"))();
  return *rt;
}

}  // namespace genre
