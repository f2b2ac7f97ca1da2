// Tabular datasets for the paper benchmark: CSV parsing, encoding, and the
// per-seed train/test split with standardization fitted on training only.
//
// Operation. ReadCsv() parses a file with a header row (RFC 4180 quoting,
// surrounding spaces trimmed). EncodeDataset() turns it into a dense
// feature matrix: a column whose every non-missing value parses as a number
// stays numeric (missing values become NaN); any other column is one-hot
// encoded over the categories present in the file, sorted, with the
// missing marker "?" kept as a category of its own. The label column is a
// class index or a regression target; the task is inferred unless given.
// SplitDataset() shuffles once per seed, keeps about a third as the clean
// test part, and standardizes features (and a regression target) with the
// training part's mean and standard deviation only; a missing numeric value
// becomes the training mean (0 after standardization).
//
// Thread safety: values and free functions; no shared state.
// Limitations: the whole file is held in memory (the largest benchmark
// file, adult.csv, is 3.5 MB); categories are found over the whole file,
// which uses no label information but does see the test rows' category
// names, never their frequencies.
#ifndef ANML_BENCH_DATASET_H_
#define ANML_BENCH_DATASET_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/sample.h"
#include "engine/status.h"

namespace anml::bench {

// A parsed CSV file: the header and the rows, all as text.
struct CsvTable {
  std::string source;  // File name, for error messages.
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

// Parses CSV text. InvalidArgument naming source, line and column when a
// row has a different number of fields than the header, a quote is not
// closed, or the text has no header row.
StatusOr<CsvTable> ParseCsv(std::string_view text, std::string source);

// Reads and parses a file. NotFound when it cannot be opened; otherwise as
// ParseCsv.
StatusOr<CsvTable> ReadCsv(const std::string& path);

// A fully numeric dataset, row-major.
struct Dataset {
  std::string name;
  engine::Task task = engine::Task::kBinary;
  int classes = 2;  // Class count; 0 for regression.
  std::vector<std::string> feature_names;
  std::vector<std::string> class_names;  // Label text per class index.
  int dimension = 0;
  std::vector<double> features;  // rows() x dimension; NaN marks missing.
  std::vector<double> labels;    // Class index, or the target.

  size_t rows() const { return labels.size(); }
  std::span<const double> row(size_t i) const {
    return {features.data() + i * static_cast<size_t>(dimension),
            static_cast<size_t>(dimension)};
  }
};

// Labels with at most this many distinct integer values are read as
// classes when the task is inferred; more make a regression target.
inline constexpr int kMaxInferredClasses = 20;

// Encodes a table. `task` forces the task; nullopt infers it: a label
// column with text values, or at most kMaxInferredClasses distinct integer
// values, is classification (binary for two classes), anything else
// regression. Class indices follow the sorted label values (numerically
// when all are numbers). InvalidArgument when the label column is missing,
// a regression label is not a number, a forced classification has fewer
// than two classes, or no feature column is left; messages name the file,
// line and column.
StatusOr<Dataset> EncodeDataset(const CsvTable& table, std::string_view label_column,
                                std::optional<engine::Task> task, std::string name);

// Reads and encodes one file; the dataset is named after the file's stem.
StatusOr<Dataset> LoadDataset(const std::string& path, std::string_view label_column,
                              std::optional<engine::Task> task);

// One seed's split. Features of both parts are standardized with the
// training part's statistics; a regression target is too, and
// target_scale converts a standardized error back to the target's units.
struct Split {
  Dataset train;
  Dataset test;
  double target_mean = 0.0;
  double target_scale = 1.0;
};

// The share of rows the clean test part gets.
inline constexpr double kTestFraction = 1.0 / 3.0;

// Shuffles `data` with `seed` and splits it; with max_rows > 0 only the
// first max_rows shuffled rows are used (the --quick mode's subsample).
// Precondition: data has at least 3 rows.
Split SplitDataset(const Dataset& data, uint64_t seed, size_t max_rows = 0);

}  // namespace anml::bench

#endif  // ANML_BENCH_DATASET_H_
