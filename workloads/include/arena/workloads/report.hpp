// Report: the versioned JSON document arena-bench writes (docs/report-format.md,
// docs/report.schema.json): a context block first (tool version, build type, compiler, host,
// CPU, cores, NUMA nodes, date), the profile as run, then one record per allocator per
// repetition. Failed and skipped runs stay in as records with their reason. Numbers are written
// locale-independently. Reading a report back (for `gate` and `report`) checks the schema version
// and the required keys, with errors naming the field.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "arena/workloads/driver.hpp"

namespace arena::workloads {

inline constexpr int kReportSchemaVersion = 1;

struct ReportContext {
  std::string tool = "arena-bench";
  std::string tool_version;
  std::string build_type;
  std::string compiler;
  std::string sanitizer;  // "" (none), "address" or "thread": figures of such builds are not comparable
  std::string host;
  std::string os;         // "Linux 6.1.0-18-amd64 x86_64"
  std::string cpu_model;
  unsigned cores = 0;     // logical CPUs this process may run on
  unsigned numa_nodes = 1;
  std::string numa_backend;  // Topology::backend(), e.g. "hwloc API 2.9.0"
  std::string timer;      // what latencies are timed with, e.g. "tsc (invariant, 2.45 GHz)"
  std::string date;  // ISO 8601, UTC
  std::string command;
};

struct Report {
  int schema_version = kReportSchemaVersion;
  ReportContext context;
  nlohmann::json profile;  // to_json(profile) of the profile as run
  std::vector<RunRecord> results;
};

// The context of this process and machine (`command` is the command line, given by the caller).
ReportContext collect_context(const std::string& command);
// The report as JSON with its keys in the documented order (schema_version, context, profile,
// results): an ordered_json, so that dump() writes them in that order. (Changed from nlohmann::json,
// whose objects sort their keys and would put schema_version last.)
nlohmann::ordered_json to_json(const Report& report);
nlohmann::ordered_json to_json(const RunRecord& record);
nlohmann::ordered_json to_json(const ReportContext& context);
// Throws InputError(source, field, expected) on a document that is not a report of this schema:
// field is a path such as "results[2].latency.allocate.p99_ns". A schema_version other than
// kReportSchemaVersion is "schema_version: expected 1, got 2". Unknown keys are ignored.
Report report_from_json(const nlohmann::json& json, const std::string& source);
Report report_from_json(const nlohmann::ordered_json& json, const std::string& source);
// Reads and parses a report file with read_json_file (json_document.hpp: a regular file of at most
// 256 MiB, nested at most 256 levels): InputError naming the file when it cannot be read or breaks
// a limit, the line and column when it is not JSON, the field when it is not a report.
Report load_report(const std::string& path);

// "ok", "skipped" or "failed", as the report writes a record's status.
const char* to_string(RunRecord::Status status) noexcept;

}  // namespace arena::workloads
