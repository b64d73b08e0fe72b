// cmd_run (cmd_run.hpp): the `run` subcommand - resolve the profile, then run_and_report(), which
// compare shares. Order matters: every input is checked (profile, overrides, output paths) before
// the first allocator runs, and the report reaches its file only complete. It also gives the
// jemalloc and tcmalloc peers the static TLS they need (a re-exec, before any file is created).
#include "cmd_run.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <unistd.h>
#include <vector>

#include "arena/workloads/driver.hpp"
#include "arena/workloads/html_report.hpp"
#include "arena/workloads/report.hpp"
#include "output.hpp"

namespace arena::bench {

Command setup_run(CLI::App& app) {
  auto options = std::make_shared<RunCommandOptions>();
  CLI::App* sub =
      app.add_subcommand("run", "Run a workload profile against the allocators it lists; write the JSON report");
  add_profile_args(*sub, options->profile);
  add_output_args(*sub, options->output);
  sub->footer(R"(Examples:
  arena-bench run profile.json -o report.json
  arena-bench run --preset rpc-small --threads 2 --duration 0.5 --repetitions 3 > report.json
  arena-bench run --preset roundtrip --set 'allocators[0].slot_size=16KiB' --set sizes.size=16KiB --table
  arena-bench run profile.json --operations 100000 --quiet -o out/report.json
  arena-bench run --preset kv-values --duration 1 -o report.json --html report.html

The report (docs/report.schema.json) goes to stdout, or to FILE with -o: written to a temporary
file next to it and renamed at the end, so FILE is complete or absent. On a terminal, stderr shows
a progress bar (runs over a second) and a table per allocator. --html FILE also writes the page
`arena-bench report` would make of the report, the same way (both paths are checked before the run).
Exit status: 0 done, 2 bad input.)");
  return {sub, [options](const std::string& command_line) {
            options->command_line = command_line;
            return run_run(*options);
          }};
}

int run_run(const RunCommandOptions& options) {
  const workloads::Profile profile = resolve_profile(options.profile, "run");
  return run_and_report(profile, options.output, options.command_line);
}

namespace {

// jemalloc (and tcmalloc) use initial-exec TLS, which a dlopen'ed library only gets from glibc's
// small static TLS surplus: without glibc.rtld.optional_static_tls the jemalloc peer is skipped.
// When the profile runs one of them, re-executes this process once (same arguments, from
// /proc/self/cmdline) with the tunable added to GLIBC_TUNABLES, as apps/microbench does. Called
// after the input was validated and before the output file is created, so that nothing is left
// half-done by the exec. ARENA_BENCH_NO_REEXEC=1 disables it; returns when no re-exec happened
// (not needed, disabled, or it failed: then the peer is reported as skipped, with the reason).
void reexec_for_static_tls(const workloads::Profile& profile) {
  constexpr const char* kTunable = "glibc.rtld.optional_static_tls=16384";
  constexpr const char* kGuard = "ARENA_BENCH_REEXECUTED";
  const bool needed = std::any_of(profile.allocators.begin(), profile.allocators.end(), [](const auto& spec) {
    return spec.kind == workloads::AllocatorKind::jemalloc || spec.kind == workloads::AllocatorKind::tcmalloc;
  });
  if (!needed) return;
  if (const char* off = std::getenv("ARENA_BENCH_NO_REEXEC"); off != nullptr && std::strcmp(off, "0") != 0) return;
  if (std::getenv(kGuard) != nullptr) return;  // re-executed once already: never loop
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  const std::string current = tunables != nullptr ? tunables : "";
  if (current.find("glibc.rtld.optional_static_tls") != std::string::npos) return;

  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::vector<std::string> args;
  for (std::string arg; std::getline(in, arg, '\0');) args.push_back(arg);
  if (args.empty()) return;
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);

  const std::string next = current.empty() ? std::string(kTunable) : current + ":" + kTunable;
  if (::setenv("GLIBC_TUNABLES", next.c_str(), 1) != 0 || ::setenv(kGuard, "1", 1) != 0) return;
  std::fflush(nullptr);
  ::execv("/proc/self/exe", argv.data());
}

}  // namespace

int run_and_report(const workloads::Profile& profile, const OutputArgs& output, const std::string& command_line) {
  if (!output.html_path.empty() && !output.path.empty() && same_file(output.html_path, output.path)) {
    throw workloads::InputError(output.html_path, "--html", "a file other than the JSON report's (-o)",
                                "the same file as -o");
  }
  reexec_for_static_tls(profile);
  // Both fail here, before the run, when unwritable (the first is removed again if the second fails).
  std::optional<AtomicOutputFile> file;
  if (!output.path.empty()) file.emplace(output.path);
  std::optional<AtomicOutputFile> html_file;
  if (!output.html_path.empty()) html_file.emplace(output.html_path, "--html");

  const bool terminal = stderr_is_terminal();
  const bool show_table = !output.quiet && (output.table || terminal);
  const bool show_progress = !output.quiet && (output.progress || terminal);

  workloads::Report report;
  report.context = workloads::collect_context(command_line);
  report.profile = workloads::to_json(profile);
  {
    ProgressBar bar(show_progress, /*delayed=*/!output.progress);
    workloads::RunOptions run_options;
    run_options.progress = [&bar](double fraction) { bar.update(fraction); };
    report.results = workloads::run_profile(profile, run_options);
  }

  const std::string json =
      workloads::to_json(report).dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
  const std::string html = html_file ? workloads::render_html_report(report) : std::string();
  if (file) {
    file->commit(json);
  } else {
    write_stdout(json);
  }
  if (html_file) html_file->commit(html);
  if (show_table) {
    std::string table = format_table(report.results);
    if (file) table += "report: " + file->path() + "\n";
    if (html_file) table += "html: " + html_file->path() + "\n";
    std::fputs(table.c_str(), stderr);
  }
  return 0;
}

}  // namespace arena::bench
