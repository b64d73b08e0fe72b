// cmd_report (cmd_report.hpp): the output file is opened first (an unwritable -o fails before
// anything is read), then the input is read with its limits checked and parsed (json_document.hpp),
// validated by report_from_json and rendered; the page reaches its file only complete.
#include "cmd_report.hpp"

#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "arena/workloads/html_report.hpp"
#include "arena/workloads/input_error.hpp"
#include "arena/workloads/json_document.hpp"
#include "output.hpp"

namespace arena::bench {

using workloads::InputError;

workloads::Report read_report_file(const std::string& path) {
  workloads::JsonFileKind kind;
  kind.noun = "report";
  const nlohmann::json json =
      path == "-" ? workloads::parse_json_text(workloads::read_json_stream_text(std::cin, path, kind), path)
                  : workloads::read_json_file(path, kind);
  if (!json.is_object()) {
    throw InputError(path, "", "a JSON object with schema_version, context, profile and results",
                     std::string("a JSON ") + json.type_name());
  }
  return workloads::report_from_json(json, path);
}

Command setup_report(CLI::App& app) {
  auto options = std::make_shared<ReportCommandOptions>();
  CLI::App* sub = app.add_subcommand(
      "report", "Render a JSON report as one self-contained HTML page (inline SVG charts, no scripts)");
  sub->add_option("REPORT", options->input, "A report written by run or compare (\"-\": read stdin)")
      ->type_name("REPORT.json")
      ->required();
  sub->add_option("-o,--output", options->output,
                  "Write the page to FILE (atomically: a temporary file renamed at the end) instead of stdout")
      ->type_name("FILE");
  sub->footer(R"(Examples:
  arena-bench report report.json -o report.html
  arena-bench report report.json > report.html
  arena-bench compare --preset buddy-size-cycle --operations 20000 --quiet | arena-bench report - -o cmp.html
  arena-bench run --preset rpc-small -o report.json --html report.html     # the same, in one step

The page shows throughput and latency percentiles per allocator side by side, the timeline of
live bytes, largest free block and spills, free blocks per buddy order at the end of a run,
skipped and failed runs with their reason, and the profile as run; it follows the reader's light
or dark setting (docs/html-report.md). Exit status: 0 written, 2 the input is not a report of this
schema version (one line naming the file and the field) or the output cannot be written; nothing
is written then.)");
  return {sub, [options](const std::string&) { return run_report(*options); }};
}

int run_report(const ReportCommandOptions& options) {
  if (!options.output.empty() && options.input != "-" && same_file(options.output, options.input)) {
    throw InputError(options.output, "-o", "a file other than the input report", "the input itself");
  }
  std::optional<AtomicOutputFile> file;
  if (!options.output.empty()) file.emplace(options.output);  // fails here, before any reading
  const workloads::Report report = read_report_file(options.input);
  const std::string html = workloads::render_html_report(report);
  if (file) {
    file->commit(html);
  } else {
    write_stdout(html);
  }
  return 0;
}

}  // namespace arena::bench
