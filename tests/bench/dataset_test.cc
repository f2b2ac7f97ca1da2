#include "bench/dataset.h"

#include <cmath>
#include <string>

#include <gtest/gtest.h>

namespace anml::bench {
namespace {

constexpr char kMixed[] =
    "age,color,score,label\n"
    "30,red,1.5,yes\n"
    "40,\"blue, dark\",2.5,no\n"
    "50,?,?,yes\r\n"
    "60,red,4.5,no\n";

TEST(DatasetTest, ParsesQuotedFieldsAndCrlf) {
  auto table = ParseCsv(kMixed, "mixed.csv");
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  ASSERT_EQ(table->rows.size(), 4u);
  EXPECT_EQ(table->header[1], "color");
  EXPECT_EQ(table->rows[1][1], "blue, dark");
  EXPECT_EQ(table->rows[2][3], "yes");
}

TEST(DatasetTest, RejectsRowWithWrongFieldCountNamingLineAndColumn) {
  auto table = ParseCsv("a,b,label\n1,2,0\n3,4\n", "short.csv");
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(table.status().message().find("short.csv:3: column 3"), std::string::npos)
      << table.status().message();
  EXPECT_NE(table.status().message().find("expected 3 fields, got 2"), std::string::npos);
}

TEST(DatasetTest, RejectsUnclosedQuote) {
  auto table = ParseCsv("a,label\n\"open,1\n", "quote.csv");
  ASSERT_FALSE(table.ok());
  EXPECT_NE(table.status().message().find("quote.csv:2"), std::string::npos);
  EXPECT_NE(table.status().message().find("not closed"), std::string::npos);
}

TEST(DatasetTest, MissingFileIsNotFound) {
  auto table = ReadCsv("/nonexistent/anml/none.csv");
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().code(), StatusCode::kNotFound);
}

TEST(DatasetTest, OneHotEncodesTextColumnsAndKeepsNumbers) {
  auto table = ParseCsv(kMixed, "mixed.csv");
  ASSERT_TRUE(table.ok());
  auto data = EncodeDataset(*table, "label", std::nullopt, "mixed");
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  // age, color=?, color=blue, dark, color=red, score.
  ASSERT_EQ(data->dimension, 5);
  EXPECT_EQ(data->feature_names[1], "color=?");
  EXPECT_EQ(data->feature_names[3], "color=red");
  EXPECT_EQ(data->task, engine::Task::kBinary);
  EXPECT_EQ(data->class_names, (std::vector<std::string>{"no", "yes"}));
  EXPECT_EQ(data->labels, (std::vector<double>{1, 0, 1, 0}));
  EXPECT_DOUBLE_EQ(data->row(1)[2], 1.0);  // "blue, dark".
  EXPECT_DOUBLE_EQ(data->row(1)[3], 0.0);
  EXPECT_TRUE(std::isnan(data->row(2)[4]));  // Missing score.
}

TEST(DatasetTest, InfersTaskFromLabels) {
  struct Case {
    const char* csv;
    engine::Task task;
    int classes;
  };
  const Case cases[] = {
      {"x,y\n1,0\n2,1\n3,2\n", engine::Task::kMulticlass, 3},
      {"x,y\n1,10\n2,20\n", engine::Task::kBinary, 2},
      {"x,y\n1,0.5\n2,1.25\n3,7\n", engine::Task::kRegression, 0},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.csv);
    auto table = ParseCsv(c.csv, "t.csv");
    ASSERT_TRUE(table.ok());
    auto data = EncodeDataset(*table, "y", std::nullopt, "t");
    ASSERT_TRUE(data.ok()) << data.status().ToString();
    EXPECT_EQ(data->task, c.task);
    EXPECT_EQ(data->classes, c.classes);
  }
}

TEST(DatasetTest, NumericClassesSortNumerically) {
  auto table = ParseCsv("x,y\n1,10\n2,9\n3,10\n", "t.csv");
  ASSERT_TRUE(table.ok());
  auto data = EncodeDataset(*table, "y", std::nullopt, "t");
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(data->labels, (std::vector<double>{1, 0, 1}));
}

TEST(DatasetTest, EncodingErrorsNameTheProblem) {
  auto table = ParseCsv("x,y\n1,a\n2,b\n", "bad.csv");
  ASSERT_TRUE(table.ok());
  auto missing = EncodeDataset(*table, "label", std::nullopt, "bad");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("no label column 'label'"), std::string::npos);
  auto regression = EncodeDataset(*table, "y", engine::Task::kRegression, "bad");
  ASSERT_FALSE(regression.ok());
  EXPECT_NE(regression.status().message().find("bad.csv:2: column 2"), std::string::npos)
      << regression.status().message();
}

Dataset Linear(int rows) {
  Dataset data;
  data.name = "linear";
  data.task = engine::Task::kRegression;
  data.classes = 0;
  data.dimension = 2;
  for (int i = 0; i < rows; ++i) {
    data.features.push_back(i);
    data.features.push_back(i % 3 == 0 ? std::nan("") : 100.0 + i);
    data.labels.push_back(3.0 * i + 7.0);
  }
  return data;
}

TEST(DatasetTest, SplitsAThirdAndStandardizesOnTrainingOnly) {
  Split split = SplitDataset(Linear(90), 7);
  EXPECT_EQ(split.test.rows(), 30u);
  EXPECT_EQ(split.train.rows(), 60u);
  double sum = 0, squares = 0;
  for (size_t r = 0; r < split.train.rows(); ++r) {
    sum += split.train.row(r)[0];
    squares += split.train.row(r)[0] * split.train.row(r)[0];
  }
  EXPECT_NEAR(sum / 60, 0.0, 1e-9);
  EXPECT_NEAR(squares / 60, 1.0, 1e-9);
  // The target is standardized with the training moments, and the test
  // part reuses them: y = 3 x + 7 makes target and feature 0 equal.
  for (size_t r = 0; r < split.test.rows(); ++r) {
    EXPECT_NEAR(split.test.labels[r], split.test.row(r)[0], 1e-9);
  }
  EXPECT_GT(split.target_scale, 1.0);
}

TEST(DatasetTest, MissingValuesBecomeTheTrainingMean) {
  Split split = SplitDataset(Linear(30), 3);
  for (size_t r = 0; r < split.train.rows(); ++r) {
    EXPECT_TRUE(std::isfinite(split.train.row(r)[1]));
  }
}

TEST(DatasetTest, SplitIsDeterministicPerSeed) {
  Dataset data = Linear(50);
  Split a = SplitDataset(data, 11), b = SplitDataset(data, 11), c = SplitDataset(data, 12);
  EXPECT_EQ(a.train.labels, b.train.labels);
  EXPECT_NE(a.train.labels, c.train.labels);
}

TEST(DatasetTest, MaxRowsSubsamples) {
  Split split = SplitDataset(Linear(90), 1, 30);
  EXPECT_EQ(split.train.rows() + split.test.rows(), 30u);
}

}  // namespace
}  // namespace anml::bench
