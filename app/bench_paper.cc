// `anml bench paper`: the paper benchmark (bench/paper_experiments.h).
//
// Runs the four experiments on the five datasets of the data directory (or
// one --dataset), with a progress bar on standard error; writes
// results.json, the plots and report.md into --out; prints the report, or
// with --json one summary JSON object last on standard output.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "app/commands.h"
#include "bench/dataset.h"
#include "bench/paper_experiments.h"
#include "bench/peer_check.h"
#include "bench/report.h"

namespace anml::app {
namespace {

namespace fs = std::filesystem;

// The benchmark datasets of ../shared/data (see its README) and their
// label columns.
struct StandardDataset {
  const char* file;
  const char* label;
};
constexpr StandardDataset kStandardDatasets[] = {{"wine.csv", "label"},
                                                 {"breast_cancer.csv", "label"},
                                                 {"diabetes.csv", "target"},
                                                 {"digits.csv", "label"},
                                                 {"adult.csv", "Salary"}};

// --quick: fewer seeds and sweep points, and every dataset subsampled to
// at most this many rows (only adult is larger), to finish in CI time.
constexpr int kQuickSeeds = 3;
constexpr size_t kQuickMaxRows = 6000;
constexpr double kQuickSweepRates[] = {0.4, 0.2, 0.05};
constexpr int kProgressWidth = 30;

struct PaperOptions {
  std::string data_dir;
  std::string dataset;
  std::string label;
  std::string task = "infer";
  std::vector<std::string> only;
  int seeds = 0;  // 0: 10, or kQuickSeeds with --quick.
  uint64_t first_seed = 1;
  int passes = 5;
  int contributors = 20;
  bool quick = false;
  bool json = false;
  bool no_peer = false;
  std::string out;
  std::string scripts = "scripts";
};

std::string DefaultDataDir() {
  const char* env = std::getenv("ANML_DATA_DIR");
  return env != nullptr && *env != '\0' ? env : "../shared/data";
}

std::optional<engine::Task> ParseTask(const std::string& name) {
  if (name == "binary") return engine::Task::kBinary;
  if (name == "multiclass") return engine::Task::kMulticlass;
  if (name == "regression") return engine::Task::kRegression;
  return std::nullopt;
}

bool Selected(const PaperOptions& o, const std::string& file) {
  if (o.only.empty()) return true;
  std::string stem = fs::path(file).stem().string();
  for (const std::string& name : o.only) {
    if (name == stem) return true;
  }
  return false;
}

StatusOr<std::vector<bench::Dataset>> LoadDatasets(const PaperOptions& o) {
  std::vector<bench::Dataset> out;
  const std::optional<engine::Task> task = ParseTask(o.task);
  if (!o.dataset.empty()) {
    auto data = bench::LoadDataset(o.dataset, o.label, task);
    if (!data.ok()) return data.status();
    out.push_back(std::move(*data));
    return out;
  }
  for (const StandardDataset& d : kStandardDatasets) {
    if (!Selected(o, d.file)) continue;
    auto data = bench::LoadDataset((fs::path(o.data_dir) / d.file).string(), d.label, task);
    if (!data.ok()) {
      return data.status().WithContext("see " + o.data_dir +
                                       "/README.md for where the files come from");
    }
    out.push_back(std::move(*data));
  }
  return out;
}

bench::BenchSettings Settings(const PaperOptions& o) {
  bench::BenchSettings s;
  s.seeds = o.seeds > 0 ? o.seeds : (o.quick ? kQuickSeeds : s.seeds);
  s.first_seed = o.first_seed;
  s.passes = o.passes;
  s.contributors = o.contributors;
  s.peer = !o.no_peer;
  if (o.quick) {
    s.max_rows = kQuickMaxRows;
    s.sweep_rates.assign(std::begin(kQuickSweepRates), std::end(kQuickSweepRates));
  }
  return s;
}

// The canonical command line that reproduces this run.
std::string CommandLine(const PaperOptions& o, const bench::BenchSettings& s) {
  std::string out = "build/anml bench paper";
  if (!o.dataset.empty()) {
    out += " --dataset " + o.dataset + " --label " + o.label + " --task " + o.task;
  }
  for (const std::string& name : o.only) out += " --only " + name;
  if (o.quick) out += " --quick";
  out += fmt::format(" --seeds {} --first-seed {} --passes {} --contributors {}", s.seeds,
                     s.first_seed, s.passes, s.contributors);
  if (o.no_peer) out += " --no-peer";
  if (!o.out.empty()) out += " --out " + o.out;
  return out;
}

// A bar redrawn in place on a terminal; one line per finished dataset
// otherwise, so CI logs stay short.
void ShowProgress(int done, int total, const std::string& what, bool dataset_done) {
  const bool terminal = isatty(STDERR_FILENO) != 0;
  if (!terminal && !dataset_done) return;
  const int filled = total > 0 ? done * kProgressWidth / total : kProgressWidth;
  std::fprintf(stderr, "%s[%s%s] %3d/%d %-28s%s", terminal ? "\r" : "",
               std::string(filled, '#').c_str(),
               std::string(kProgressWidth - filled, '.').c_str(), done, total, what.c_str(),
               terminal && done < total ? "" : "\n");
  std::fflush(stderr);
}

StatusOr<std::vector<bench::DatasetResults>> RunAll(const std::vector<bench::Dataset>& data,
                                                    const bench::BenchSettings& settings,
                                                    const std::string& peer_dir) {
  const int total = static_cast<int>(data.size()) * settings.seeds;
  int finished = 0;
  std::vector<bench::DatasetResults> results;
  for (const bench::Dataset& d : data) {
    auto progress = [&](const std::string& name, int done, int seeds) {
      ShowProgress(finished + done, total, fmt::format("{} seed {}/{}", name, done, seeds),
                   done == seeds);
    };
    auto result = bench::RunDataset(d, settings, peer_dir, progress);
    if (!result.ok()) return result.status();
    finished += settings.seeds;
    results.push_back(std::move(*result));
  }
  return results;
}

// Runs the plot script; returns the plot file names it made (one a line).
std::vector<std::string> MakePlots(const PaperOptions& o) {
  const std::string command = std::string(bench::kPeerPython) + " '" + o.scripts +
                              "/plot_paper.py' '" + o.out + "/results.json' '" + o.out + "'";
  std::vector<std::string> files;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return files;
  char line[512];
  while (std::fgets(line, sizeof(line), pipe) != nullptr) {
    std::string name(line);
    while (!name.empty() && (name.back() == '\n' || name.back() == '\r')) name.pop_back();
    if (!name.empty()) files.push_back(name);
  }
  if (pclose(pipe) != 0) {
    std::fprintf(stderr, "bench paper: '%s' failed; the report has no plots\n", command.c_str());
    files.clear();
  }
  return files;
}

Status WriteText(const fs::path& path, const std::string& text) {
  std::ofstream file(path);
  file << text;
  if (!file) return FailedPrecondition(path.string() + ": cannot write");
  return Status::Ok();
}

Status WriteOutputs(const PaperOptions& o, const bench::PaperRun& run, std::string* report) {
  std::vector<std::string> plots;
  if (!o.out.empty()) {
    std::error_code ec;
    fs::create_directories(o.out, ec);
    if (ec) return FailedPrecondition(o.out + ": cannot create: " + ec.message());
    ANML_RETURN_IF_ERROR(
        WriteText(fs::path(o.out) / "results.json", bench::ResultsJson(run).dump(1) + "\n"));
    plots = MakePlots(o);
  }
  *report = bench::MarkdownReport(run, plots);
  if (o.out.empty()) return Status::Ok();
  return WriteText(fs::path(o.out) / "report.md", *report);
}

void RunPeer(const PaperOptions& o, const std::string& peer_dir, bench::PaperRun& run) {
  Status status =
      bench::RunPeerCheck(o.scripts + "/peer_sklearn.py", peer_dir, run.datasets,
                          &run.sklearn_version);
  // The peer check is a comparison beside the experiments: when Python or
  // scikit-learn is missing the report says so instead of failing the run.
  if (!status.ok()) std::fprintf(stderr, "bench paper: %s\n", status.ToString().c_str());
}

int RunPaper(const PaperOptions& o) {
  auto data = LoadDatasets(o);
  if (!data.ok()) {
    std::fprintf(stderr, "bench paper: %s\n", data.status().ToString().c_str());
    return 2;
  }
  bench::PaperRun run;
  run.settings = Settings(o);
  run.quick = o.quick;
  run.command = CommandLine(o, run.settings);

  std::string peer_dir;
  if (run.settings.peer) {
    char pattern[] = "/tmp/anml-peer-XXXXXX";
    if (mkdtemp(pattern) != nullptr) peer_dir = pattern;
  }
  const auto start = std::chrono::steady_clock::now();
  auto results = RunAll(*data, run.settings, peer_dir);
  if (!results.ok()) {
    std::fprintf(stderr, "bench paper: %s\n", results.status().ToString().c_str());
    return 1;
  }
  run.datasets = std::move(*results);
  if (!peer_dir.empty()) RunPeer(o, peer_dir, run);
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::error_code ignored;  // A leftover temp directory is harmless.
  if (!peer_dir.empty()) fs::remove_all(peer_dir, ignored);

  std::string report;
  Status written = WriteOutputs(o, run, &report);
  if (!written.ok()) {
    std::fprintf(stderr, "bench paper: %s\n", written.ToString().c_str());
    return 1;
  }
  std::cout << (o.json ? bench::SummaryJson(run).dump() + "\n" : report) << std::flush;
  return 0;
}

}  // namespace

void AddBenchPaperCommand(CLI::App& bench, int* exit_code) {
  auto o = std::make_shared<PaperOptions>();
  o->data_dir = DefaultDataDir();
  CLI::App* command = bench.add_subcommand(
      "paper", "Measure anml against the ANML paper's claims on the benchmark datasets");
  command->add_option("--data-dir", o->data_dir,
                      "Dataset directory (default $ANML_DATA_DIR or ../shared/data)");
  command->add_option("--dataset", o->dataset, "Benchmark one CSV file instead");
  command->add_option("--label", o->label, "Label column of --dataset");
  command->add_option("--task", o->task, "infer, binary, multiclass or regression")
      ->check(CLI::IsMember({"infer", "binary", "multiclass", "regression"}));
  command->add_option("--only", o->only, "Only these standard datasets (file stems)");
  command->add_option("--seeds", o->seeds, "Seeds (default 10; 3 with --quick)");
  command->add_option("--first-seed", o->first_seed, "First seed");
  command->add_option("--passes", o->passes, "Replay passes over the training part");
  command->add_option("--contributors", o->contributors, "Simulated contributors");
  command->add_flag("--quick", o->quick, "Reduced run for CI (under two minutes)");
  command->add_flag("--json", o->json, "Print one summary JSON object last");
  command->add_flag("--no-peer", o->no_peer, "Skip the scikit-learn peer check");
  command->add_option("--out", o->out, "Write report.md, results.json and plots here");
  command->add_option("--scripts", o->scripts, "Directory of peer_sklearn.py, plot_paper.py");
  command->callback([o, exit_code] {
    if (!o->dataset.empty() && o->label.empty()) {
      std::fprintf(stderr, "bench paper: --dataset needs --label COLUMN\n");
      *exit_code = 2;
      return;
    }
    *exit_code = RunPaper(*o);
  });
}

}  // namespace anml::app
