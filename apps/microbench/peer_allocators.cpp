// Loading the peer allocators at run time, checking that glibc is still the process allocator, and
// the static-TLS re-exec that lets jemalloc be dlopen'ed at all. Every outcome is a value reported
// into the benchmark context: a peer that cannot be loaded is skipped with its reason, never
// silently replaced by another allocator.
#include "peer_allocators.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string_view>

namespace microbench {

DynamicEntryPoints g_entry;

namespace {

constexpr int kOpenFlags = RTLD_NOW | RTLD_LOCAL;
// jemalloc 5.3 needs ~2.6 KiB of initial-exec TLS, tcmalloc ~0.1 KiB, mimalloc 16 B; glibc's
// default surplus for dlopen'ed libraries (512 B optional) is too small for jemalloc.
constexpr std::string_view kStaticTlsTunable = "glibc.rtld.optional_static_tls=16384";
constexpr const char* kReexecGuard = "ARENA_MICROBENCH_REEXECED";

std::string file_of(const void* address) {
  Dl_info info{};
  if (address == nullptr || dladdr(address, &info) == 0 || info.dli_fname == nullptr) return "?";
  return info.dli_fname;
}

std::string last_dl_error() {
  const char* e = dlerror();
  return e != nullptr ? e : "unknown dl error";
}

template <class Fn>
bool resolve(void* handle, const char* symbol, Fn* out, std::string* problem) {
  void* address = dlsym(handle, symbol);
  if (address == nullptr) {
    *problem = std::string("symbol ") + symbol + " not found: " + last_dl_error();
    return false;
  }
  *out = std::bit_cast<Fn>(address);
  return true;
}

// Allocates, writes and frees blocks of many sizes through the resolved entry points: proves the
// library initialises and works when loaded RTLD_LOCAL (its TLS, its internal calls).
template <class Heap>
bool smoke_test(std::string* problem) {
  std::vector<void*> blocks;
  blocks.reserve(512);
  for (std::size_t round = 0; round < 4; ++round) {
    for (std::size_t i = 0; i < 512; ++i) {
      const std::size_t n = 1 + (i * 37 + round * 1013) % 20000;
      void* p = Heap::allocate(n);
      if (p == nullptr || (std::bit_cast<std::uintptr_t>(p) & 15u) != 0) {
        *problem = "smoke test: allocation of " + std::to_string(n) + " bytes returned a null or misaligned block";
        for (void* b : blocks) Heap::deallocate(b);
        return false;
      }
      std::memset(p, 0x3C, n);
      blocks.push_back(p);
    }
    for (void* b : blocks) Heap::deallocate(b);
    blocks.clear();
  }
  return true;
}

PeerLibrary open_library(const char* name, const char* soname, void** handle) {
  PeerLibrary lib;
  lib.name = name;
  lib.soname = soname;
  // Already mapped before we asked: LD_PRELOAD or linked in. Its malloc may then be the
  // process's; verify_process_malloc() decides. We still use only its explicit entry points.
  lib.already_mapped = dlopen(soname, RTLD_NOW | RTLD_NOLOAD) != nullptr;
  *handle = dlopen(soname, kOpenFlags);
  if (*handle == nullptr) lib.problem = "not installed or not loadable: " + last_dl_error();
  return lib;
}

void finish(PeerLibrary& lib, const void* entry, bool ok) {
  lib.loaded = ok;
  if (ok) lib.path = file_of(entry);
}

}  // namespace

std::vector<PeerLibrary> load_peer_libraries() {
  std::vector<PeerLibrary> out;
  void* handle = nullptr;

  PeerLibrary mi = open_library("mimalloc", "libmimalloc.so.2", &handle);
  if (handle != nullptr) {
    const bool ok = resolve(handle, "mi_malloc", &g_entry.mi_malloc, &mi.problem) &&
                    resolve(handle, "mi_free", &g_entry.mi_free, &mi.problem) && smoke_test<MimallocHeap>(&mi.problem);
    finish(mi, std::bit_cast<const void*>(g_entry.mi_malloc), ok);
  }
  out.push_back(mi);

  PeerLibrary je = open_library("jemalloc", "libjemalloc.so.2", &handle);
  if (handle != nullptr) {
    const bool ok = resolve(handle, "mallocx", &g_entry.mallocx, &je.problem) &&
                    resolve(handle, "dallocx", &g_entry.dallocx, &je.problem) && smoke_test<JemallocHeap>(&je.problem);
    finish(je, std::bit_cast<const void*>(g_entry.mallocx), ok);
  } else if (je.problem.find("static TLS") != std::string::npos) {
    je.problem += " (start with GLIBC_TUNABLES=" + std::string(kStaticTlsTunable) + ")";
  }
  out.push_back(je);

  PeerLibrary tc = open_library("tcmalloc", "libtcmalloc_minimal.so.4", &handle);
  if (handle != nullptr) {
    const bool ok = resolve(handle, "tc_malloc", &g_entry.tc_malloc, &tc.problem) &&
                    resolve(handle, "tc_free", &g_entry.tc_free, &tc.problem) && smoke_test<TcmallocHeap>(&tc.problem);
    finish(tc, std::bit_cast<const void*>(g_entry.tc_malloc), ok);
  }
  out.push_back(tc);
  // The handles stay open for the life of the process: blocks may be freed until exit.
  return out;
}

MallocIdentity verify_process_malloc() {
  MallocIdentity id;
  void* libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
  void* libc_malloc = libc != nullptr ? dlsym(libc, "malloc") : nullptr;
  void* libc_free = libc != nullptr ? dlsym(libc, "free") : nullptr;
  void* global_malloc = dlsym(RTLD_DEFAULT, "malloc");
  void* global_free = dlsym(RTLD_DEFAULT, "free");
  // What this translation unit's calls bind to (the canonical address through the GOT).
  void* (*volatile called_malloc)(std::size_t) = &::malloc;
  const void* called = std::bit_cast<const void*>(called_malloc);

  id.malloc_provider = file_of(global_malloc);
  id.new_provider = file_of(dlsym(RTLD_DEFAULT, "_Znwm"));
  id.is_glibc = libc_malloc != nullptr && global_malloc == libc_malloc && global_free == libc_free && called == libc_malloc;
  if (id.is_glibc) {
    id.detail = "glibc: malloc/free resolve to " + id.malloc_provider + " (same addresses as libc.so.6's own)";
  } else {
    id.detail = "NOT glibc: process malloc is served by " + id.malloc_provider +
                " (a malloc-replacing library was linked or preloaded; glibc peer skipped)";
  }
  return id;
}

void ensure_static_tls_reserve(char** argv) {
  if (const char* off = std::getenv("ARENA_MICROBENCH_NO_REEXEC"); off != nullptr && std::strcmp(off, "0") != 0) return;
  if (std::getenv(kReexecGuard) != nullptr) return;  // already re-executed once: never loop
  const std::string current = glibc_tunables();
  if (current.find("glibc.rtld.optional_static_tls") != std::string::npos) return;
  const std::string next = current.empty() ? std::string(kStaticTlsTunable) : current + ":" + std::string(kStaticTlsTunable);
  if (setenv("GLIBC_TUNABLES", next.c_str(), 1) != 0 || setenv(kReexecGuard, "1", 1) != 0) return;
  std::fflush(nullptr);
  execv("/proc/self/exe", argv);
  // exec failed: carry on; jemalloc will be reported as not loadable with the dlopen error.
  std::fprintf(stderr, "arena_microbench: re-exec with %s failed (%s); jemalloc may be skipped\n",
               next.c_str(), std::strerror(errno));
}

std::string glibc_tunables() {
  const char* t = std::getenv("GLIBC_TUNABLES");
  return t != nullptr ? t : "";
}

}  // namespace microbench
