// cmd_presets (cmd_presets.hpp): the list of built-in profiles and the JSON of one. Everything goes
// to stdout (it is the command's output, not a diagnostic).
#include "cmd_presets.hpp"

#include <algorithm>
#include <memory>

#include <nlohmann/json.hpp>

#include "arena/workloads/presets.hpp"
#include "output.hpp"

namespace arena::bench {

Command setup_presets(CLI::App& app) {
  auto options = std::make_shared<PresetsCommandOptions>();
  CLI::App* sub = app.add_subcommand("presets", "List the built-in workload profiles, or print one as JSON");
  sub->add_option("--show", options->show, "Print this preset's profile as JSON")->type_name("NAME");
  sub->footer(R"(Examples:
  arena-bench presets
  arena-bench presets --show rpc-small > my-profile.json    # edit, then:
  arena-bench run my-profile.json -o report.json)");
  return {sub, [options](const std::string&) { return run_presets(*options); }};
}

int run_presets(const PresetsCommandOptions& options) {
  if (!options.show.empty()) {
    const workloads::Preset& preset = workloads::find_preset(options.show);
    write_stdout(workloads::to_json(preset.profile).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) +
                 "\n");
    return 0;
  }
  std::size_t width = 0;
  for (const workloads::Preset& p : workloads::presets()) width = std::max(width, p.name.size());
  std::string text;
  for (const workloads::Preset& p : workloads::presets()) {
    text += p.name + std::string(width - p.name.size() + 2, ' ') + p.summary + "\n";
  }
  write_stdout(text);
  return 0;
}

}  // namespace arena::bench
