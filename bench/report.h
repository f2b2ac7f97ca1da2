// The paper benchmark's outputs: per-seed summaries, the results JSON, the
// short JSON object `--json` prints, and the Markdown report.
//
// Every number in the report is computed here from the per-seed values the
// experiments measured; nothing is typed in except the paper's claims,
// quoted as the ANML abstract (arXiv 2602.11690) states them.
//
// Thread safety: free functions over values.
#ifndef ANML_BENCH_REPORT_H_
#define ANML_BENCH_REPORT_H_

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/paper_experiments.h"

namespace anml::bench {

// Mean and two-sided 95% Student-t interval of the mean over seeds, and the
// extremes. With one value the interval is the value itself.
struct Summary {
  double mean = 0.0;
  double low = 0.0;
  double high = 0.0;
  double min = 0.0;
  double max = 0.0;
  size_t n = 0;
};
Summary Summarize(std::span<const double> values);

// Everything one `anml bench paper` invocation produced.
struct PaperRun {
  std::string command;  // The command line that made it.
  BenchSettings settings;
  bool quick = false;
  double seconds = 0.0;
  std::string sklearn_version;  // Empty when the peer check did not run.
  std::vector<DatasetResults> datasets;
};

// The full results: settings, seeds and every per-seed value.
nlohmann::json ResultsJson(const PaperRun& run);

// The `--json` summary: per dataset, each scheme's mean error and the
// gate's worst-case excess over the best candidate (max over attacks and
// seeds of served error minus best candidate error).
nlohmann::json SummaryJson(const PaperRun& run);

// The Markdown report with one table per experiment, the paper's figure
// beside ours, and links to the plots in `plot_files` (file names relative
// to the report; empty: no plots).
std::string MarkdownReport(const PaperRun& run, const std::vector<std::string>& plot_files);

}  // namespace anml::bench

#endif  // ANML_BENCH_REPORT_H_
