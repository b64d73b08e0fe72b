// Peer libraries (peer_libraries.hpp): dlopen of mimalloc, jemalloc and tcmalloc with RTLD_LOCAL,
// symbol resolution of their explicit entry points, and a smoke test of each before it counts as
// available. Everything is done once, under a function-local static (thread-safe initialisation);
// the handles stay open for the life of the process because blocks may be freed until exit.
#include "peer_libraries.hpp"

#include <dlfcn.h>

#include <bit>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace arena::workloads::detail {
namespace {

constexpr int kOpenFlags = RTLD_NOW | RTLD_LOCAL;
// jemalloc needs a few KiB of initial-exec TLS, more than glibc reserves for dlopen'ed libraries.
constexpr const char* kStaticTlsHint = "glibc.rtld.optional_static_tls=16384";

std::string dl_error() {
  const char* e = dlerror();
  return e != nullptr ? e : "unknown dynamic loader error";
}

std::string file_of(const void* address) {
  Dl_info info{};
  if (address == nullptr || dladdr(address, &info) == 0 || info.dli_fname == nullptr) return {};
  return info.dli_fname;
}

template <class Fn>
bool resolve(void* handle, const char* symbol, Fn* out, std::string* problem) {
  dlerror();
  void* address = dlsym(handle, symbol);
  if (address == nullptr) {
    *problem = std::string("symbol ") + symbol + " not found: " + dl_error();
    return false;
  }
  *out = std::bit_cast<Fn>(address);
  return true;
}

// Allocates, fills and frees blocks of many sizes: proves the library initialises and works when
// loaded locally (its TLS, its internal calls), and that blocks of 16 bytes or more are 16-byte
// aligned, as the refcount header of the heap adapters needs (smaller ones may be 8-aligned).
template <class Allocate, class Free>
bool smoke_test(Allocate allocate, Free release, std::string* problem) {
  std::vector<void*> blocks;
  blocks.reserve(256);
  bool ok = true;
  for (std::size_t i = 0; i < 256 && ok; ++i) {
    const std::size_t n = 16 + (i * 131) % 70000;  // the adapters ask for >= 16 bytes (header)
    void* p = allocate(n);
    if (p == nullptr || (std::bit_cast<std::uintptr_t>(p) & 15u) != 0) {
      *problem = "smoke test: allocating " + std::to_string(n) + " bytes gave a null or misaligned block";
      if (p != nullptr) release(p);
      ok = false;
      break;
    }
    std::memset(p, 0x5C, n);
    blocks.push_back(p);
  }
  for (void* p : blocks) release(p);
  return ok;
}

struct Loaded {
  PeerEntryPoints entry;
  PeerLibraryStatus status[3];
};

// Opens `soname`; on failure fills the status with the reason and returns null.
void* open(PeerLibraryStatus& status, const char* name, const char* soname) {
  status.name = name;
  status.soname = soname;
  dlerror();
  void* handle = dlopen(soname, kOpenFlags);
  if (handle == nullptr) {
    std::string error = dl_error();
    if (error.find("cannot open shared object file") != std::string::npos) {
      status.availability.reason = std::string(soname) + " not installed (" + error + ")";
    } else {
      status.availability.reason = "dlopen: " + error;
      if (error.find("static TLS") != std::string::npos) {
        status.availability.reason += " (start the process with GLIBC_TUNABLES=" + std::string(kStaticTlsHint) + ")";
      }
    }
  }
  return handle;
}

void finish(PeerLibraryStatus& status, bool ok, const void* entry) {
  status.availability.available = ok;
  if (ok) {
    status.path = file_of(entry);
    status.availability.reason.clear();
  }
}

Loaded load_all() {
  Loaded out;
  PeerEntryPoints& e = out.entry;

  PeerLibraryStatus& mi = out.status[0];
  if (void* h = open(mi, "mimalloc", "libmimalloc.so.2")) {
    std::string& why = mi.availability.reason;
    const bool ok = resolve(h, "mi_malloc", &e.mi_malloc, &why) && resolve(h, "mi_free", &e.mi_free, &why) &&
                    smoke_test(e.mi_malloc, e.mi_free, &why);
    finish(mi, ok, std::bit_cast<const void*>(e.mi_malloc));
    if (!ok) {
      e.mi_malloc = nullptr;
      e.mi_free = nullptr;
    }
  }

  PeerLibraryStatus& je = out.status[1];
  if (void* h = open(je, "jemalloc", "libjemalloc.so.2")) {
    std::string& why = je.availability.reason;
    bool ok = resolve(h, "mallocx", &e.mallocx, &why) && resolve(h, "dallocx", &e.dallocx, &why);
    if (ok) {
      auto* mallocx = e.mallocx;
      auto* dallocx = e.dallocx;
      ok = smoke_test([mallocx](std::size_t n) { return mallocx(n, 0); }, [dallocx](void* p) { dallocx(p, 0); }, &why);
    }
    finish(je, ok, std::bit_cast<const void*>(e.mallocx));
    if (!ok) {
      e.mallocx = nullptr;
      e.dallocx = nullptr;
    }
  }

  PeerLibraryStatus& tc = out.status[2];
  if (void* h = open(tc, "tcmalloc", "libtcmalloc_minimal.so.4")) {
    std::string& why = tc.availability.reason;
    const bool ok = resolve(h, "tc_malloc", &e.tc_malloc, &why) && resolve(h, "tc_free", &e.tc_free, &why) &&
                    smoke_test(e.tc_malloc, e.tc_free, &why);
    finish(tc, ok, std::bit_cast<const void*>(e.tc_malloc));
    if (!ok) {
      e.tc_malloc = nullptr;
      e.tc_free = nullptr;
    }
  }
  return out;
}

const Loaded& loaded() {
  static const Loaded instance = load_all();
  return instance;
}

}  // namespace

const PeerEntryPoints& peer_entry_points() { return loaded().entry; }

const PeerLibraryStatus& peer_library(PeerLibrary library) {
  return loaded().status[static_cast<std::size_t>(library)];
}

ProcessMalloc process_malloc() {
  ProcessMalloc out;
#ifdef ARENA_SANITIZED
  out.sanitizer = true;
#endif
  void* libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
  void* libc_malloc = libc != nullptr ? dlsym(libc, "malloc") : nullptr;
  void* libc_free = libc != nullptr ? dlsym(libc, "free") : nullptr;
  void* global_malloc = dlsym(RTLD_DEFAULT, "malloc");
  void* global_free = dlsym(RTLD_DEFAULT, "free");
  out.provider = file_of(global_malloc);
  if (out.provider.empty()) out.provider = "?";
  out.is_glibc = libc_malloc != nullptr && global_malloc == libc_malloc && global_free == libc_free;
  if (out.is_glibc) {
    out.detail = "glibc malloc (" + out.provider + ")";
  } else if (out.sanitizer) {
    out.detail = "glibc malloc interposed by the sanitizer runtime (" + out.provider + ")";
  } else {
    out.detail = "not glibc: malloc is served by " + out.provider + " (a malloc-replacing library is linked or preloaded)";
  }
  if (libc != nullptr) dlclose(libc);  // RTLD_NOLOAD took a reference
  return out;
}

}  // namespace arena::workloads::detail

#ifdef ARENA_SANITIZED
// tcmalloc registers a process-lifetime singleton (MallocExtension::Register, with operator new)
// when it is loaded and never frees it, by design; LeakSanitizer would report it at every exit of
// a sanitized program that loaded the peers. Nothing of ours is suppressed.
extern "C" const char* __lsan_default_suppressions();
extern "C" const char* __lsan_default_suppressions() { return "leak:MallocExtension::Register\n"; }
#endif
