// cmd_compare (cmd_compare.hpp): builds the allocator list of a comparison and hands the profile
// to run_and_report(). Each geometry spec is validated alone against the profile (so that its
// error names the flag, not an index into a list the user never wrote), then the whole list once
// more (duplicate names and the like).
#include "cmd_compare.hpp"

#include <algorithm>
#include <memory>
#include <set>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "cmd_run.hpp"

namespace arena::bench {
namespace {

using workloads::AllocatorKind;
using workloads::InputError;

bool is_arena(const nlohmann::json& entry) {
  const auto kind = entry.find("kind");
  return kind != entry.end() && kind->is_string() && (*kind == "fixed" || *kind == "buddy");
}

void replace_all(std::string& text, std::string_view from, std::string_view to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

// A profile field of an allocator entry under the name its part has in a geometry spec.
std::string spec_term(std::string_view field) {
  if (field == "slots") return "COUNT";
  if (field == "slot_size") return "SIZE";
  if (field == "total") return "TOTAL";
  if (field == "min_block") return "MIN";
  return std::string(field);
}

// Checks one geometry entry against the profile; returns the allocator's (default) name. Errors
// are told in the spec's terms: "--fixed 64x128: SIZE: expected at least the largest request ...".
std::string check_geometry(const nlohmann::json& document, const nlohmann::json& entry, const std::string& source) {
  nlohmann::json single = document;
  single["allocators"] = nlohmann::json::array({entry});
  try {
    return workloads::parse_profile(single, source).allocators.front().name;
  } catch (const InputError& e) {
    const std::string prefix = "allocators[0]";
    std::string field = e.field();
    if (field.rfind(prefix, 0) != 0) throw;
    field = field.substr(prefix.size());
    if (!field.empty() && field.front() == '.') field.erase(0, 1);
    std::string expected = e.expected();
    for (const char* key : {"slots", "slot_size", "total", "min_block"}) {
      replace_all(expected, prefix + "." + key, spec_term(key));
    }
    replace_all(expected, "\"auto_spill\": true", "the suffix ,spill");
    replace_all(expected, "\"geometry\": \"nearest\"", "the suffix ,nearest");
    throw restate(e, source, spec_term(field), expected);
  }
}

}  // namespace

Command setup_compare(CLI::App& app) {
  auto options = std::make_shared<CompareCommandOptions>();
  CLI::App* sub = app.add_subcommand(
      "compare", "Run one workload against several arena geometries and the heap peers; one report, one table");
  add_profile_args(*sub, options->profile);
  sub->add_option("--fixed", options->fixed,
                  "A fixed arena: slot count x slot size, e.g. 65536x4KiB; suffix ,spill for auto-spill, ,zero "
                  "for zeroed slots (repeatable)")
      ->type_name("COUNTxSIZE")
      ->allow_extra_args(false);
  sub->add_option("--buddy", options->buddy,
                  "A buddy arena: total size / smallest block, e.g. 64MiB/256; suffix ,nearest to round the shape "
                  "up, ,spill, ,zero (repeatable)")
      ->type_name("TOTAL/MIN")
      ->allow_extra_args(false);
  CLI::Option* peers = sub->add_option("--peers", options->peers,
                                       "Heap peers to add, comma-separated (default: the profile's own plus "
                                       "malloc,shared_vector,mimalloc,jemalloc,tcmalloc,pmr)")
                           ->type_name("LIST");
  sub->add_flag("--no-peers", options->no_peers, "Arenas only: no heap peers")->excludes(peers);
  add_output_args(*sub, options->output);
  sub->footer(R"(Examples:
  arena-bench compare --preset rpc-small --fixed 4096x16KiB --fixed 65536x1KiB,spill --buddy 64MiB/256
  arena-bench compare profile.json --buddy 32MiB/64 --buddy 6000/768,nearest --peers malloc,jemalloc -o cmp.json
  arena-bench compare --preset kv-values --duration 0.5 --repetitions 3 --no-peers --table
  arena-bench compare --preset buddy-size-cycle --operations 20000 -o cmp.json --html cmp.html

COUNTxSIZE is slot count x slot size (sizes take units: 4096, 4KiB, 1MiB). The geometries given
replace the profile's arenas (without any, the profile's arenas stay); peers are added, and a peer
whose library is not installed appears as a record with status "skipped". The report and the
table are as for `arena-bench run`; --html FILE also writes the report as an HTML page.)");
  return {sub, [options, peers](const std::string& command_line) {
            options->command_line = command_line;
            options->peers_given = peers->count() > 0;
            return run_compare(*options);
          }};
}

workloads::Profile compare_profile(const workloads::Profile& base, const CompareCommandOptions& options) {
  const nlohmann::json document = workloads::to_json(base);
  const nlohmann::json& listed = document.at("allocators");

  nlohmann::json arenas = nlohmann::json::array();
  std::set<std::string> names;
  // Each arena is named after its spec as typed ("fixed 65536x4KiB,spill"), so that the table and
  // the report show what the user wrote; the library's default name (geometry-based, "fixed
  // 65536x4KiB spill") tells equal geometries written differently apart.
  const auto add_geometry = [&](nlohmann::json entry, const std::string& kind, const std::string& spec) {
    const std::string source = "--" + kind + " " + spec;
    const std::string name = check_geometry(document, entry, source);
    if (!names.insert(name).second) throw InputError(source, "", "each geometry once", "\"" + name + "\" twice");
    entry["name"] = kind + " " + spec;
    arenas.push_back(std::move(entry));
  };
  for (const std::string& spec : options.fixed) add_geometry(parse_fixed_spec(spec), "fixed", spec);
  for (const std::string& spec : options.buddy) add_geometry(parse_buddy_spec(spec), "buddy", spec);
  if (options.fixed.empty() && options.buddy.empty()) {
    for (const nlohmann::json& entry : listed) {
      if (is_arena(entry)) arenas.push_back(entry);
    }
  }

  nlohmann::json peers = nlohmann::json::array();
  if (options.peers_given && !options.no_peers) {
    for (AllocatorKind kind : parse_peer_list(options.peers)) peers.push_back({{"kind", workloads::to_string(kind)}});
  } else if (!options.no_peers) {
    std::set<std::string> present;
    for (const nlohmann::json& entry : listed) {
      if (is_arena(entry)) continue;
      peers.push_back(entry);
      present.insert(entry.at("kind").get<std::string>());
    }
    for (AllocatorKind kind : default_peers()) {
      const std::string name(workloads::to_string(kind));
      if (present.insert(name).second) peers.push_back({{"kind", name}});
    }
  }

  if (arenas.empty() && peers.empty()) {
    throw InputError("compare", "", "at least one allocator (--fixed, --buddy, peers, or arenas in the profile)",
                     "none");
  }
  nlohmann::json combined = document;
  combined["allocators"] = arenas;
  for (nlohmann::json& peer : peers) combined["allocators"].push_back(std::move(peer));
  return workloads::parse_profile(combined, profile_source(options.profile));
}

int run_compare(const CompareCommandOptions& options) {
  const workloads::Profile base = resolve_profile(options.profile, "compare");
  const workloads::Profile profile = compare_profile(base, options);
  return run_and_report(profile, options.output, options.command_line);
}

}  // namespace arena::bench
