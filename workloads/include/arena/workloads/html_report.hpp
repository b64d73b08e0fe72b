// html_report: renders a Report (report.hpp) as one self-contained HTML page - inline SVG charts,
// inline CSS, no JavaScript, no external resource - for `arena-bench report` and `--html` of run
// and compare. The page shows throughput and latency percentiles per allocator side by side, the
// metrics timeline (live bytes, largest free block, spills), free blocks per buddy order at the end
// of a run, skipped and failed runs with their reason, and the profile as run; it reads in light
// and dark (prefers-color-scheme). The one thing not to get wrong: every string taken from the
// report (names, error texts, the command line) is escaped, so a hostile report cannot inject markup.
#pragma once

#include <string>

#include "arena/workloads/report.hpp"

namespace arena::workloads {

// The page for `report`, as UTF-8 text. Deterministic: the same report gives the same bytes
// (nothing about the time or place of rendering goes in). Never throws for odd content - missing
// figures, skipped or failed records, empty timelines, an empty result list are all shown as such;
// only std::bad_alloc can escape.
std::string render_html_report(const Report& report);

}  // namespace arena::workloads
