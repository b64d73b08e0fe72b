// Tests of workloads/src/peer_libraries.hpp (white-box) and availability() of driver.hpp: each
// peer (mimalloc, jemalloc, tcmalloc) is either loaded - entry points resolved and working, the
// file that provides them known - or unavailable with a one-line reason; loading is done once and
// is safe from many threads at once; and after loading them glibc is still the process's malloc
// (under a sanitizer: the sanitizer's interposed malloc, never a peer's).
#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "arena/workloads/driver.hpp"
#include "peer_libraries.hpp"

using arena::workloads::AllocatorKind;
using arena::workloads::availability;
using arena::workloads::detail::peer_entry_points;
using arena::workloads::detail::peer_library;
using arena::workloads::detail::PeerEntryPoints;
using arena::workloads::detail::PeerLibrary;
using arena::workloads::detail::PeerLibraryStatus;
using arena::workloads::detail::process_malloc;

namespace {

// Allocates, fills, reads back and frees a few blocks through `allocate` / `release`.
template <class Allocate, class Release>
void exercise(Allocate allocate, Release release) {
  for (std::size_t n : {1u, 16u, 255u, 4096u, 100000u}) {
    auto* p = static_cast<unsigned char*>(allocate(n));
    REQUIRE(p != nullptr);
    if (n >= 16) CHECK(reinterpret_cast<std::uintptr_t>(p) % 16 == 0);  // what the heap adapters rely on
    std::memset(p, 0x42, n);
    CHECK(p[n - 1] == 0x42);
    release(p);
  }
}

void check_status(const PeerLibraryStatus& s, const char* name, const char* soname) {
  CAPTURE(s.name);
  CAPTURE(s.availability.reason);
  CHECK(s.name == name);
  CHECK(s.soname == soname);
  if (s.availability.available) {
    CHECK(s.availability.reason.empty());
    CHECK(!s.path.empty());
  } else {
    CHECK(!s.availability.reason.empty());
    CHECK(s.availability.reason.find('\n') == std::string::npos);
    CHECK(s.path.empty());
  }
}

}  // namespace

TEST_SUITE("arena::workloads peer libraries") {
  TEST_CASE("each peer is loaded and works, or says why not") {
    const PeerEntryPoints& e = peer_entry_points();
    const PeerLibraryStatus& mi = peer_library(PeerLibrary::mimalloc);
    const PeerLibraryStatus& je = peer_library(PeerLibrary::jemalloc);
    const PeerLibraryStatus& tc = peer_library(PeerLibrary::tcmalloc);
    check_status(mi, "mimalloc", "libmimalloc.so.2");
    check_status(je, "jemalloc", "libjemalloc.so.2");
    check_status(tc, "tcmalloc", "libtcmalloc_minimal.so.4");

    CHECK((e.mi_malloc != nullptr) == mi.availability.available);
    CHECK((e.mi_free != nullptr) == mi.availability.available);
    CHECK((e.mallocx != nullptr) == je.availability.available);
    CHECK((e.dallocx != nullptr) == je.availability.available);
    CHECK((e.tc_malloc != nullptr) == tc.availability.available);
    CHECK((e.tc_free != nullptr) == tc.availability.available);

    if (mi.availability.available) {
      CHECK(mi.path.find("mimalloc") != std::string::npos);
      exercise(e.mi_malloc, e.mi_free);
    }
    if (je.availability.available) {
      CHECK(je.path.find("jemalloc") != std::string::npos);
      exercise([&](std::size_t n) { return e.mallocx(n, 0); }, [&](void* p) { e.dallocx(p, 0); });
    } else if (je.availability.reason.find("static TLS") != std::string::npos) {
      // The known dlopen limit: reported, with the way around it.
      CHECK(je.availability.reason.find("GLIBC_TUNABLES") != std::string::npos);
    }
    if (tc.availability.available) {
      CHECK(tc.path.find("tcmalloc") != std::string::npos);
      exercise(e.tc_malloc, e.tc_free);
    }
    MESSAGE("mimalloc: " << (mi.availability.available ? mi.path : mi.availability.reason));
    MESSAGE("jemalloc: " << (je.availability.available ? je.path : je.availability.reason));
    MESSAGE("tcmalloc: " << (tc.availability.available ? tc.path : tc.availability.reason));
  }

  TEST_CASE("loading is done once, and is safe from many threads at once") {
    std::vector<const PeerEntryPoints*> seen(8, nullptr);
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < seen.size(); ++i) threads.emplace_back([&seen, i] { seen[i] = &peer_entry_points(); });
    for (std::thread& t : threads) t.join();
    for (const PeerEntryPoints* p : seen) CHECK(p == &peer_entry_points());
    CHECK(&peer_library(PeerLibrary::jemalloc) == &peer_library(PeerLibrary::jemalloc));
  }

  TEST_CASE("glibc stays the process malloc after the peers are loaded") {
    (void)peer_entry_points();
    const auto m = process_malloc();
    CAPTURE(m.detail);
    CHECK(!m.provider.empty());
    for (const char* peer : {"mimalloc", "jemalloc", "tcmalloc"}) CHECK(m.provider.find(peer) == std::string::npos);
#ifdef ARENA_SANITIZED
    CHECK(m.sanitizer);
#else
    CHECK(m.is_glibc);
    CHECK(m.provider.find("libc.so") != std::string::npos);
#endif
    // And malloc/free still work as glibc's (a block from malloc is freed by free).
    void* p = std::malloc(1000);
    REQUIRE(p != nullptr);
    std::free(p);
  }

  TEST_CASE("availability() reports the peers as loaded, everything else as available") {
    CHECK(availability(AllocatorKind::mimalloc).available == peer_library(PeerLibrary::mimalloc).availability.available);
    CHECK(availability(AllocatorKind::jemalloc).available == peer_library(PeerLibrary::jemalloc).availability.available);
    CHECK(availability(AllocatorKind::tcmalloc).available == peer_library(PeerLibrary::tcmalloc).availability.available);
    CHECK(availability(AllocatorKind::jemalloc).reason == peer_library(PeerLibrary::jemalloc).availability.reason);
    for (AllocatorKind k : {AllocatorKind::fixed, AllocatorKind::buddy, AllocatorKind::shared_vector,
                            AllocatorKind::malloc_refcount, AllocatorKind::pmr_pool, AllocatorKind::null}) {
      CHECK(availability(k).available);
      CHECK(availability(k).reason.empty());
    }
  }
}
