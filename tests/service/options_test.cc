#include "service/options.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace anml::service {
namespace {

// Parses `command_line` as `anml run` would, with `environment` as the
// process environment ("NAME=value" entries).
class OptionsTest : public ::testing::Test {
 protected:
  StatusOr<ServiceOptions> Parse(const std::vector<std::string>& command_line,
                                 const std::vector<std::string>& environment = {}) {
    CLI::App command("run");
    ServiceOptions options;
    RegisterServiceOptions(command, &options);
    std::vector<const char*> env;
    for (const std::string& entry : environment) env.push_back(entry.c_str());
    env.push_back(nullptr);
    auto layered = LayeredArguments(command, command_line, env.data());
    if (!layered.ok()) return layered.status();
    std::vector<std::string> args = *layered;
    std::reverse(args.begin(), args.end());  // CLI11 takes a vector in reverse.
    try {
      command.parse(args);
    } catch (const CLI::ParseError& error) {
      return InvalidArgument(std::string("parse: ") + error.what());
    }
    return options;
  }

  // Writes `text` to a fresh config file and returns its path.
  std::string ConfigFile(const std::string& text) {
    std::string path = ::testing::TempDir() + "anml_options_test_" +
                       ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".conf";
    std::ofstream(path) << text;
    return path;
  }
};

TEST_F(OptionsTest, DefaultsApplyWithNoSource) {
  auto options = Parse({});
  ASSERT_TRUE(options.ok()) << options.status().ToString();
  EXPECT_EQ(options->samples_topic, "anml.samples");
  EXPECT_EQ(options->batch_size, 500);
  EXPECT_EQ(options->http_address, "127.0.0.1:9464");
}

TEST_F(OptionsTest, FlagBeatsEnvironmentBeatsFileBeatsDefault) {
  const std::string file = ConfigFile(
      "batch-size = 10\nsamples_topic = \"from.file\"\n"
      "weights-topic = w.file\ngroup-id = g.file\n");
  const std::vector<std::string> env = {"ANML_BATCH_SIZE=20", "ANML_SAMPLES_TOPIC=from.env",
                                        "ANML_WEIGHTS_TOPIC=w.env"};
  auto options = Parse({"--config", file, "--batch-size", "30"}, env);
  ASSERT_TRUE(options.ok()) << options.status().ToString();
  EXPECT_EQ(options->batch_size, 30);                       // flag > env > file
  EXPECT_EQ(options->samples_topic, "from.env");            // env > file
  EXPECT_EQ(options->weights_topic, "w.env");               // env > file
  EXPECT_EQ(options->group_id, "g.file");                   // file > default
  EXPECT_EQ(options->deadletter_topic, "anml.deadletter");  // default
}

TEST_F(OptionsTest, ConfigFileMayBeNamedByEnvironment) {
  const std::string file = ConfigFile("# comment line\n\ndimension = 7  # trailing\n");
  auto options = Parse({}, {"ANML_CONFIG=" + file});
  ASSERT_TRUE(options.ok()) << options.status().ToString();
  EXPECT_EQ(options->dimension, 7);
}

TEST_F(OptionsTest, ListOptionIsReplacedWholeByAHigherSource) {
  const std::string file = ConfigFile(
      "schemes = uniform,anml_gated\n"
      "feature-names = a,b,c\n");
  auto options = Parse({"--config", file, "--schemes", "gradient_only,sample_level"},
                       {"ANML_SCHEMES=uniform", "ANML_FEATURE_NAMES=x,y"});
  ASSERT_TRUE(options.ok()) << options.status().ToString();
  EXPECT_EQ(options->schemes, std::vector<std::string>({"gradient_only", "sample_level"}));
  EXPECT_EQ(options->feature_names, std::vector<std::string>({"x", "y"}));
}

TEST_F(OptionsTest, ListOptionKeepsItsDefaultWhenUnset) {
  auto options = Parse({});
  ASSERT_TRUE(options.ok()) << options.status().ToString();
  EXPECT_EQ(options->schemes, ServiceOptions().schemes);
  EXPECT_TRUE(options->feature_names.empty());
}

TEST_F(OptionsTest, KafkaPropertiesAccumulateAndFlagWinsPerKey) {
  const std::string file = ConfigFile("kafka = client.id=file\nkafka = acks=1\n");
  auto options =
      Parse({"--config", file, "--kafka", "client.id=flag"}, {"ANML_KAFKA=client.id=env"});
  ASSERT_TRUE(options.ok()) << options.status().ToString();
  EXPECT_EQ(options->kafka, std::vector<std::string>(
                                {"client.id=file", "acks=1", "client.id=env", "client.id=flag"}));
  auto properties = KafkaProperties(*options);
  ASSERT_TRUE(properties.ok()) << properties.status().ToString();
  EXPECT_EQ(*properties,
            (std::map<std::string, std::string>{{"acks", "1"}, {"client.id", "flag"}}));
}

TEST_F(OptionsTest, EnvironmentOnlyUsesVariablesOfRegisteredOptions) {
  auto options = Parse({}, {"ANML_NO_SUCH_OPTION=1", "ANML_GROUP_ID=g.env", "GROUP_ID=x"});
  ASSERT_TRUE(options.ok()) << options.status().ToString();
  EXPECT_EQ(options->group_id, "g.env");
}

TEST_F(OptionsTest, EnvironmentNameUppercasesAndReplacesDashes) {
  EXPECT_EQ(EnvironmentName("samples-topic"), "ANML_SAMPLES_TOPIC");
  EXPECT_EQ(EnvironmentName("brokers"), "ANML_BROKERS");
  EXPECT_EQ(EnvironmentName("gradient-half-life-hours"), "ANML_GRADIENT_HALF_LIFE_HOURS");
}

TEST_F(OptionsTest, ToEngineConfigCarriesTheOptions) {
  ServiceOptions options;
  options.dimension = 4;
  options.schemes = {"uniform", "anml_gated"};
  auto config = ToEngineConfig(options);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->dimension, 4);
  EXPECT_EQ(config->task, engine::Task::kBinary);
  EXPECT_EQ(config->gate.candidates,
            std::vector<engine::Scheme>({engine::Scheme::kUniform, engine::Scheme::kAnmlGated}));
}

// Error paths.

TEST_F(OptionsTest, ConfigFileUnknownKeyNamesFileAndLine) {
  const std::string file = ConfigFile("dimension = 4\n\nno-such-key = 1\n");
  auto options = Parse({"--config", file});
  ASSERT_FALSE(options.ok());
  EXPECT_EQ(options.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(options.status().message(),
            "config file '" + file + "' line 3: unknown option 'no-such-key'");
}

TEST_F(OptionsTest, ConfigFileMayNotNameAnotherConfigFile) {
  const std::string file = ConfigFile("config = other.conf\n");
  auto options = Parse({"--config", file});
  ASSERT_FALSE(options.ok());
  EXPECT_EQ(options.status().message(),
            "config file '" + file + "' line 1: unknown option 'config'");
}

TEST_F(OptionsTest, ConfigFileMalformedLineNamesFileLineAndText) {
  const std::string file = ConfigFile("# settings\nbatch-size 10\n");
  auto options = Parse({"--config", file});
  ASSERT_FALSE(options.ok());
  EXPECT_EQ(options.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(options.status().message(),
            "config file '" + file + "' line 2: expected 'key = value', got 'batch-size 10'");
}

TEST_F(OptionsTest, UnreadableConfigFileNamesTheFile) {
  const std::string missing = ::testing::TempDir() + "anml_options_test_missing.conf";
  std::filesystem::remove(missing);
  auto options = Parse({"--config=" + missing});
  ASSERT_FALSE(options.ok());
  EXPECT_EQ(options.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(options.status().message(), "config file '" + missing + "': cannot be read");
}

TEST_F(OptionsTest, ToEngineConfigRejectsUnknownSchemeNamingTheOption) {
  ServiceOptions options;
  options.dimension = 4;
  options.schemes = {"uniform", "no_such_scheme"};
  auto config = ToEngineConfig(options);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(config.status().message(), "--schemes: unknown scheme 'no_such_scheme'");
}

TEST_F(OptionsTest, ToEngineConfigRejectsUnknownTaskNamingTheOption) {
  ServiceOptions options;
  options.dimension = 4;
  options.task = "ranking";
  auto config = ToEngineConfig(options);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(config.status().message(),
            "--task: expected binary, multiclass or regression, got 'ranking'");
}

TEST_F(OptionsTest, ToEngineConfigRequiresDimension) {
  ServiceOptions options;
  auto config = ToEngineConfig(options);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(config.status().message(), "--dimension: required, a positive count");
}

TEST_F(OptionsTest, KafkaPropertiesRejectEntriesWithoutKey) {
  for (const std::string entry : {"no-equals-sign", "=value"}) {
    SCOPED_TRACE(entry);
    ServiceOptions options;
    options.kafka = {"acks=all", entry};
    auto properties = KafkaProperties(options);
    ASSERT_FALSE(properties.ok());
    EXPECT_EQ(properties.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(properties.status().message(), "--kafka: expected key=value, got '" + entry + "'");
  }
}

}  // namespace
}  // namespace anml::service
