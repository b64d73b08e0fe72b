// Built-in profiles (presets.hpp), written in the profile format itself so that what
// `arena-bench presets --show NAME` prints is exactly what runs. Four mirror the original crate's
// benchmark cases (spec section 4.1), four are realistic traffic shapes. Each lists fixed and buddy
// geometries that fit its sizes next to the heap peers and runs for a few seconds per allocator.
// The one thing not to get wrong: every preset must parse and pass check_geometries (tested).
#include "arena/workloads/presets.hpp"

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace arena::workloads {
namespace {

struct PresetText {
  const char* name;
  const char* summary;
  const char* json;
};

// The crate's constants: fixed arena 65536 x 4096 B; buddy exact(64 MiB, 256 B); contention
// writes 1024 B; auto-spill arena 65536 x 1024 B writing 2048 / 8192 B; buddy size cycle below.
constexpr PresetText kPresets[] = {
    {"roundtrip", "crate fixed_roundtrip/buddy_roundtrip: 1 thread, allocate-write-freeze-drop of 1 KiB",
     R"({
  "description": "The original crate's fixed_roundtrip and buddy_roundtrip cases: one thread allocates, writes the whole request, freezes and drops it at once. The crate also ran 256, 4096 and 16384 bytes: --set sizes.size=256.",
  "seed": 1, "threads": 1, "duration_s": 1, "warmup_s": 0.1, "repetitions": 2,
  "sizes": {"kind": "constant", "size": 1024},
  "allocators": [
    {"name": "fixed-4k", "kind": "fixed", "slot_size": 4096, "slots": 65536},
    {"name": "buddy-64m", "kind": "buddy", "total": "64MiB", "min_block": 256},
    {"kind": "malloc"}, {"kind": "shared_vector"}, {"kind": "mimalloc"}, {"kind": "jemalloc"},
    {"kind": "tcmalloc"}, {"kind": "pmr"}, {"kind": "null"}
  ]
})"},
    {"contention-hold", "crate fixed_contention hold 75%: 4 threads, 1 KiB writes, 3/4 of the slots kept",
     R"({
  "description": "The original crate's fixed_contention/slots_65536_hold_75pct case: 4 threads write 1 KiB per operation while about 49152 buffers (75% of the 65536 slots) stay alive: each thread keeps 3 of 4 buffers for 16384 further operations (12288 live per thread). For the hold_0pct case: --set hold.fraction=0.",
  "seed": 1, "threads": 4, "duration_s": 1, "warmup_s": 0.2, "repetitions": 2,
  "sizes": {"kind": "constant", "size": 1024},
  "hold": {"fraction": 0.75, "ops": 16384, "max_live": 12288},
  "allocators": [
    {"name": "fixed-4k", "kind": "fixed", "slot_size": 4096, "slots": 65536},
    {"name": "fixed-1k", "kind": "fixed", "slot_size": 1024, "slots": 65536},
    {"name": "buddy-64m", "kind": "buddy", "total": "64MiB", "min_block": 256},
    {"kind": "malloc"}, {"kind": "shared_vector"}, {"kind": "mimalloc"}, {"kind": "jemalloc"}
  ]
})"},
    {"auto-spill", "crate fixed_auto_spill: 1 KiB slots overflowing to the heap with 2 KiB and 8 KiB writes",
     R"({
  "description": "The original crate's fixed_auto_spill/{2048,8192} cases in one run: a 65536 x 1 KiB arena with auto-spill receives 2 KiB and 8 KiB writes (half each), so every write spills to the heap; right-sized arenas and the heap are the comparison.",
  "seed": 1, "threads": 1, "duration_s": 1, "warmup_s": 0.1, "repetitions": 2,
  "sizes": {"kind": "empirical", "bins": [{"size": 2048, "weight": 1}, {"size": 8192, "weight": 1}]},
  "allocators": [
    {"name": "fixed-1k-spill", "kind": "fixed", "slot_size": 1024, "slots": 65536, "auto_spill": true},
    {"name": "fixed-8k", "kind": "fixed", "slot_size": "8KiB", "slots": 8192},
    {"name": "buddy-64m", "kind": "buddy", "total": "64MiB", "min_block": 256},
    {"kind": "malloc"}, {"kind": "shared_vector"}, {"kind": "jemalloc"}
  ]
})"},
    {"buddy-size-cycle", "crate buddy_contention hold 0%: 4 threads cycling 192 B .. 16 KiB, thread t from index t",
     R"({
  "description": "The original crate's buddy_contention/arena_64mb_hold_0pct case: each of 4 threads cycles through the sizes 192, 768, 2048, 6144, 12288, 3072, 512, 16384, thread t starting at index t (a trace laid out for 4 threads: with other thread counts the order differs). For hold_50pct: --set hold.fraction=0.5 --set hold.ops=4096.",
  "seed": 1, "threads": 4, "duration_s": 1, "warmup_s": 0.2, "repetitions": 2,
  "sizes": {"kind": "trace", "samples": [
    192, 768, 2048, 6144, 768, 2048, 6144, 12288, 2048, 6144, 12288, 3072, 6144, 12288, 3072, 512,
    12288, 3072, 512, 16384, 3072, 512, 16384, 192, 512, 16384, 192, 768, 16384, 192, 768, 2048]},
  "allocators": [
    {"name": "buddy-64m", "kind": "buddy", "total": "64MiB", "min_block": 256},
    {"name": "buddy-64m-min64", "kind": "buddy", "total": "64MiB", "min_block": 64},
    {"name": "fixed-16k", "kind": "fixed", "slot_size": "16KiB", "slots": 4096},
    {"kind": "malloc"}, {"kind": "shared_vector"}, {"kind": "mimalloc"}, {"kind": "jemalloc"}
  ]
})"},
    {"rpc-small", "small RPC messages: lognormal around 512 B (to 16 KiB), 4 threads, handed off and sliced",
     R"({
  "description": "Small RPC requests and responses: sizes lognormal with median 512 B (most between 128 B and 2 KiB, a tail to 16 KiB); an I/O thread hands half of them to another thread, a fifth are sliced (header and body), a third shared once more; 10% stay in flight for 200 us.",
  "seed": 1, "threads": 4, "duration_s": 1, "warmup_s": 0.1, "repetitions": 2,
  "sizes": {"kind": "lognormal", "median": 512, "sigma": 0.8, "min": 32, "max": "16KiB"},
  "hold": {"fraction": 0.1, "time_us": 200, "max_live": 256},
  "mix": {"write": 1, "copy": 0.3, "slice": 0.2, "into_owned": 0, "handoff": 0.5},
  "allocators": [
    {"name": "fixed-1k-spill", "kind": "fixed", "slot_size": 1024, "slots": 16384, "auto_spill": true},
    {"name": "fixed-16k", "kind": "fixed", "slot_size": "16KiB", "slots": 4096},
    {"name": "buddy-32m", "kind": "buddy", "total": "32MiB", "min_block": 64},
    {"kind": "malloc"}, {"kind": "shared_vector"}, {"kind": "mimalloc"}, {"kind": "jemalloc"}
  ]
})"},
    {"imix-packets", "network packets, IMIX-like 7:4:1 of 64 / 576 / 1500 B, queued and passed RX -> TX",
     R"({
  "description": "Network packet buffers with the simple IMIX mix (7 x 64 B, 4 x 576 B, 1 x 1500 B): 2 threads, a quarter of the packets queued for 64 further packets, 30% handed to the other thread, half sliced (headers stripped).",
  "seed": 1, "threads": 2, "duration_s": 1, "warmup_s": 0.1, "repetitions": 2,
  "sizes": {"kind": "empirical", "bins": [
    {"size": 64, "weight": 7}, {"size": 576, "weight": 4}, {"size": 1500, "weight": 1}]},
  "hold": {"fraction": 0.25, "ops": 64, "max_live": 4096},
  "mix": {"write": 1, "copy": 0, "slice": 0.5, "into_owned": 0, "handoff": 0.3},
  "allocators": [
    {"name": "fixed-2k", "kind": "fixed", "slot_size": 2048, "slots": 32768},
    {"name": "buddy-32m", "kind": "buddy", "total": "32MiB", "min_block": 64},
    {"kind": "malloc"}, {"kind": "shared_vector"}, {"kind": "pmr"}, {"kind": "tcmalloc"}
  ]
})"},
    {"kv-values", "key-value values: heavy-tailed Pareto from 64 B to 1 MiB, half kept for 10k ops",
     R"({
  "description": "Values of a key-value cache: Pareto sizes (scale 64 B, shape 1.1, up to 1 MiB: most small, a few very large), half of them cached for 10000 further operations, read by sharing (copy 0.5), 5% copied out to the heap. The 4 KiB fixed arena spills the tail to the heap; the buddy arena holds everything.",
  "seed": 1, "threads": 2, "duration_s": 1, "warmup_s": 0.1, "repetitions": 2,
  "sizes": {"kind": "pareto", "scale": 64, "shape": 1.1, "max": "1MiB"},
  "hold": {"fraction": 0.5, "ops": 10000, "max_live": 8192},
  "mix": {"write": 1, "copy": 0.5, "slice": 0, "into_owned": 0.05, "handoff": 0},
  "allocators": [
    {"name": "fixed-4k-spill", "kind": "fixed", "slot_size": "4KiB", "slots": 16384, "auto_spill": true},
    {"name": "buddy-128m", "kind": "buddy", "total": "128MiB", "min_block": 64},
    {"kind": "malloc"}, {"kind": "shared_vector"}, {"kind": "mimalloc"}, {"kind": "jemalloc"}
  ]
})"},
    {"streaming-chunks", "streaming: mostly full 64 KiB chunks plus short tails, a window of 32 in flight",
     R"({
  "description": "A streaming pipeline: 90% full 64 KiB chunks and 10% shorter final chunks (uniform up to 64 KiB); every chunk stays in flight for 32 further chunks (the window), half are handed from producer to consumer thread, half sliced into frames.",
  "seed": 1, "threads": 2, "duration_s": 1, "warmup_s": 0.1, "repetitions": 2,
  "sizes": {"kind": "mixture", "components": [
    {"weight": 9, "kind": "constant", "size": "64KiB"},
    {"weight": 1, "kind": "uniform", "min": 1, "max": "64KiB"}]},
  "hold": {"fraction": 1, "ops": 32, "max_live": 64},
  "mix": {"write": 1, "copy": 0, "slice": 0.5, "into_owned": 0, "handoff": 0.5},
  "allocators": [
    {"name": "fixed-64k", "kind": "fixed", "slot_size": "64KiB", "slots": 1024},
    {"name": "buddy-64m", "kind": "buddy", "total": "64MiB", "min_block": "4KiB"},
    {"kind": "malloc"}, {"kind": "shared_vector"}, {"kind": "mimalloc"}, {"kind": "jemalloc"}
  ]
})"},
};

std::vector<Preset> build_presets() {
  std::vector<Preset> list;
  for (const PresetText& text : kPresets) {
    nlohmann::json json = nlohmann::json::parse(text.json);
    json["name"] = text.name;
    list.push_back(Preset{text.name, text.summary, parse_profile(json, std::string("preset ") + text.name)});
  }
  return list;
}

}  // namespace

const std::vector<Preset>& presets() {
  static const std::vector<Preset> list = build_presets();
  return list;
}

const Preset& find_preset(std::string_view name) {
  std::string names;
  for (const Preset& preset : presets()) {
    if (preset.name == name) return preset;
    names += names.empty() ? preset.name : ", " + preset.name;
  }
  throw InputError("preset", "name", "one of " + names, "\"" + std::string(name) + "\"");
}

}  // namespace arena::workloads
