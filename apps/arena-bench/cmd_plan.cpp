// cmd_plan (cmd_plan.hpp): the `plan` subcommand. Order matters: the profile and every target
// are parsed and checked first, then the output file is opened (so an unwritable -o fails before
// the planning and verification runs), then the planner runs, then the JSON is written in one go.
#include "cmd_plan.hpp"

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "arena/workloads/input_error.hpp"
#include "arena/workloads/planner.hpp"
#include "output.hpp"

namespace arena::bench {
namespace {

// A positive whole number (or decimal, for the rate) for the model flags.
double parse_positive(const std::string& text, const std::string& flag, bool whole) {
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  const bool ok = used == text.size() && !text.empty() && value > 0 && value < 1e18 &&
                  text.find_first_not_of("0123456789.") == std::string::npos &&
                  (!whole || text.find('.') == std::string::npos);
  if (!ok)
    throw workloads::InputError(flag, "", whole ? "a positive whole number" : "a positive number", "\"" + text + "\"");
  return value;
}

}  // namespace

Command setup_plan(CLI::App& app) {
  auto options = std::make_shared<PlanCommandOptions>();
  CLI::App* sub = app.add_subcommand(
      "plan", "Find the smallest fixed and buddy arena geometries that meet spill/failure targets for a profile");
  add_profile_args(*sub, options->profile);
  sub->add_option("--max-spill-rate", options->max_spill_rate,
                  "Largest acceptable share of operations that spill to the heap: 0.1% or 0.001 (default 0)")
      ->type_name("RATE");
  sub->add_option("--max-failure-rate", options->max_failure_rate,
                  "Largest acceptable share of failed allocations: 0.01% or 0.0001 (default 0)")
      ->type_name("RATE");
  sub->add_option("--memory-budget", options->memory_budget,
                  "Most memory one arena may reserve, e.g. 256MiB (default: no limit)")
      ->type_name("SIZE");
  sub->add_option("--max-latency-p99", options->max_latency_p99,
                  "Allocate p99 bound, e.g. 20us: not predicted, checked by --verify")
      ->type_name("DURATION");
  sub->add_option("--ops-rate", options->ops_rate,
                  "Operations per second per thread for the profile's time-based parts (default: a short "
                  "calibration run of each arena kind)")
      ->type_name("N");
  sub->add_option("--model-operations", options->max_modelled_ops,
                  "Model at most N operations (all threads; default 1048576)")
      ->type_name("N");
  sub->add_option("--cpus", options->cpus,
                  "CPUs the worker threads get at once; fewer than the threads: the model runs them in time "
                  "slices (default: this process's CPUs less the load average)")
      ->type_name("N");
  sub->add_option("--timeslice-ms", options->timeslice_ms,
                  "Scheduler time slice of the model in ms, when the threads outnumber the CPUs (default 3)")
      ->type_name("MS");
  sub->add_option("--headroom", options->headroom,
                  "Capacity beyond the model's high-water mark: 25% or 0.25 (default 25% when the model is "
                  "time-sliced, else 0)")
      ->type_name("RATE");
  sub->add_flag("--verify", options->verify,
                "Run the real workload with the planned geometries and show measured next to predicted");
  add_output_args(*sub, options->output);
  sub->footer(R"(Examples:
  arena-bench plan --preset kv-values --max-spill-rate 1% --table
  arena-bench plan --preset imix-packets --max-spill-rate 0 --memory-budget 64MiB -o plan.json
  arena-bench plan profile.json --max-spill-rate 0.1% --max-failure-rate 0.001% --verify
  arena-bench plan --preset contention-hold --operations 50000 --ops-rate 2000000 --verify
  arena-bench plan --preset rpc-small --cpus 8 -o plan.json     (for a machine with 8 free CPUs)

The plan (JSON: targets, per arena kind the geometry, the model setup, predicted and, with
--verify, measured figures, then a recommendation) goes to stdout or FILE (-o, written atomically).
The table goes to stderr on a terminal or with --table. Method and limits: docs/planning.md.
Exit status: 0 done (also when no geometry meets the targets: see "feasible"), 2 bad input.)");
  return {sub, [options](const std::string& command_line) {
            options->command_line = command_line;
            return run_plan(*options);
          }};
}

int run_plan(const PlanCommandOptions& options) {
  const workloads::Profile profile = resolve_profile(options.profile, "plan");
  workloads::PlanTargets targets;
  targets.max_spill_rate = workloads::parse_rate(options.max_spill_rate, "--max-spill-rate", "");
  targets.max_failure_rate = workloads::parse_rate(options.max_failure_rate, "--max-failure-rate", "");
  if (!options.memory_budget.empty()) {
    targets.memory_budget_bytes = workloads::parse_byte_size(options.memory_budget, "--memory-budget", "");
  }
  if (!options.max_latency_p99.empty()) {
    targets.max_latency_p99_ns = workloads::parse_duration_ns(options.max_latency_p99, "--max-latency-p99", "");
  }
  workloads::PlanOptions plan_options;
  if (!options.ops_rate.empty()) {
    const double rate = parse_positive(options.ops_rate, "--ops-rate", false);
    plan_options.fixed_ops_per_s_per_thread = rate;
    plan_options.buddy_ops_per_s_per_thread = rate;
  }
  if (!options.max_modelled_ops.empty()) {
    plan_options.max_modelled_operations =
        static_cast<std::uint64_t>(parse_positive(options.max_modelled_ops, "--model-operations", true));
  }

  if (!options.cpus.empty()) {
    const double cpus = parse_positive(options.cpus, "--cpus", true);
    if (cpus > 65536)
      throw workloads::InputError("--cpus", "", "a positive whole number up to 65536", "\"" + options.cpus + "\"");
    plan_options.cpus = static_cast<unsigned>(cpus);
  }
  if (!options.timeslice_ms.empty()) {
    const double ms = parse_positive(options.timeslice_ms, "--timeslice-ms", false);
    if (ms > 1000)
      throw workloads::InputError("--timeslice-ms", "", "a time slice in (0, 1000] ms",
                                  "\"" + options.timeslice_ms + "\"");
    plan_options.timeslice_ms = ms;
  }

  if (!options.headroom.empty()) plan_options.headroom = workloads::parse_rate(options.headroom, "--headroom", "");

  std::optional<AtomicOutputFile> file;
  if (!options.output.path.empty()) file.emplace(options.output.path);  // before any work

  const bool terminal = stderr_is_terminal();
  const bool show_table = !options.output.quiet && (options.output.table || terminal);
  const bool show_progress = !options.output.quiet && (options.output.progress || terminal);

  workloads::Plan plan = workloads::plan_geometries(profile, targets, plan_options);
  if (options.verify) {
    ProgressBar bar(show_progress, /*delayed=*/!options.output.progress);
    workloads::verify_plan(plan, profile, [&bar](double f) { bar.update(f); });
  }
  nlohmann::ordered_json json = workloads::to_json(plan);
  json["command"] = options.command_line;
  const std::string text = json.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
  if (file) {
    file->commit(text);
  } else {
    write_stdout(text);
  }
  if (show_table) {
    std::string table = workloads::format_plan_table(plan);
    if (file) table += "plan: " + file->path() + "\n";
    std::fputs(table.c_str(), stderr);
  }
  return 0;
}

}  // namespace arena::bench
