// cli_args (cli_args.hpp): shared flags of run and compare, and the parsers of the geometry specs
// of compare. Validation of values that end up in the profile (thread counts, durations, slot
// counts, buddy shapes) is left to the workloads library, so that a flag and the same key in a
// profile file are judged by the same rule; only the syntax of the specs is checked here.
#include "cli_args.hpp"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <string_view>
#include <system_error>

#include "arena/workloads/presets.hpp"

namespace arena::bench {
namespace {

using workloads::AllocatorKind;
using workloads::InputError;

std::string in_quotes(std::string_view text) { return "\"" + std::string(text) + "\""; }

std::string trimmed(std::string_view text) {
  const auto space = [](char c) { return c == ' ' || c == '\t'; };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  return std::string(text);
}

std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  std::size_t begin = 0;
  while (true) {
    const std::size_t end = text.find(separator, begin);
    parts.push_back(trimmed(text.substr(begin, end == std::string_view::npos ? std::string_view::npos : end - begin)));
    if (end == std::string_view::npos) break;
    begin = end + 1;
  }
  return parts;
}

// A whole number >= 1 written in decimal digits.
std::uint64_t parse_count(const std::string& text, const std::string& source, const std::string& field) {
  const std::string expected = "a whole number >= 1";
  if (text.empty() || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    throw InputError(source, field, expected, in_quotes(text));
  }
  std::uint64_t value = 0;
  for (char c : text) {
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) {
      throw InputError(source, field, expected + " that fits in 64 bits", in_quotes(text));
    }
    value = value * 10 + digit;
  }
  if (value == 0) throw InputError(source, field, expected, in_quotes(text));
  return value;
}

// Applies the ",option" suffixes of a geometry spec to its JSON entry.
void apply_spec_options(nlohmann::json& entry, const std::vector<std::string>& options, bool buddy,
                        const std::string& source) {
  for (const std::string& option : options) {
    if (option == "spill") {
      entry["auto_spill"] = true;
    } else if (option == "zero") {
      entry["init"] = "zero";
    } else if (buddy && option == "nearest") {
      entry["geometry"] = "nearest";
    } else if (buddy && option == "exact") {
      entry["geometry"] = "exact";
    } else {
      throw InputError(source, "option", buddy ? "one of nearest, exact, spill, zero" : "one of spill, zero",
                       in_quotes(option));
    }
  }
}

// The shorthand flags are --set under another name; their errors are told as the flag's.
void apply_shorthand(workloads::Profile& profile, const std::string& flag, const std::string& key,
                     const std::string& value) {
  if (value.empty()) return;
  try {
    workloads::apply_override(profile, key + "=" + value);
  } catch (const InputError& e) {
    throw restate(e, flag, e.field() == key ? std::string() : e.field());
  }
}

bool plain_shell_word(std::string_view word) {
  if (word.empty()) return false;
  return std::all_of(word.begin(), word.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("_-./=:,+@%").find(c) != std::string_view::npos;
  });
}

}  // namespace

void add_profile_args(CLI::App& app, ProfileArgs& args) {
  CLI::Option* path =
      app.add_option("PROFILE", args.path, "Workload profile, a JSON file (docs/profile-format.md)")->type_name("FILE");
  CLI::Option* preset =
      app.add_option("--preset", args.preset, "A built-in profile instead of a file (arena-bench presets)")
          ->type_name("NAME");
  path->excludes(preset);
  app.add_option("--set", args.sets,
                 "Override one profile field, e.g. threads=4, hold.fraction=0.5, sizes.max=64KiB, "
                 "allocators[0].slots=1024 (repeatable, applied in order)")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false);
  app.add_option("--threads", args.threads, "Worker threads (= --set threads=N)")->type_name("N");
  CLI::Option* duration =
      app.add_option("--duration", args.duration, "Measured seconds per run (= --set duration_s=S)")->type_name("S");
  CLI::Option* operations = app.add_option("--operations", args.operations,
                                           "Operations per thread instead of a duration (= --set operations=N)")
                                ->type_name("N");
  duration->excludes(operations);
  app.add_option("--repetitions", args.repetitions, "Runs of each allocator (= --set repetitions=N)")->type_name("N");
}

std::string profile_source(const ProfileArgs& args) {
  return args.preset.empty() ? args.path : "preset " + args.preset;
}

workloads::Profile resolve_profile(const ProfileArgs& args, const std::string& command) {
  if (args.path.empty() && args.preset.empty()) {
    throw InputError(command, "PROFILE", "a profile file or --preset NAME (arena-bench presets lists them)", "neither");
  }
  workloads::Profile profile;
  if (!args.preset.empty()) {
    profile = workloads::find_preset(args.preset).profile;
  } else {
    std::error_code ignored;
    if (std::filesystem::is_directory(args.path, ignored)) {
      throw InputError(args.path, "", "a profile file (JSON)", "a directory");
    }
    profile = workloads::load_profile(args.path);
  }
  for (const std::string& assignment : args.sets) workloads::apply_override(profile, assignment);
  apply_shorthand(profile, "--threads", "threads", args.threads);
  apply_shorthand(profile, "--duration", "duration_s", args.duration);
  apply_shorthand(profile, "--operations", "operations", args.operations);
  apply_shorthand(profile, "--repetitions", "repetitions", args.repetitions);
  return profile;
}

void add_output_args(CLI::App& app, OutputArgs& args) {
  app.add_option("-o,--output", args.path,
                 "Write the JSON report to FILE (atomically: a temporary file renamed at the end) instead of stdout")
      ->type_name("FILE");
  CLI::Option* quiet = app.add_flag("-q,--quiet", args.quiet, "No table and no progress bar on stderr");
  app.add_flag("--table", args.table, "Print the summary table on stderr even when it is not a terminal")
      ->excludes(quiet);
  app.add_flag("--progress", args.progress, "Show the progress bar even when stderr is not a terminal")
      ->excludes(quiet);
  app.add_option("--html", args.html_path,
                 "Also write the report as a self-contained HTML page to FILE (atomically; see arena-bench report)")
      ->type_name("FILE")
      ->check(CLI::Validator([](std::string& value) { return value.empty() ? std::string("an empty path") : ""; },
                             "FILE", "non-empty"));
}

nlohmann::json parse_fixed_spec(const std::string& text) {
  const std::string source = "--fixed " + text;
  std::vector<std::string> parts = split(text, ',');
  const std::string geometry = parts.front();
  parts.erase(parts.begin());
  const std::size_t x = geometry.find_first_of("xX");
  if (x == std::string::npos) {
    throw InputError(source, "", "COUNTxSIZE[,spill][,zero] such as 65536x4KiB (slot count x slot size)",
                     in_quotes(text));
  }
  const std::uint64_t count = parse_count(trimmed(geometry.substr(0, x)), source, "COUNT");
  const std::size_t size = workloads::parse_byte_size(trimmed(geometry.substr(x + 1)), source, "SIZE");
  nlohmann::json entry = {{"kind", "fixed"}, {"slot_size", size}, {"slots", count}};
  apply_spec_options(entry, parts, false, source);
  return entry;
}

nlohmann::json parse_buddy_spec(const std::string& text) {
  const std::string source = "--buddy " + text;
  std::vector<std::string> parts = split(text, ',');
  const std::string geometry = parts.front();
  parts.erase(parts.begin());
  const std::size_t slash = geometry.find('/');
  if (slash == std::string::npos) {
    throw InputError(source, "", "TOTAL/MIN[,nearest][,spill][,zero] such as 64MiB/256 (arena size / smallest block)",
                     in_quotes(text));
  }
  const std::size_t total = workloads::parse_byte_size(trimmed(geometry.substr(0, slash)), source, "TOTAL");
  const std::size_t min_block = workloads::parse_byte_size(trimmed(geometry.substr(slash + 1)), source, "MIN");
  nlohmann::json entry = {{"kind", "buddy"}, {"total", total}, {"min_block", min_block}};
  apply_spec_options(entry, parts, true, source);
  return entry;
}

const std::vector<AllocatorKind>& default_peers() {
  static const std::vector<AllocatorKind> kPeers = {AllocatorKind::malloc_refcount, AllocatorKind::shared_vector,
                                                    AllocatorKind::mimalloc,        AllocatorKind::jemalloc,
                                                    AllocatorKind::tcmalloc,        AllocatorKind::pmr_pool};
  return kPeers;
}

std::vector<AllocatorKind> parse_peer_list(const std::string& text) {
  const std::string expected =
      "a comma-separated list of malloc, shared_vector, mimalloc, jemalloc, tcmalloc, pmr, null";
  std::vector<AllocatorKind> kinds;
  for (const std::string& item : split(text, ',')) {
    const std::optional<AllocatorKind> kind = workloads::allocator_kind_from_string(item);
    if (!kind) throw InputError("--peers", "", expected, in_quotes(item));
    if (*kind == AllocatorKind::fixed || *kind == AllocatorKind::buddy) {
      throw InputError("--peers", "", expected + " (arenas are given with --fixed and --buddy)", in_quotes(item));
    }
    if (std::find(kinds.begin(), kinds.end(), *kind) != kinds.end()) {
      throw InputError("--peers", "", "each allocator once", in_quotes(item) + " twice");
    }
    kinds.push_back(*kind);
  }
  return kinds;
}

workloads::InputError restate(const workloads::InputError& error, const std::string& source, const std::string& field) {
  return restate(error, source, field, error.expected());
}

workloads::InputError restate(const workloads::InputError& error, const std::string& source, const std::string& field,
                              const std::string& expected) {
  // what() is "SOURCE: FIELD: expected EXPECTED[, got GOT]"; GOT is not kept apart, so it is read back.
  const std::string message = error.what();
  const std::string marker = "expected " + error.expected();
  std::string got;
  if (const std::size_t at = message.find(marker); at != std::string::npos) {
    const std::string rest = message.substr(at + marker.size());
    if (rest.rfind(", got ", 0) == 0) got = rest.substr(6);
  }
  return InputError(source, field, expected, got);
}

std::string command_line(int argc, const char* const* argv) {
  std::string line;
  for (int i = 0; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (i > 0) line += ' ';
    if (plain_shell_word(arg)) {
      line += arg;
      continue;
    }
    line += '\'';
    for (char c : arg) {
      if (c == '\'') {
        line += "'\\''";
      } else {
        line += c;
      }
    }
    line += '\'';
  }
  return line;
}

}  // namespace arena::bench
