// Profile (profile.hpp): parsing and validating a workload profile from JSON, writing it back,
// --set overrides and the geometry check. The format is documented in docs/profile-format.md and
// docs/profile.schema.json; the size-distribution part lives in sizes_json.hpp. (A little over
// 500 lines: reading, writing and overriding share one JSON form and are kept side by side.)
// The one thing not to get wrong: every rejection is an InputError naming the field, and a key the
// parser does not know is a rejection too (a typo must never fall back to a default silently).
#include "arena/workloads/profile.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "arena/buddy_geometry.hpp"
#include "arena/workloads/json_document.hpp"
#include "json_fields.hpp"
#include "sizes_json.hpp"

namespace arena::workloads {
namespace {

using detail::fail;
using detail::field_path;
using detail::index_path;
using detail::Json;
using detail::ObjectFields;
using detail::Origin;
using detail::read_bool;
using detail::read_choice;
using detail::read_real;
using detail::read_size;
using detail::read_string;
using detail::read_whole;

constexpr unsigned kMaxThreads = 1024;
constexpr unsigned kMaxRepetitions = 1000;
constexpr double kMaxSeconds = 86400.0;

const std::vector<std::string> kAllocatorKindNames = {"fixed",    "buddy",    "shared_vector", "malloc", "mimalloc",
                                                      "jemalloc", "tcmalloc", "pmr",           "null"};

// "4KiB", "64MiB", "256" (bytes without a unit): a size as a geometry label shows it.
std::string compact_size(std::size_t bytes) {
  std::string text = format_byte_size(bytes);
  if (text.size() > 2 && text.substr(text.size() - 2) == " B") return text.substr(0, text.size() - 2);
  text.erase(std::remove(text.begin(), text.end(), ' '), text.end());
  return text;
}

std::string default_name(const AllocatorSpec& spec) {
  if (spec.kind != AllocatorKind::fixed && spec.kind != AllocatorKind::buddy) return std::string(to_string(spec.kind));
  std::string name = std::string(to_string(spec.kind)) + " " + spec.geometry();
  if (spec.auto_spill) name += " spill";
  if (spec.init == InitPolicy::zero) name += " zero";
  return name;
}

// --- Allocators ---

void read_arena_options(const ObjectFields& fields, AllocatorSpec& spec) {
  if (const Json* value = fields.find("auto_spill")) spec.auto_spill = read_bool(fields.origin(), fields.field("auto_spill"), *value);
  if (const Json* value = fields.find("init")) {
    spec.init = read_choice(fields.origin(), fields.field("init"), *value, {"uninit", "zero"}) == 0 ? InitPolicy::uninit
                                                                                                   : InitPolicy::zero;
  }
}

void read_buddy(const ObjectFields& fields, AllocatorSpec& spec) {
  const Origin& origin = fields.origin();
  const Json& total_value = fields.require("total", "the arena size in bytes");
  const Json& min_value = fields.require("min_block", "the smallest block in bytes");
  spec.total = read_size(origin, fields.field("total"), total_value);
  spec.min_block = read_size(origin, fields.field("min_block"), min_value);
  if (const Json* value = fields.find("geometry")) {
    spec.nearest = read_choice(origin, fields.field("geometry"), *value, {"exact", "nearest"}) == 1;
  }
  if (spec.min_block > spec.total) {
    fail(origin, fields.field("min_block"), "at most " + fields.field("total") + " (" + std::to_string(spec.total) + ")",
         min_value);
  }
  if (spec.nearest) {
    if (!BuddyGeometry::nearest(spec.total, spec.min_block)) {
      fail(origin, fields.field("total"), "a size whose power-of-two rounding fits in 64 bits", total_value);
    }
  } else if (!BuddyGeometry::exact(spec.total, spec.min_block)) {
    const std::string hint = " for an exact geometry (or \"geometry\": \"nearest\")";
    if (!std::has_single_bit(spec.min_block)) fail(origin, fields.field("min_block"), "a power of two" + hint, min_value);
    fail(origin, fields.field("total"),
         fields.field("min_block") + " (" + std::to_string(spec.min_block) + ") times a power of two" + hint,
         total_value);
  }
  read_arena_options(fields, spec);
}

AllocatorSpec read_allocator(const Origin& origin, const std::string& path, const Json& value) {
  if (!value.is_object()) fail(origin, path, "an allocator object with a \"kind\"", value);
  const auto kind_value = value.find("kind");
  if (kind_value == value.end()) {
    throw InputError(origin.source, field_path(path, "kind"), "one of " + detail::join(kAllocatorKindNames) + " (required)",
                     "nothing");
  }
  AllocatorSpec spec;
  spec.kind = static_cast<AllocatorKind>(read_choice(origin, field_path(path, "kind"), *kind_value, kAllocatorKindNames));
  std::vector<std::string> allowed = {"name", "kind"};
  if (spec.kind == AllocatorKind::fixed) allowed.insert(allowed.end(), {"slot_size", "slots", "auto_spill", "init"});
  if (spec.kind == AllocatorKind::buddy) {
    allowed.insert(allowed.end(), {"total", "min_block", "geometry", "auto_spill", "init"});
  }
  const ObjectFields fields(origin, path, value, allowed);
  if (spec.kind == AllocatorKind::fixed) {
    spec.slot_size = read_size(origin, fields.field("slot_size"), fields.require("slot_size", "the slot size in bytes"));
    const Json& slots = fields.require("slots", "the number of slots");
    spec.slot_count = static_cast<std::size_t>(read_whole(origin, fields.field("slots"), slots, 1, std::uint64_t{1} << 40));
    if (spec.slot_count > SIZE_MAX / spec.slot_size) {
      fail(origin, fields.field("slots"), "a slot count whose total size (slots x slot_size) fits in 64 bits", slots);
    }
    read_arena_options(fields, spec);
  } else if (spec.kind == AllocatorKind::buddy) {
    read_buddy(fields, spec);
  }
  if (const Json* name = fields.find("name")) {
    spec.name = read_string(origin, fields.field("name"), *name);
  } else {
    spec.name = default_name(spec);
  }
  return spec;
}

// --- Profile ---

void read_hold(const Origin& origin, const Json& value, HoldModel& hold) {
  const ObjectFields fields(origin, "hold", value, {"fraction", "ops", "time_us", "max_live"});
  if (const Json* v = fields.find("fraction")) hold.fraction = read_real(origin, fields.field("fraction"), *v, 0, 1);
  fields.at_most_one("ops", "time_us");
  if (const Json* v = fields.find("ops")) hold.ops = read_whole(origin, fields.field("ops"), *v, 1);
  if (const Json* v = fields.find("time_us")) {
    const double us = read_real(origin, fields.field("time_us"), *v, 0, kMaxSeconds * 1e6, false);
    hold.time_ns = static_cast<std::uint64_t>(std::llround(us * 1000.0));
    if (hold.time_ns == 0) fail(origin, fields.field("time_us"), "at least 0.001 (one nanosecond)", *v);
  }
  if (const Json* v = fields.find("max_live")) hold.max_live = read_whole(origin, fields.field("max_live"), *v, 1, 1u << 24);
  if (hold.fraction > 0.0 && hold.ops == 0 && hold.time_ns == 0) {
    throw InputError(origin.source, "hold.ops",
                     "how long kept buffers live when hold.fraction > 0: hold.ops (operations) or hold.time_us", "neither");
  }
}

void read_mix(const Origin& origin, const Json& value, OperationMix& mix) {
  const ObjectFields fields(origin, "mix", value, {"write", "copy", "slice", "into_owned", "handoff"});
  const auto probability = [&](const char* key, double& out) {
    if (const Json* v = fields.find(key)) out = read_real(origin, fields.field(key), *v, 0, 1);
  };
  probability("write", mix.write);
  probability("copy", mix.copy);
  probability("slice", mix.slice);
  probability("into_owned", mix.into_owned);
  probability("handoff", mix.handoff);
}

NumaPlacement read_numa(const Origin& origin, const Json& value) {
  const ObjectFields fields(origin, "numa", value, {"nodes", "placement", "max_remote"});
  NumaPlacement numa;
  if (const Json* nodes = fields.find("nodes")) {
    if (!nodes->is_array()) fail(origin, "numa.nodes", "an array of NUMA node numbers (empty: all nodes)", *nodes);
    std::set<unsigned> seen;
    for (std::size_t i = 0; i < nodes->size(); ++i) {
      const auto node = static_cast<unsigned>(read_whole(origin, index_path("numa.nodes", i), (*nodes)[i], 0, 4095));
      if (!seen.insert(node).second) fail(origin, index_path("numa.nodes", i), "each node once", (*nodes)[i]);
      numa.nodes.push_back(node);
    }
  }
  if (const Json* v = fields.find("placement")) {
    numa.policy = read_choice(origin, "numa.placement", *v, {"local", "interleaved"}) == 0
                      ? NumaPlacement::Policy::local
                      : NumaPlacement::Policy::interleaved;
  }
  if (const Json* v = fields.find("max_remote")) {
    numa.max_remote = static_cast<unsigned>(read_whole(origin, "numa.max_remote", *v, 0, 4096));
  }
  return numa;
}

Profile read_profile(const Json& json, const Origin& origin) {
  const ObjectFields root(origin, "", json,
                          {"$schema", "name", "description", "seed", "threads", "duration_s", "operations", "warmup_s",
                           "warmup_operations", "repetitions", "sizes", "hold", "mix", "numa", "allocators",
                           "sample_interval_ms"});
  Profile p;
  if (const Json* v = root.find("$schema")) (void)read_string(origin, "$schema", *v, true);
  if (const Json* v = root.find("name")) p.name = read_string(origin, "name", *v);
  if (const Json* v = root.find("description")) p.description = read_string(origin, "description", *v, true);
  if (const Json* v = root.find("seed")) p.seed = read_whole(origin, "seed", *v, 0);
  if (const Json* v = root.find("threads")) p.threads = static_cast<unsigned>(read_whole(origin, "threads", *v, 1, kMaxThreads));

  root.at_most_one("duration_s", "operations");
  if (const Json* v = root.find("duration_s")) {
    p.duration_s = read_real(origin, "duration_s", *v, 0, kMaxSeconds, false);
  } else if (const Json* ops = root.find("operations")) {
    p.operations = read_whole(origin, "operations", *ops, 1);
  } else {
    throw InputError(origin.source, "duration_s",
                     "how long to run: duration_s (seconds) or operations (per thread), one of them", "neither");
  }
  root.at_most_one("warmup_s", "warmup_operations");
  if (const Json* v = root.find("warmup_s")) p.warmup_s = read_real(origin, "warmup_s", *v, 0, kMaxSeconds);
  if (const Json* v = root.find("warmup_operations")) p.warmup_operations = read_whole(origin, "warmup_operations", *v, 0);
  if (const Json* v = root.find("repetitions")) {
    p.repetitions = static_cast<unsigned>(read_whole(origin, "repetitions", *v, 1, kMaxRepetitions));
  }
  p.sizes = detail::sizes_json::read(origin, "sizes", root.require("sizes", "a size distribution"), false);
  if (const Json* v = root.find("hold")) read_hold(origin, *v, p.hold);
  if (const Json* v = root.find("mix")) read_mix(origin, *v, p.mix);
  if (const Json* v = root.find("numa")) p.numa = read_numa(origin, *v);

  const Json& allocators = root.require("allocators", "a non-empty array of allocators");
  if (!allocators.is_array() || allocators.empty()) {
    fail(origin, "allocators", "a non-empty array of allocators", allocators);
  }
  for (std::size_t i = 0; i < allocators.size(); ++i) {
    const std::string path = index_path("allocators", i);
    AllocatorSpec spec = read_allocator(origin, path, allocators[i]);
    for (const AllocatorSpec& earlier : p.allocators) {
      if (earlier.name == spec.name) {
        throw InputError(origin.source, field_path(path, "name"),
                         "a name no other allocator has (set \"name\" to tell them apart)", "\"" + spec.name + "\"");
      }
    }
    p.allocators.push_back(std::move(spec));
  }
  if (const Json* v = root.find("sample_interval_ms")) {
    p.sample_interval_ms = read_whole(origin, "sample_interval_ms", *v, 0, 3600000);
  }
  check_geometries(p, origin.source);
  return p;
}

}  // namespace

std::string_view to_string(AllocatorKind kind) noexcept {
  const auto index = static_cast<std::size_t>(kind);
  return index < kAllocatorKindNames.size() ? std::string_view(kAllocatorKindNames[index]) : std::string_view("?");
}

std::optional<AllocatorKind> allocator_kind_from_string(std::string_view text) noexcept {
  for (std::size_t i = 0; i < kAllocatorKindNames.size(); ++i) {
    if (kAllocatorKindNames[i] == text) return static_cast<AllocatorKind>(i);
  }
  return std::nullopt;
}

std::string AllocatorSpec::geometry() const {
  switch (kind) {
    case AllocatorKind::fixed:
      return std::to_string(slot_count) + "x" + compact_size(slot_size);  // as compare's --fixed COUNTxSIZE
    case AllocatorKind::buddy:
      return compact_size(total) + "/" + compact_size(min_block) + (nearest ? " nearest" : " exact");
    default:
      return std::string(to_string(kind));
  }
}

Profile parse_profile(const nlohmann::json& json, const std::string& source) {
  // Relative trace files: against the directory of `source` when it has one, else the working directory.
  return read_profile(json, Origin{source, std::filesystem::path(source).parent_path().string()});
}

Profile load_profile(const std::string& path) {
  JsonFileKind kind;
  kind.noun = "profile";
  kind.field = "";  // "prof.json: expected a readable profile file, got ..."
  // Duplicate keys are rejected (nlohmann would keep the last one silently).
  std::vector<std::set<std::string>> open_objects;
  const Json::parser_callback_t reject_duplicates = [&](int /*depth*/, Json::parse_event_t event, Json& parsed) {
    if (event == Json::parse_event_t::object_start) {
      open_objects.emplace_back();
    } else if (event == Json::parse_event_t::object_end && !open_objects.empty()) {
      open_objects.pop_back();
    } else if (event == Json::parse_event_t::key && !open_objects.empty()) {
      const auto& key = parsed.get_ref<const std::string&>();
      if (!open_objects.back().insert(key).second) {
        throw InputError(path, key, "each key once per object", "a duplicate key \"" + key + "\"");
      }
    }
    return true;
  };
  Json json = read_json_file(path, kind, reject_duplicates);
  if (json.is_object() && !json.contains("name")) {
    // A profile without a name is called after its file.
    json["name"] = std::filesystem::path(path).stem().string();
  }
  return parse_profile(json, path);
}

nlohmann::json to_json(const SizeDistribution& sizes) { return detail::sizes_json::to_json(sizes); }

nlohmann::json to_json(const Profile& p) {
  Json j = Json::object();
  j["name"] = p.name;
  j["description"] = p.description;
  j["seed"] = p.seed;
  j["threads"] = p.threads;
  if (p.duration_s) j["duration_s"] = *p.duration_s;
  if (p.operations) j["operations"] = *p.operations;
  if (p.warmup_operations > 0) {
    j["warmup_operations"] = p.warmup_operations;
  } else {
    j["warmup_s"] = p.warmup_s;
  }
  j["repetitions"] = p.repetitions;
  j["sizes"] = to_json(p.sizes);
  Json hold = {{"fraction", p.hold.fraction}, {"max_live", p.hold.max_live}};
  if (p.hold.ops > 0) hold["ops"] = p.hold.ops;
  if (p.hold.time_ns > 0) {
    if (p.hold.time_ns % 1000 == 0) {
      hold["time_us"] = p.hold.time_ns / 1000;
    } else {
      hold["time_us"] = static_cast<double>(p.hold.time_ns) / 1000.0;
    }
  }
  j["hold"] = std::move(hold);
  j["mix"] = {{"write", p.mix.write},
              {"copy", p.mix.copy},
              {"slice", p.mix.slice},
              {"into_owned", p.mix.into_owned},
              {"handoff", p.mix.handoff}};
  if (p.numa) {
    j["numa"] = {{"nodes", p.numa->nodes},
                 {"placement", p.numa->policy == NumaPlacement::Policy::local ? "local" : "interleaved"},
                 {"max_remote", p.numa->max_remote}};
  }
  Json allocators = Json::array();
  for (const AllocatorSpec& spec : p.allocators) {
    Json a = {{"name", spec.name}, {"kind", std::string(to_string(spec.kind))}};
    if (spec.kind == AllocatorKind::fixed) {
      a["slot_size"] = spec.slot_size;
      a["slots"] = spec.slot_count;
    } else if (spec.kind == AllocatorKind::buddy) {
      a["total"] = spec.total;
      a["min_block"] = spec.min_block;
      a["geometry"] = spec.nearest ? "nearest" : "exact";
    }
    if (spec.kind == AllocatorKind::fixed || spec.kind == AllocatorKind::buddy) {
      a["auto_spill"] = spec.auto_spill;
      a["init"] = spec.init == InitPolicy::zero ? "zero" : "uninit";
    }
    allocators.push_back(std::move(a));
  }
  j["allocators"] = std::move(allocators);
  j["sample_interval_ms"] = p.sample_interval_ms;
  return j;
}

namespace {

// One step of a --set path: a key, or an index into an array.
struct PathStep {
  std::string key;
  std::size_t index = 0;
  bool is_index = false;
};

std::vector<PathStep> parse_override_path(const std::string& key) {
  const auto bad = [&] {
    return InputError("--set", key, "a dotted path such as hold.fraction or allocators[0].slots");
  };
  std::vector<PathStep> steps;
  std::size_t i = 0;
  bool expect_key = true;
  while (i < key.size()) {
    if (key[i] == '[') {
      const std::size_t close = key.find(']', i);
      if (close == std::string::npos || close == i + 1 || steps.empty()) throw bad();
      std::size_t index = 0;
      for (std::size_t k = i + 1; k < close; ++k) {
        if (key[k] < '0' || key[k] > '9' || index > 1000000) throw bad();
        index = index * 10 + static_cast<std::size_t>(key[k] - '0');
      }
      steps.push_back({"", index, true});
      i = close + 1;
      expect_key = false;
    } else if (key[i] == '.') {
      if (expect_key) throw bad();
      expect_key = true;
      ++i;
    } else {
      if (!expect_key) throw bad();
      const std::size_t end = key.find_first_of(".[]", i);
      const std::size_t stop = end == std::string::npos ? key.size() : end;
      if (stop == i || key[stop - 1] == ']') throw bad();
      steps.push_back({key.substr(i, stop - i), 0, false});
      i = stop;
      expect_key = false;
    }
  }
  if (steps.empty() || expect_key) throw bad();
  return steps;
}

std::string trimmed(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t");
  return std::string(text.substr(first, last - first + 1));
}

// Keys of which a profile object holds one at most: setting one removes the other.
constexpr std::pair<std::string_view, std::string_view> kExclusive[] = {
    {"duration_s", "operations"}, {"warmup_s", "warmup_operations"}, {"ops", "time_us"},
    {"file", "samples"},          {"mu", "median"},
};

}  // namespace

void apply_override(Profile& profile, std::string_view assignment) {
  const std::size_t equals = assignment.find('=');
  if (equals == std::string_view::npos) {
    throw InputError("--set", trimmed(assignment), "KEY=VALUE, e.g. threads=4 or hold.fraction=0.5", "no '='");
  }
  const std::string key = trimmed(assignment.substr(0, equals));
  const std::string text = trimmed(assignment.substr(equals + 1));
  const std::vector<PathStep> steps = parse_override_path(key);

  Json value;
  try {
    value = Json::parse(text);
  } catch (const Json::exception&) {
    value = text;  // not JSON: a string ("64KiB", "malloc", a name)
  }

  Json document = to_json(profile);
  Json* node = &document;
  for (std::size_t s = 0; s + 1 < steps.size(); ++s) {
    const PathStep& step = steps[s];
    if (step.is_index) {
      if (!node->is_array() || step.index >= node->size()) {
        throw InputError("--set", key, "an index below the array's length", std::to_string(step.index));
      }
      node = &(*node)[step.index];
    } else {
      if (!node->is_object()) throw InputError("--set", key, "a path through JSON objects", detail::shown(*node));
      if (!node->contains(step.key)) (*node)[step.key] = Json::object();
      node = &(*node)[step.key];
    }
  }
  const PathStep& last = steps.back();
  if (last.is_index) {
    if (!node->is_array() || last.index > node->size()) {
      throw InputError("--set", key, "an index at most the array's length", std::to_string(last.index));
    }
    if (value.is_null()) {
      if (last.index < node->size()) node->erase(last.index);
    } else if (last.index == node->size()) {
      node->push_back(std::move(value));
    } else {
      (*node)[last.index] = std::move(value);
    }
  } else {
    if (!node->is_object()) throw InputError("--set", key, "a path through JSON objects", detail::shown(*node));
    if (value.is_null()) {
      node->erase(last.key);
    } else {
      (*node)[last.key] = std::move(value);
      for (const auto& [a, b] : kExclusive) {
        if (last.key == a) node->erase(std::string(b));
        if (last.key == b) node->erase(std::string(a));
      }
    }
  }
  profile = read_profile(document, Origin{"--set", ""});
}

void check_geometries(const Profile& profile, const std::string& source) {
  const std::size_t largest = profile.sizes.max_size();
  for (std::size_t i = 0; i < profile.allocators.size(); ++i) {
    const AllocatorSpec& spec = profile.allocators[i];
    const std::string path = index_path("allocators", i);
    if (spec.kind == AllocatorKind::fixed && !spec.auto_spill && spec.slot_size < largest) {
      throw InputError(source, path + ".slot_size",
                       "at least the largest request (" + std::to_string(largest) +
                           " bytes, from sizes) or \"auto_spill\": true",
                       std::to_string(spec.slot_size));
    }
    if (spec.kind == AllocatorKind::buddy) {
      std::size_t total = spec.total;
      if (spec.nearest) {
        const auto geometry = BuddyGeometry::nearest(spec.total, spec.min_block);
        if (geometry) total = geometry.value().total_size();
      }
      if (total < largest) {
        throw InputError(source, path + ".total",
                         "at least the largest request (" + std::to_string(largest) + " bytes, from sizes)",
                         std::to_string(spec.total));
      }
    }
  }
}

}  // namespace arena::workloads
