// Fuzz target: a profile as untrusted bytes. The bytes are parsed as JSON (invalid JSON is simply
// skipped) and handed to parse_profile; the only acceptable failure is InputError. A profile that
// parses must survive the round trip to_json -> parse_profile with the same JSON, and a "--set"
// override taken from the input's last line must either apply (the profile then still re-parses)
// or throw InputError and leave the profile unchanged. Anything else aborts: a finding.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "arena/workloads/input_error.hpp"
#include "arena/workloads/profile.hpp"

namespace {

namespace wl = arena::workloads;

// Relative trace files resolve against this directory, which does not exist: no file is read.
const std::string kSource = "/nonexistent-fuzz-dir/fuzz.json";

[[noreturn]] void finding(const char* what, const std::string& detail) {
  std::fprintf(stderr, "fuzz_profile: %s: %s\n", what, detail.c_str());
  std::abort();
}

// Absolute paths could name devices that never end (/dev/zero): such inputs are not run.
bool names_special_file(std::string_view text) {
  return text.find("/dev") != std::string_view::npos || text.find("/proc") != std::string_view::npos ||
         text.find("/sys") != std::string_view::npos;
}

void check_override(wl::Profile profile, const std::string& assignment) {
  const std::string before = wl::to_json(profile).dump();
  try {
    wl::apply_override(profile, assignment);
  } catch (const wl::InputError&) {
    if (wl::to_json(profile).dump() != before) finding("failed override changed the profile", assignment);
    return;
  }
  // Applied: the result is a valid profile that round-trips.
  const nlohmann::json after = wl::to_json(profile);
  try {
    const wl::Profile again = wl::parse_profile(after, kSource);
    if (wl::to_json(again) != after) finding("override result does not round-trip", assignment);
  } catch (const wl::InputError& e) {
    finding("override result does not re-parse", assignment + " -> " + e.what());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (names_special_file(text)) return 0;
  // The JSON is the text up to the last newline; what follows it is a --set assignment.
  const std::size_t newline = text.rfind('\n');
  const std::string_view json_text = newline == std::string_view::npos ? text : text.substr(0, newline);
  const std::string assignment(newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1));

  const nlohmann::json json = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return 0;
  wl::Profile profile;
  try {
    profile = wl::parse_profile(json, kSource);
  } catch (const wl::InputError&) {
    return 0;  // the expected way to refuse
  } catch (const std::exception& e) {
    finding("parse_profile threw something other than InputError", e.what());
  }
  try {
    const nlohmann::json out = wl::to_json(profile);
    const wl::Profile again = wl::parse_profile(out, kSource);
    if (wl::to_json(again) != out) finding("to_json/parse_profile round trip differs", out.dump());
    if (!assignment.empty()) check_override(profile, assignment);
  } catch (const wl::InputError& e) {
    finding("a parsed profile's JSON does not parse again", e.what());
  } catch (const std::exception& e) {
    finding("unexpected exception after a successful parse", e.what());
  }
  return 0;
}
