// Peer allocators: the raw heaps the arena is compared with, behind one small static interface
// (RawHeap), and how the third-party ones are obtained. mimalloc, jemalloc and tcmalloc all export
// malloc/free themselves, so linking them would replace glibc malloc for the whole process; they
// are dlopen'ed (RTLD_NOW | RTLD_LOCAL) and only their own entry points (mi_malloc, mallocx,
// tc_malloc...) are used. The one thing not to get wrong: glibc must stay the process allocator,
// and verify_process_malloc() checks it at run time rather than trusting the link line.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdlib>
#include <string>
#include <vector>

namespace microbench {

// A raw heap: static allocate/deallocate, as the malloc + refcount peers use it.
template <class H>
concept RawHeap = requires(void* p, std::size_t n) {
  { H::allocate(n) } -> std::same_as<void*>;   // n bytes, 16-byte aligned; nullptr only on OOM
  { H::deallocate(p) } -> std::same_as<void>;  // gives back a block from allocate()
};

// glibc malloc, the process allocator (called directly, as any program would).
struct GlibcHeap {
  static void* allocate(std::size_t n) noexcept { return std::malloc(n); }
  static void deallocate(void* p) noexcept { std::free(p); }
};

// Entry points resolved by load_peer_libraries(); null until then (or when the library is missing).
struct DynamicEntryPoints {
  void* (*mi_malloc)(std::size_t) = nullptr;
  void (*mi_free)(void*) = nullptr;
  void* (*mallocx)(std::size_t, int) = nullptr;
  void (*dallocx)(void*, int) = nullptr;
  void* (*tc_malloc)(std::size_t) = nullptr;
  void (*tc_free)(void*) = nullptr;
};
extern DynamicEntryPoints g_entry;  // written once, before any benchmark runs

// mimalloc: mi_malloc / mi_free (not its malloc/free, which are never bound).
struct MimallocHeap {
  static void* allocate(std::size_t n) noexcept { return g_entry.mi_malloc(n); }
  static void deallocate(void* p) noexcept { g_entry.mi_free(p); }
};
// jemalloc: mallocx / dallocx with flags 0 (default arena, tcache, 16-byte alignment).
struct JemallocHeap {
  static void* allocate(std::size_t n) noexcept { return g_entry.mallocx(n, 0); }
  static void deallocate(void* p) noexcept { g_entry.dallocx(p, 0); }
};
// gperftools tcmalloc (minimal): tc_malloc / tc_free.
struct TcmallocHeap {
  static void* allocate(std::size_t n) noexcept { return g_entry.tc_malloc(n); }
  static void deallocate(void* p) noexcept { g_entry.tc_free(p); }
};

// What load_peer_libraries() found for one library.
struct PeerLibrary {
  std::string name;      // "mimalloc", "jemalloc", "tcmalloc"
  std::string soname;    // what was dlopen'ed, e.g. "libjemalloc.so.2"
  std::string path;      // the file actually loaded (from dladdr), empty when not loaded
  bool loaded = false;   // dlopen + dlsym + a smoke allocation all worked
  bool already_mapped = false;  // was in the process before our dlopen (LD_PRELOAD, linked)
  std::string problem;   // why not, one line (empty when loaded)
};

// The verdict on who serves the process's malloc.
struct MallocIdentity {
  bool is_glibc = false;
  std::string malloc_provider;  // file that defines the malloc the process calls
  std::string new_provider;     // file that defines operator new(size_t)
  std::string detail;           // one line for the benchmark context
};

// dlopen()s every peer library (RTLD_NOW | RTLD_LOCAL), resolves its entry points into g_entry and
// smoke-tests them. Never fails: a missing or broken library is reported in its PeerLibrary.
std::vector<PeerLibrary> load_peer_libraries();

// Compares the malloc/free that the process resolves (RTLD_DEFAULT) with libc.so.6's own.
MallocIdentity verify_process_malloc();

// Static TLS reservation: jemalloc (and, less, tcmalloc) use initial-exec TLS, which a dlopen'ed
// library can only get from glibc's small surplus; glibc.rtld.optional_static_tls enlarges it.
// If this process was started without that tunable, re-executes it (same argv) with
// GLIBC_TUNABLES extended. Returns only when no re-exec was needed or it failed (then jemalloc
// will report the dlopen error). Set ARENA_MICROBENCH_NO_REEXEC=1 to disable.
void ensure_static_tls_reserve(char** argv);

// The GLIBC_TUNABLES value this process runs with ("" when unset), for the context block.
std::string glibc_tunables();

}  // namespace microbench
