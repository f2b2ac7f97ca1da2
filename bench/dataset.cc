#include "bench/dataset.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <numeric>
#include <random>
#include <set>
#include <sstream>

namespace anml::bench {
namespace {

// The marker UCI files use for a missing value.
constexpr std::string_view kMissing = "?";

std::string_view Trim(std::string_view text) {
  const char* space = " \t\r";
  size_t begin = text.find_first_not_of(space);
  if (begin == std::string_view::npos) return {};
  return text.substr(begin, text.find_last_not_of(space) - begin + 1);
}

std::optional<double> ParseNumber(std::string_view text) {
  double value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::string Where(const std::string& source, size_t line, size_t column) {
  return source + ":" + std::to_string(line) + ": column " + std::to_string(column);
}

// Splits one logical record starting at `pos`; advances pos past it and
// `line` past every newline it consumed. Quoted fields may hold commas,
// doubled quotes and newlines.
Status ReadRecord(std::string_view text, size_t& pos, size_t& line, const std::string& source,
                  std::vector<std::string>& fields) {
  fields.clear();
  std::string field;
  bool quoted = false;
  const size_t start_line = line;
  for (; pos < text.size(); ++pos) {
    char c = text[pos];
    if (quoted) {
      if (c == '"' && pos + 1 < text.size() && text[pos + 1] == '"') {
        field += '"';
        ++pos;
      } else if (c == '"') {
        quoted = false;
      } else {
        if (c == '\n') ++line;
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back(Trim(field));
      field.clear();
    } else if (c == '\n') {
      ++pos;
      break;
    } else {
      field += c;
    }
  }
  if (quoted) {
    return InvalidArgument(Where(source, start_line, fields.size() + 1) +
                           ": quoted field is not closed before the end of the file");
  }
  fields.emplace_back(Trim(field));
  ++line;
  return Status::Ok();
}

bool IsBlank(const std::vector<std::string>& fields) {
  return fields.size() == 1 && fields[0].empty();
}

// A column's values read as numbers, or nullopt when any non-missing value
// is not a number.
std::optional<std::vector<double>> NumericColumn(const CsvTable& table, size_t column) {
  std::vector<double> values;
  values.reserve(table.rows.size());
  for (const auto& row : table.rows) {
    if (row[column] == kMissing || row[column].empty()) {
      values.push_back(std::numeric_limits<double>::quiet_NaN());
      continue;
    }
    auto value = ParseNumber(row[column]);
    if (!value) return std::nullopt;
    values.push_back(*value);
  }
  return values;
}

// One encoded feature column block: either one numeric column or the
// one-hot indicators of a categorical one.
struct ColumnBlock {
  std::optional<std::vector<double>> numeric;
  std::vector<std::string> categories;  // Sorted, for one-hot.
  std::map<std::string, int> index;
};

ColumnBlock EncodeColumn(const CsvTable& table, size_t column) {
  ColumnBlock block;
  block.numeric = NumericColumn(table, column);
  if (block.numeric) return block;
  std::set<std::string> seen;
  for (const auto& row : table.rows) seen.insert(row[column]);
  block.categories.assign(seen.begin(), seen.end());
  for (size_t i = 0; i < block.categories.size(); ++i) {
    block.index[block.categories[i]] = static_cast<int>(i);
  }
  return block;
}

// The sorted distinct label values, numerically when all are numbers.
std::vector<std::string> SortedClasses(const CsvTable& table, size_t column, bool numeric) {
  std::set<std::string> seen;
  for (const auto& row : table.rows) seen.insert(row[column]);
  std::vector<std::string> classes(seen.begin(), seen.end());
  if (numeric) {
    std::sort(classes.begin(), classes.end(), [](const std::string& a, const std::string& b) {
      return *ParseNumber(a) < *ParseNumber(b);
    });
  }
  return classes;
}

bool AllIntegers(const std::vector<double>& values) {
  return std::all_of(values.begin(), values.end(),
                     [](double v) { return std::isfinite(v) && v == std::floor(v); });
}

engine::Task InferTask(const std::optional<std::vector<double>>& numeric, size_t distinct) {
  bool classes = !numeric || (AllIntegers(*numeric) &&
                              distinct <= static_cast<size_t>(kMaxInferredClasses));
  if (!classes) return engine::Task::kRegression;
  return distinct == 2 ? engine::Task::kBinary : engine::Task::kMulticlass;
}

Status EncodeLabels(const CsvTable& table, size_t column, std::optional<engine::Task> task,
                    Dataset& out) {
  auto numeric = NumericColumn(table, column);
  std::vector<std::string> classes = SortedClasses(table, column, numeric.has_value());
  out.task = task ? *task : InferTask(numeric, classes.size());
  if (out.task == engine::Task::kRegression) {
    for (size_t r = 0; r < table.rows.size(); ++r) {
      auto value = ParseNumber(table.rows[r][column]);
      if (!value) {
        return InvalidArgument(Where(table.source, r + 2, column + 1) + ": regression label '" +
                               table.rows[r][column] + "' is not a number");
      }
      out.labels.push_back(*value);
    }
    out.classes = 0;
    return Status::Ok();
  }
  if (classes.size() < 2) {
    return InvalidArgument(table.source + ": column " + std::to_string(column + 1) +
                           " (label) has " + std::to_string(classes.size()) +
                           " distinct values, expected at least 2 classes");
  }
  std::map<std::string, int> index;
  for (size_t i = 0; i < classes.size(); ++i) index[classes[i]] = static_cast<int>(i);
  for (const auto& row : table.rows) out.labels.push_back(index[row[column]]);
  out.classes = static_cast<int>(classes.size());
  out.class_names = std::move(classes);
  if (out.classes == 2) out.task = engine::Task::kBinary;
  if (out.classes > 2) out.task = engine::Task::kMulticlass;
  return Status::Ok();
}

void AppendFeatures(const CsvTable& table, const std::vector<ColumnBlock>& blocks,
                    const std::vector<size_t>& columns, Dataset& out) {
  out.features.assign(table.rows.size() * static_cast<size_t>(out.dimension), 0.0);
  for (size_t r = 0; r < table.rows.size(); ++r) {
    double* row = out.features.data() + r * static_cast<size_t>(out.dimension);
    size_t offset = 0;
    for (size_t b = 0; b < blocks.size(); ++b) {
      const ColumnBlock& block = blocks[b];
      if (block.numeric) {
        row[offset++] = (*block.numeric)[r];
        continue;
      }
      row[offset + static_cast<size_t>(block.index.at(table.rows[r][columns[b]]))] = 1.0;
      offset += block.categories.size();
    }
  }
}

// Mean and standard deviation of column j over the rows, skipping NaN; a
// constant column gets scale 1 so standardizing leaves it at 0.
std::pair<double, double> ColumnMoments(const Dataset& data, int j) {
  double sum = 0, squares = 0, count = 0;
  for (size_t r = 0; r < data.rows(); ++r) {
    double v = data.row(r)[static_cast<size_t>(j)];
    if (std::isnan(v)) continue;
    sum += v;
    squares += v * v;
    count += 1;
  }
  if (count == 0) return {0.0, 1.0};
  double mean = sum / count;
  double variance = std::max(0.0, squares / count - mean * mean);
  double scale = std::sqrt(variance);
  return {mean, scale > 1e-12 ? scale : 1.0};
}

Dataset Subset(const Dataset& data, std::span<const size_t> rows) {
  Dataset out = data;
  out.features.clear();
  out.labels.clear();
  for (size_t r : rows) {
    auto x = data.row(r);
    out.features.insert(out.features.end(), x.begin(), x.end());
    out.labels.push_back(data.labels[r]);
  }
  return out;
}

void Standardize(Dataset& data, const std::vector<std::pair<double, double>>& moments) {
  for (size_t r = 0; r < data.rows(); ++r) {
    double* row = data.features.data() + r * static_cast<size_t>(data.dimension);
    for (int j = 0; j < data.dimension; ++j) {
      double v = row[j];
      row[j] = std::isnan(v) ? 0.0 : (v - moments[static_cast<size_t>(j)].first) /
                                         moments[static_cast<size_t>(j)].second;
    }
  }
}

}  // namespace

StatusOr<CsvTable> ParseCsv(std::string_view text, std::string source) {
  CsvTable table;
  table.source = std::move(source);
  size_t pos = 0, line = 1;
  std::vector<std::string> fields;
  ANML_RETURN_IF_ERROR(ReadRecord(text, pos, line, table.source, fields));
  if (IsBlank(fields)) return InvalidArgument(table.source + ":1: no header row");
  table.header = fields;
  while (pos < text.size()) {
    const size_t record_line = line;
    ANML_RETURN_IF_ERROR(ReadRecord(text, pos, line, table.source, fields));
    if (IsBlank(fields)) continue;
    if (fields.size() != table.header.size()) {
      const size_t column = std::min(fields.size(), table.header.size()) + 1;
      return InvalidArgument(Where(table.source, record_line, column) + ": expected " +
                             std::to_string(table.header.size()) + " fields, got " +
                             std::to_string(fields.size()));
    }
    table.rows.push_back(fields);
  }
  return table;
}

StatusOr<CsvTable> ReadCsv(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return NotFound(path + ": cannot open the file");
  std::stringstream buffer;
  buffer << file.rdbuf();
  return ParseCsv(buffer.str(), path);
}

StatusOr<Dataset> EncodeDataset(const CsvTable& table, std::string_view label_column,
                                std::optional<engine::Task> task, std::string name) {
  auto it = std::find(table.header.begin(), table.header.end(), label_column);
  if (it == table.header.end()) {
    return InvalidArgument(table.source + ":1: no label column '" + std::string(label_column) +
                           "' in the header");
  }
  const size_t label = static_cast<size_t>(it - table.header.begin());
  Dataset out;
  out.name = std::move(name);
  ANML_RETURN_IF_ERROR(EncodeLabels(table, label, task, out));

  std::vector<ColumnBlock> blocks;
  std::vector<size_t> columns;
  for (size_t c = 0; c < table.header.size(); ++c) {
    if (c == label) continue;
    blocks.push_back(EncodeColumn(table, c));
    columns.push_back(c);
    if (blocks.back().numeric) {
      out.feature_names.push_back(table.header[c]);
      continue;
    }
    for (const std::string& category : blocks.back().categories) {
      out.feature_names.push_back(table.header[c] + "=" + category);
    }
  }
  if (out.feature_names.empty()) {
    return InvalidArgument(table.source + ": no feature column besides the label");
  }
  out.dimension = static_cast<int>(out.feature_names.size());
  AppendFeatures(table, blocks, columns, out);
  return out;
}

StatusOr<Dataset> LoadDataset(const std::string& path, std::string_view label_column,
                              std::optional<engine::Task> task) {
  auto table = ReadCsv(path);
  if (!table.ok()) return table.status();
  return EncodeDataset(*table, label_column, task,
                       std::filesystem::path(path).stem().string());
}

Split SplitDataset(const Dataset& data, uint64_t seed, size_t max_rows) {
  std::vector<size_t> order(data.rows());
  std::iota(order.begin(), order.end(), size_t{0});
  std::mt19937_64 rng(seed);
  std::shuffle(order.begin(), order.end(), rng);
  if (max_rows > 0 && order.size() > max_rows) order.resize(max_rows);

  const size_t test = std::max<size_t>(
      1, static_cast<size_t>(std::llround(kTestFraction * static_cast<double>(order.size()))));
  std::span<const size_t> all(order);
  Split split;
  split.test = Subset(data, all.first(test));
  split.train = Subset(data, all.subspan(test));

  std::vector<std::pair<double, double>> moments;
  for (int j = 0; j < data.dimension; ++j) moments.push_back(ColumnMoments(split.train, j));
  Standardize(split.train, moments);
  Standardize(split.test, moments);
  if (data.task != engine::Task::kRegression) return split;

  double sum = 0, squares = 0;
  for (double y : split.train.labels) {
    sum += y;
    squares += y * y;
  }
  const double n = static_cast<double>(split.train.rows());
  split.target_mean = sum / n;
  double scale = std::sqrt(std::max(0.0, squares / n - split.target_mean * split.target_mean));
  split.target_scale = scale > 1e-12 ? scale : 1.0;
  for (Dataset* part : {&split.train, &split.test}) {
    for (double& y : part->labels) y = (y - split.target_mean) / split.target_scale;
  }
  return split;
}

}  // namespace anml::bench
