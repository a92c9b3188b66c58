#include "runtime/torch_api.h"

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

const TorchApi* load() {
  std::string tried;
  for (auto& path : candidates()) {
    if (!std::filesystem::exists(path)) {
      tried += "\n  " + path + ": not there";
      continue;
    }
    void* lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      tried += "\n  " + path + ": " + dlerror();
      continue;
    }
    auto entry = reinterpret_cast<const TorchApi* (*)()>(dlsym(lib, "genre_torch_api"));
    if (!entry) {
      tried += "\n  " + path + ": no genre_torch_api in it";
      continue;
    }
    return entry();  // the library stays loaded for the life of the process
  }
  throw DataError("cannot load genre's LibTorch library (needed by neural networks and audio features); tried:" + tried +
                  "\nset GENRE_TORCH_LIB to the path of libgenre_torch.so");
}

}  // namespace

const TorchApi& torch_api() {
  static std::mutex m;
  static const TorchApi* api = nullptr;
  std::lock_guard<std::mutex> g(m);
  if (!api) api = load();
  return *api;
}

}  // namespace genre
