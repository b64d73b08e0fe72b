// Profile: a workload described as data - threads, how long, request sizes, how long buffers are
// held, what else is done with them, NUMA placement, which allocators run it and with which
// geometry. Read from JSON (docs/profile-format.md, docs/profile.schema.json), validated with
// errors that name the field, written back as JSON for the report ("the profile as run").
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "arena/options.hpp"
#include "arena/workloads/input_error.hpp"
#include "arena/workloads/size_distribution.hpp"

namespace arena::workloads {

// Which buffers are kept alive after their operation, and for how long.
struct HoldModel {
  double fraction = 0.0;           // of operations whose buffer is kept (0: every buffer dropped at once)
  std::uint64_t ops = 0;           // kept for this many further operations of the same thread, or
  std::uint64_t time_ns = 0;       // ... for this long (exactly one of ops / time_ns when fraction > 0)
  std::uint64_t max_live = 1024;   // per thread: the oldest kept buffer is dropped beyond this
};

// What each operation does besides allocate + write + freeze + drop (probabilities per operation).
struct OperationMix {
  double write = 1.0;       // fraction of the request written (1: all of it)
  double copy = 0.0;        // share the frozen handle once more (a refcount increment) and drop it
  double slice = 0.0;       // take a sub-range of it
  double into_owned = 0.0;  // copy it out to the heap (dropping the handle)
  double handoff = 0.0;     // pass it to another worker thread, which drops it
};

struct NumaPlacement {
  enum class Policy { local, interleaved };
  std::vector<unsigned> nodes;  // empty: every node of the topology
  Policy policy = Policy::local;
  unsigned max_remote = 1;  // remote nodes tried per allocation (NumaOptions)
};

enum class AllocatorKind {
  fixed,            // FixedArena
  buddy,            // BuddyArena
  shared_vector,    // std::make_shared<std::vector<std::byte>>
  malloc_refcount,  // glibc malloc with an atomic refcount header
  mimalloc,         // mi_malloc + refcount header (dlopen'ed; skipped when missing)
  jemalloc,         // mallocx + refcount header (dlopen'ed; skipped when missing)
  tcmalloc,         // tc_malloc + refcount header (dlopen'ed; skipped when missing)
  pmr_pool,         // std::pmr::synchronized_pool_resource + refcount header
  null,             // does nothing (measures the driver's own overhead)
};
// "fixed", "buddy", "shared_vector", "malloc", "mimalloc", "jemalloc", "tcmalloc", "pmr", "null".
std::string_view to_string(AllocatorKind kind) noexcept;
std::optional<AllocatorKind> allocator_kind_from_string(std::string_view text) noexcept;

struct AllocatorSpec {
  std::string name;  // unique within a profile; defaults to the kind (+ geometry for arenas)
  AllocatorKind kind = AllocatorKind::fixed;
  // fixed
  std::size_t slot_size = 0;
  std::size_t slot_count = 0;
  // buddy
  std::size_t total = 0;
  std::size_t min_block = 0;
  bool nearest = false;  // BuddyGeometry::nearest instead of exact
  // arenas
  bool auto_spill = false;
  InitPolicy init = InitPolicy::uninit;
  // "65536x4KiB" (fixed: slot count x slot size, as compare's --fixed), "64MiB/256 exact" (buddy), or the kind.
  std::string geometry() const;
};

struct Profile {
  std::string name = "unnamed";
  std::string description;
  std::uint64_t seed = 1;
  unsigned threads = 1;
  std::optional<double> duration_s;          // run for this long, or
  std::optional<std::uint64_t> operations;   // ... this many operations per thread (exactly one)
  double warmup_s = 0.0;                     // not measured, before each repetition
  std::uint64_t warmup_operations = 0;
  unsigned repetitions = 1;
  SizeDistribution sizes = SizeDistribution::constant(256);
  HoldModel hold;
  OperationMix mix;
  std::optional<NumaPlacement> numa;  // absent: no pinning, plain arenas
  std::vector<AllocatorSpec> allocators;
  std::uint64_t sample_interval_ms = 100;  // metrics timeline; 0: no timeline
};

// Validates and builds a Profile. `source` names the origin in errors (a file name, "preset
// rpc-small", "--set"); a relative trace file is resolved against the directory part of `source`
// (the working directory when it has none). Unknown keys are errors. Ends with check_geometries.
// Throws InputError naming the field, e.g.
//   "prof.json: threads: expected a whole number in [1, 1024], got 0".
Profile parse_profile(const nlohmann::json& json, const std::string& source);
// Reads and parses a file (read_json_file: a regular file of at most 256 MiB, nested at most 256
// levels; pipes and devices are refused); malformed JSON is an InputError with the line and column
// where the parser stopped, a key given twice in one object is an InputError too. A profile
// without "name" is named after the file (its stem).
Profile load_profile(const std::string& path);
// The profile as JSON, in the documented format (parse_profile(to_json(p)) == p in meaning).
nlohmann::json to_json(const Profile& profile);
nlohmann::json to_json(const SizeDistribution& sizes);
// Applies one "--set key=value" override, e.g. "threads=4", "hold.fraction=0.5",
// "sizes.max=64KiB", "allocators[0].slots=1024" (value parsed as JSON when it is valid JSON, else
// as a string), then re-validates. Throws InputError(source "--set", field = key); the profile is
// unchanged then. Missing objects on the path are created, null removes a key or array item, index
// n of an n-item array appends, and setting one of an exclusive pair (duration_s/operations,
// warmup_s/warmup_operations, hold.ops/hold.time_us, mu/median, file/samples) removes the other.
void apply_override(Profile& profile, std::string_view assignment);
// Checks that every allocator can serve the profile's largest request (a fixed slot without
// auto-spill smaller than the largest size, a buddy total below it): InputError naming the
// allocator when not.
void check_geometries(const Profile& profile, const std::string& source);

}  // namespace arena::workloads
