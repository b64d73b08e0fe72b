// Fuzz target: the small flag languages of arena-bench (apps/arena-bench/cli_args.cpp, compiled in
// directly). The first byte picks the entry point, the rest is the flag's text:
//   0 --fixed COUNTxSIZE[,opts]   1 --buddy TOTAL/MIN[,opts]   2 --peers LIST
//   3 --set KEY=VALUE lines (and the --threads/--duration/... shorthands) on a preset, resolve_profile
//   4 parse_byte_size
// The only acceptable failure is InputError; a spec that parses must yield an allocator entry the
// profile parser accepts or refuses with InputError. Anything else aborts: a finding.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "arena/workloads/input_error.hpp"
#include "arena/workloads/profile.hpp"
#include "cli_args.hpp"

namespace {

namespace wl = arena::workloads;
namespace bench = arena::bench;

[[noreturn]] void finding(const char* what, const std::string& detail) {
  std::fprintf(stderr, "fuzz_cli_specs: %s: %s\n", what, detail.c_str());
  std::abort();
}

std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    lines.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

// A spec's JSON entry inside a minimal profile: parse_profile must accept it or say why.
void check_entry(const nlohmann::json& entry, const std::string& text) {
  if (!entry.is_object() || !entry.contains("kind")) finding("spec gave no allocator entry", text);
  nlohmann::json profile = {{"operations", 1}, {"sizes", {{"kind", "constant"}, {"size", 1}}},
                            {"allocators", nlohmann::json::array({entry})}};
  try {
    (void)wl::parse_profile(profile, "fuzz");
  } catch (const wl::InputError&) {
  }
}

void run_overrides(const std::vector<std::string>& lines) {
  bench::ProfileArgs args;
  args.preset = "roundtrip";
  // Line 0..3: the shorthands; the rest: --set assignments.
  std::string* shorthands[] = {&args.threads, &args.duration, &args.operations, &args.repetitions};
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i < 4) *shorthands[i] = lines[i];
    else args.sets.push_back(lines[i]);
  }
  const wl::Profile profile = bench::resolve_profile(args, "fuzz");
  // What resolve_profile returns is a valid profile: it re-parses.
  try {
    (void)wl::parse_profile(wl::to_json(profile), "fuzz");
  } catch (const wl::InputError& e) {
    finding("resolved profile does not re-parse", e.what());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const unsigned selector = data[0] % 5u;
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    switch (selector) {
      case 0: check_entry(bench::parse_fixed_spec(text), text); break;
      case 1: check_entry(bench::parse_buddy_spec(text), text); break;
      case 2: {
        const auto kinds = bench::parse_peer_list(text);
        if (kinds.empty()) finding("--peers accepted an empty list", text);
        break;
      }
      case 3: run_overrides(lines_of(text)); break;
      default: {
        const std::size_t bytes = wl::parse_byte_size(text, "fuzz", "size", (size & 1) != 0);
        if (bytes == 0 && (size & 1) == 0) finding("parse_byte_size gave 0 without allow_zero", text);
        break;
      }
    }
  } catch (const wl::InputError&) {
    // the expected way to refuse
  } catch (const std::exception& e) {
    finding("threw something other than InputError", text + " -> " + e.what());
  }
  return 0;
}
