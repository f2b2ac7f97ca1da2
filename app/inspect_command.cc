// `anml inspect --state DIR`: what a state store holds.
//
// Prints the newest model snapshot's version and arrays, the input offsets,
// the exact contributor count, and either one contributor's stored record
// and last published weight (--contributor ID) or the --top N contributors
// by last published weight; as text, or as one JSON object with --json.
// The store is opened read-only (no lock): inspect a stopped store, since a
// running writer's compactions may remove files under a reader.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "app/commands.h"
#include "state/state_store.h"

namespace anml::app {
namespace {

struct InspectOptions {
  std::string state_dir;
  std::string contributor;
  size_t top = 10;
  bool json = false;
};

struct RankedWeight {
  std::string id;
  state::StoredWeight weight;
};

struct Inspection {
  state::RecoveredState recovered;
  uint64_t contributors = 0;
  std::optional<engine::ContributorStats> record;  // With --contributor.
  std::optional<state::StoredWeight> weight;       // With --contributor.
  std::vector<RankedWeight> top;                   // Without it.
};

nlohmann::json RecordJson(const engine::ContributorStats& stats) {
  return {{"verification", engine::VerificationName(stats.verification)},
          {"reputation", stats.reputation},
          {"has_metadata", stats.has_metadata},
          {"as_of_ms", stats.as_of_ms},
          {"gradient_sum", stats.gradient_sum},
          {"gradient_weight", stats.gradient_weight},
          {"consistent", stats.consistent},
          {"inconsistent", stats.inconsistent},
          {"heldout_loss", stats.heldout_loss},
          {"heldout_weight", stats.heldout_weight},
          {"first_time_ms", stats.first_time_ms},
          {"last_time_ms", stats.last_time_ms},
          {"samples", stats.samples},
          {"heldout_samples", stats.heldout_samples},
          {"attribution", stats.attribution}};
}

nlohmann::json WeightJson(const state::StoredWeight& weight) {
  const engine::ContributorReport& r = weight.report;
  return {{"weight", r.weight},
          {"q", r.q},
          {"v", r.v},
          {"r", r.r},
          {"t", r.t},
          {"gate", r.gate},
          {"consistency", r.consistency},
          {"samples", r.samples},
          {"attribution", r.attribution},
          {"model_version", weight.model_version}};
}

nlohmann::json InspectionJson(const InspectOptions& options, const Inspection& found) {
  nlohmann::json out;
  out["state"] = options.state_dir;
  out["model_version"] = found.recovered.model ? nlohmann::json(found.recovered.model->version)
                                               : nlohmann::json(nullptr);
  nlohmann::json offsets = nlohmann::json::array();
  for (const auto& [partition, offset] : found.recovered.offsets) {
    offsets.push_back(
        {{"topic", partition.topic}, {"partition", partition.partition}, {"next", offset}});
  }
  out["offsets"] = offsets;
  out["contributors"] = found.contributors;
  if (!options.contributor.empty()) {
    out["contributor"] = {{"id", options.contributor},
                          {"record", found.record ? RecordJson(*found.record) : nullptr},
                          {"weight", found.weight ? WeightJson(*found.weight) : nullptr}};
    return out;
  }
  nlohmann::json top = nlohmann::json::array();
  for (const RankedWeight& ranked : found.top) {
    nlohmann::json entry = WeightJson(ranked.weight);
    entry["id"] = ranked.id;
    top.push_back(entry);
  }
  out["top"] = top;
  return out;
}

void PrintRecord(const engine::ContributorStats& s) {
  std::printf("  verification %s, reputation %.4g%s\n",
              std::string(engine::VerificationName(s.verification)).c_str(), s.reputation,
              s.has_metadata ? "" : " (defaults: no metadata)");
  std::printf("  samples %llu trained, %llu held out; attribution %.6g\n",
              static_cast<unsigned long long>(s.samples),
              static_cast<unsigned long long>(s.heldout_samples), s.attribution);
  std::printf(
      "  gradient weight %.6g over %zu coordinates; consistent %.4g, inconsistent "
      "%.4g\n",
      s.gradient_weight, s.gradient_sum.size(), s.consistent, s.inconsistent);
  std::printf("  times (ms): first %lld, last %lld, as of %lld\n",
              static_cast<long long>(s.first_time_ms), static_cast<long long>(s.last_time_ms),
              static_cast<long long>(s.as_of_ms));
}

void PrintWeight(const state::StoredWeight& w) {
  const engine::ContributorReport& r = w.report;
  std::printf(
      "weight %.4f  q %.3f v %.3f r %.3f T %.3f gate %.3f  samples %llu  "
      "attribution %.4g  (model %llu)\n",
      r.weight, r.q, r.v, r.r, r.t, r.gate, static_cast<unsigned long long>(r.samples),
      r.attribution, static_cast<unsigned long long>(w.model_version));
}

void PrintContributor(const InspectOptions& options, const Inspection& found) {
  std::printf("contributor \"%s\":", options.contributor.c_str());
  if (!found.record) {
    std::printf(" no stored record\n");
    return;
  }
  std::printf("\n");
  PrintRecord(*found.record);
  std::printf("  last published: ");
  if (found.weight) {
    PrintWeight(*found.weight);
  } else {
    std::printf("none\n");
  }
}

void PrintText(const InspectOptions& options, const Inspection& found) {
  std::printf("state store %s\n", options.state_dir.c_str());
  if (found.recovered.model) {
    const engine::ModelSnapshot& model = *found.recovered.model;
    std::printf("model version %llu (%zu real, %zu integer, %zu text arrays)\n",
                static_cast<unsigned long long>(model.version), model.reals.size(),
                model.integers.size(), model.texts.size());
  } else {
    std::printf("model: none stored\n");
  }
  std::printf("offsets (next to consume):%s\n", found.recovered.offsets.empty() ? " none" : "");
  for (const auto& [partition, offset] : found.recovered.offsets) {
    std::printf("  %s/%d  %lld\n", partition.topic.c_str(), partition.partition,
                static_cast<long long>(offset));
  }
  std::printf("contributors: %llu\n", static_cast<unsigned long long>(found.contributors));
  if (!options.contributor.empty()) return PrintContributor(options, found);
  std::printf("top %zu by last published weight:%s\n", options.top,
              found.top.empty() ? " none published" : "");
  for (const RankedWeight& ranked : found.top) {
    std::printf("  %-24s ", ranked.id.c_str());
    PrintWeight(ranked.weight);
  }
}

// The `top` heaviest published weights, heaviest first, ties by id.
StatusOr<std::vector<RankedWeight>> TopWeights(state::StateStore& store, size_t top) {
  std::vector<RankedWeight> ranked;
  auto heavier = [](const RankedWeight& a, const RankedWeight& b) {
    if (a.weight.report.weight != b.weight.report.weight) {
      return a.weight.report.weight > b.weight.report.weight;
    }
    return a.id < b.id;
  };
  Status scanned = store.ForEachWeight([&](std::string_view id, const state::StoredWeight& w) {
    ranked.push_back({std::string(id), w});
    std::push_heap(ranked.begin(), ranked.end(), heavier);
    if (ranked.size() > top) {
      std::pop_heap(ranked.begin(), ranked.end(), heavier);
      ranked.pop_back();
    }
    return true;
  });
  if (!scanned.ok()) return scanned;
  std::sort(ranked.begin(), ranked.end(), heavier);
  return ranked;
}

Status Inspect(const InspectOptions& options, Inspection* found) {
  state::StoreOptions store_options;
  store_options.path = options.state_dir;
  store_options.read_only = true;
  auto store = state::StateStore::Open(store_options);
  if (!store.ok()) return store.status();
  auto recovered = (*store)->Recover();
  if (!recovered.ok()) return recovered.status();
  found->recovered = std::move(*recovered);
  auto count = (*store)->CountContributors();
  if (!count.ok()) return count.status();
  found->contributors = *count;
  if (options.contributor.empty()) {
    auto top = TopWeights(**store, options.top);
    if (!top.ok()) return top.status();
    found->top = std::move(*top);
    return Status::Ok();
  }
  auto record = (*store)->Load(options.contributor);
  if (!record.ok()) return record.status();
  found->record = std::move(*record);
  auto weight = (*store)->LoadWeight(options.contributor);
  if (!weight.ok()) return weight.status();
  found->weight = *weight;
  return Status::Ok();
}

int Run(const InspectOptions& options) {
  // The store's lifecycle lines (open, recovery, close) would interleave
  // with the report on stdout; inspect reports only warnings and errors.
  spdlog::set_level(spdlog::level::warn);
  Inspection found;
  const Status status = Inspect(options, &found);
  if (!status.ok()) {
    std::fprintf(stderr, "inspect: %s\n", status.ToString().c_str());
    return 1;
  }
  if (options.json) {
    std::printf("%s\n", InspectionJson(options, found).dump(2).c_str());
  } else {
    PrintText(options, found);
  }
  return 0;
}

}  // namespace

void AddInspectCommand(CLI::App& app, int* exit_code) {
  auto options = std::make_shared<InspectOptions>();
  CLI::App* command = app.add_subcommand("inspect", "Print what a state store holds");
  command->add_option("--state", options->state_dir, "State store directory")->required();
  command->add_option("--contributor", options->contributor, "Print this contributor's record");
  command->add_option("--top", options->top, "Without --contributor: the N heaviest weights");
  command->add_flag("--json", options->json, "Print one JSON object");
  command->callback([options, exit_code] { *exit_code = Run(*options); });
}

}  // namespace anml::app
