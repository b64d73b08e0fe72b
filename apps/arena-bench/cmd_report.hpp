// cmd_report: `arena-bench report REPORT.json [-o report.html]`: renders a JSON report (of run or
// compare) as one self-contained HTML page (workloads/html_report.hpp), to stdout or atomically to
// a file. The input is checked before it is parsed (workloads/json_document.hpp) - a regular file
// (or "-" for stdin) of at most 256 MiB, JSON nested at most 256 levels deep - so that a wrong file
// is a one-line error (exit 2) naming the file and the field, never a crash, and nothing is written.
#pragma once

#include <string>

#include "arena/workloads/report.hpp"
#include "cli_args.hpp"

namespace arena::bench {

struct ReportCommandOptions {
  std::string input;   // REPORT: a JSON report file, or "-" for stdin
  std::string output;  // -o FILE; empty: the page goes to stdout
};

// Adds the `report` subcommand to `app`.
Command setup_report(CLI::App& app);
// Exit status 0; bad input (the report or the output path) is thrown as workloads::InputError.
int run_report(const ReportCommandOptions& options);

// Reads the report at `path` ("-": stdin). Throws InputError(path, field, expected, got) when it
// cannot be read, is not a regular file, is larger than workloads::kJsonFileMaxBytes, is not JSON
// ("line L, column C"), nests deeper than workloads::kJsonMaxDepth, is not an object, or is not a
// report of this schema version (the field, e.g. "results[0].latency").
workloads::Report read_report_file(const std::string& path);

}  // namespace arena::bench
