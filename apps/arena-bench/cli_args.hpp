// cli_args: the pieces of command line that several subcommands share, and the small languages
// arena-bench accepts in flags: where the profile comes from (PROFILE or --preset NAME, then
// --set/--threads/--duration/--operations/--repetitions overrides), where the report goes (-o,
// --html, --table, --quiet, --progress), and compare's geometry specs (--fixed COUNTxSIZE, --buddy
// TOTAL/MIN, --peers LIST). Every mistake is a workloads::InputError naming the flag, never a
// silent default; nothing here runs a workload.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "arena/workloads/input_error.hpp"
#include "arena/workloads/profile.hpp"

namespace arena::bench {

// What setup_X hands back to main: the CLI11 subcommand, and what to run when it was chosen
// (called after parsing with the command line as typed; returns the exit status).
struct Command {
  CLI::App* app = nullptr;
  std::function<int(const std::string& command_line)> action;
};

// PROFILE | --preset NAME, and the overrides applied to it.
struct ProfileArgs {
  std::string path;               // PROFILE (a JSON file)
  std::string preset;             // --preset NAME
  std::vector<std::string> sets;  // --set KEY=VALUE, in the order given
  // Shorthands for --set, kept as text so that the profile's own validation judges them.
  std::string threads;      // --threads N      = --set threads=N
  std::string duration;     // --duration S     = --set duration_s=S
  std::string operations;   // --operations N   = --set operations=N
  std::string repetitions;  // --repetitions N  = --set repetitions=N
};
// Adds the positional PROFILE and the flags above to `app` (PROFILE and --preset exclude each other,
// as do --duration and --operations).
void add_profile_args(CLI::App& app, ProfileArgs& args);
// The name errors about the profile use: the file, or "preset NAME".
std::string profile_source(const ProfileArgs& args);
// Loads the file or the preset, applies the --set overrides in order, then the shorthands.
// Throws InputError: neither or both of PROFILE and --preset, a directory, an unreadable or invalid
// file, an unknown preset, a bad override (named after the flag that carried it).
workloads::Profile resolve_profile(const ProfileArgs& args, const std::string& command);

// Where the report goes and what else is shown on stderr.
struct OutputArgs {
  std::string path;       // -o FILE; empty: the JSON goes to stdout
  bool table = false;     // --table: the summary table even when stderr is not a terminal
  bool quiet = false;     // --quiet: neither table nor progress bar
  bool progress = false;  // --progress: the progress bar even when stderr is not a terminal
  std::string html_path;  // --html FILE: also the report as an HTML page (html_report.hpp); empty: none
};
void add_output_args(CLI::App& app, OutputArgs& args);

// "--fixed COUNTxSIZE[,spill][,zero]", e.g. "65536x4KiB" or "1024x1KiB,spill": a fixed-arena
// allocator entry in the profile's JSON form ({"kind": "fixed", "slots": ..., "slot_size": ...}).
// Throws InputError("--fixed TEXT", part, expected) when it does not parse.
nlohmann::json parse_fixed_spec(const std::string& text);
// "--buddy TOTAL/MIN[,nearest][,spill][,zero]", e.g. "64MiB/256": a buddy-arena entry.
nlohmann::json parse_buddy_spec(const std::string& text);
// "--peers LIST": comma-separated heap allocator kinds (malloc, shared_vector, mimalloc, jemalloc,
// tcmalloc, pmr, null), each once.
std::vector<workloads::AllocatorKind> parse_peer_list(const std::string& text);
// The heap peers compare adds by default.
const std::vector<workloads::AllocatorKind>& default_peers();

// The same error told from another point of view: `source` (and `field`, when not empty) replace
// the error's own, what was expected and what was found stay. For errors the library raises about
// a value the user gave through another flag (e.g. "--set" -> "--threads").
workloads::InputError restate(const workloads::InputError& error, const std::string& source, const std::string& field);
// The same with what was expected put in other words too.
workloads::InputError restate(const workloads::InputError& error, const std::string& source, const std::string& field,
                              const std::string& expected);

// The command line as a shell would re-read it (arguments quoted where needed), for the report.
std::string command_line(int argc, const char* const* argv);

}  // namespace arena::bench
