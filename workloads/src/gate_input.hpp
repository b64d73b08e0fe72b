// gate_input (private): how the gate reads its two inputs - arena-bench reports and Google
// Benchmark JSON files - into GateSide (gate.hpp). Declared here for the white-box tests, which
// build synthetic documents and check what is extracted from them. The one thing not to get wrong:
// a repetition that failed is counted (failed_runs), never averaged in as a zero.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "arena/workloads/gate.hpp"
#include "arena/workloads/report.hpp"

namespace arena::workloads::detail {

// An arena-bench report: one case per allocator name (records grouped by it, in order of first
// appearance; status ok records are the repetitions, failed ones count in failed_runs, skipped ones
// become a note). Metrics: ops_per_s (higher is better), allocate.p50_ns and allocate.p99_ns
// (lower is better); and, when the profile is a deterministic run (deterministic_profile_key), the
// figures spills, failures, internal_fragmentation_bytes (lower is better) and
// largest_free_block_min (higher is better).
GateSide side_from_report(const Report& report, const std::string& source);

// A Google Benchmark JSON file: one case per run_name, its repetitions the entries with run_type
// "iteration" (entries without run_type are taken as iterations, named by "name"); real_time and
// cpu_time in ns (converted from time_unit; lower is better), items_per_second when present
// (higher is better). Entries with error_occurred count in failed_runs. Throws InputError when
// "benchmarks" is not an array of objects, a field has the wrong type, or the file holds only
// aggregates (run with --benchmark_repetitions=N, without --benchmark_report_aggregates_only).
GateSide side_from_google_benchmark(const nlohmann::json& json, const std::string& source);

// The profile as run, without "repetitions", as text - when the profile is one whose deterministic
// figures repeat exactly: one thread, an operation count (not a duration), no time-based hold and
// no time-based warm-up. Empty otherwise.
std::string deterministic_profile_key(const nlohmann::json& profile);

// Google Benchmark writes non-finite numbers as bare NaN, Infinity or -Infinity (e.g. the "cv"
// aggregate of a zero counter), which is not JSON. Returns `text` with such tokens outside strings
// replaced by null (same line and column layout otherwise); `replaced` counts them.
std::string replace_non_finite(const std::string& text, std::size_t& replaced);

}  // namespace arena::workloads::detail
