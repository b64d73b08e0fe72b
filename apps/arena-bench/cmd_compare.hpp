// cmd_compare: `arena-bench compare PROFILE|--preset NAME --fixed COUNTxSIZE ... --buddy TOTAL/MIN
// ...`: the same workload against several arena geometries and the heap peers side by side, in
// one process and one report. The geometries given replace the profile's arenas; the peers
// (--peers LIST, or by default the profile's own heap allocators plus malloc, shared_vector,
// mimalloc, jemalloc, tcmalloc, pmr) are added; a peer whose library is missing is a skipped record.
#pragma once

#include <string>
#include <vector>

#include "arena/workloads/profile.hpp"
#include "cli_args.hpp"

namespace arena::bench {

struct CompareCommandOptions {
  ProfileArgs profile;
  OutputArgs output;
  std::vector<std::string> fixed;  // --fixed COUNTxSIZE[,spill][,zero], in the order given
  std::vector<std::string> buddy;  // --buddy TOTAL/MIN[,nearest][,spill][,zero]
  std::string peers;               // --peers LIST (when peers_given)
  bool peers_given = false;
  bool no_peers = false;  // --no-peers: the arenas only
  std::string command_line;
};

// Adds the `compare` subcommand to `app`.
Command setup_compare(CLI::App& app);
// Exit status 0; bad input is thrown as workloads::InputError.
int run_compare(const CompareCommandOptions& options);

// The profile compare runs: `base` with its allocators replaced as described above, validated.
// Throws InputError naming the flag of a spec that does not parse or cannot hold the largest
// request ("--fixed 65536x1KiB: slot_size: expected at least the largest request ...").
workloads::Profile compare_profile(const workloads::Profile& base, const CompareCommandOptions& options);

}  // namespace arena::bench
