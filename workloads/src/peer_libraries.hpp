// Peer libraries: mimalloc, jemalloc and tcmalloc, loaded once per process with dlopen
// (RTLD_NOW | RTLD_LOCAL) and used only through their non-replacing entry points (mi_malloc,
// mallocx, tc_malloc...). Linking them would make them the process's malloc; loading them locally
// keeps glibc the process allocator, which process_malloc() checks at run time. The one thing not
// to get wrong: a library that cannot be loaded is a reason in a record, never a crash and never a
// silent stand-in.
#pragma once

#include <cstddef>
#include <string>

#include "arena/workloads/allocator_adapter.hpp"

namespace arena::workloads::detail {

// The resolved entry points; a library's pair stays null when it is unavailable.
struct PeerEntryPoints {
  void* (*mi_malloc)(std::size_t) = nullptr;
  void (*mi_free)(void*) = nullptr;
  void* (*mallocx)(std::size_t, int) = nullptr;
  void (*dallocx)(void*, int) = nullptr;
  void* (*tc_malloc)(std::size_t) = nullptr;
  void (*tc_free)(void*) = nullptr;
};

enum class PeerLibrary { mimalloc, jemalloc, tcmalloc };

struct PeerLibraryStatus {
  std::string name;    // "mimalloc", "jemalloc", "tcmalloc"
  std::string soname;  // what is dlopen'ed, e.g. "libjemalloc.so.2"
  std::string path;    // the file that provides the entry points (empty when unavailable)
  PeerAvailability availability;
};

// Loads every peer library on first call (thread-safe, once per process) and returns the entry
// points; entries of unavailable libraries are null. Never throws for a missing library.
const PeerEntryPoints& peer_entry_points();
// What loading `library` gave (loads on first call).
const PeerLibraryStatus& peer_library(PeerLibrary library);

// Who serves malloc() in this process: glibc (possibly interposed by a sanitizer) or something
// else (a malloc-replacing library linked or preloaded).
struct ProcessMalloc {
  bool is_glibc = false;          // malloc/free resolve to libc.so.6's own
  bool sanitizer = false;         // this is a sanitizer build (ASan/TSan interpose malloc)
  std::string provider;           // the file defining the malloc the process calls
  std::string detail;             // one line
};
ProcessMalloc process_malloc();

}  // namespace arena::workloads::detail
