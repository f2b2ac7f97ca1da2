#include "bench/peer_check.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace anml::bench {
namespace {

Status WriteManifest(const std::string& path, const std::vector<DatasetResults>& datasets) {
  nlohmann::json manifest = nlohmann::json::array();
  for (const DatasetResults& d : datasets) {
    if (d.peer.files.empty()) continue;
    manifest.push_back({{"name", d.name},
                        {"task", std::string(engine::TaskName(d.task))},
                        {"classes", d.classes},
                        {"dimension", d.dimension},
                        {"seeds", d.peer.files}});
  }
  std::ofstream file(path);
  file << manifest.dump(2) << "\n";
  if (!file) return FailedPrecondition(path + ": cannot write the peer manifest");
  return Status::Ok();
}

// Runs `command` and returns its standard output.
StatusOr<std::string> Capture(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return Unavailable("peer check: cannot start '" + command + "'");
  std::string output;
  char buffer[4096];
  size_t read = 0;
  while ((read = fread(buffer, 1, sizeof(buffer), pipe)) > 0) output.append(buffer, read);
  const int status = pclose(pipe);
  if (status != 0) {
    return Unavailable("peer check: '" + command + "' exited with status " +
                       std::to_string(status));
  }
  return output;
}

Status ReadSeries(const nlohmann::json& entry, const char* key, std::vector<double>& out) {
  if (!entry.contains(key) || !entry[key].is_array()) {
    return DataLoss(std::string("peer check output: missing array '") + key + "'");
  }
  out = entry[key].get<std::vector<double>>();
  return Status::Ok();
}

}  // namespace

Status RunPeerCheck(const std::string& script, const std::string& work_dir,
                    std::vector<DatasetResults>& datasets, std::string* sklearn_version) {
  const std::string manifest = work_dir + "/manifest.json";
  ANML_RETURN_IF_ERROR(WriteManifest(manifest, datasets));
  auto output = Capture(std::string(kPeerPython) + " '" + script + "' '" + manifest + "'");
  if (!output.ok()) return output.status();

  // The script prints exactly one JSON object on standard output; its
  // diagnostics go to standard error.
  nlohmann::json result = nlohmann::json::parse(*output, nullptr, /*allow_exceptions=*/false);
  if (result.is_discarded() || !result.is_object() || !result.contains("datasets")) {
    return DataLoss("peer check output is not the expected JSON object: " +
                    output->substr(0, 200));
  }
  *sklearn_version = result.value("sklearn_version", std::string());
  for (DatasetResults& d : datasets) {
    if (!result["datasets"].contains(d.name)) continue;
    const nlohmann::json& entry = result["datasets"][d.name];
    ANML_RETURN_IF_ERROR(ReadSeries(entry, "error", d.peer.sklearn_error));
    ANML_RETURN_IF_ERROR(
        ReadSeries(entry, "samples_per_second", d.peer.sklearn_samples_per_second));
    ANML_RETURN_IF_ERROR(ReadSeries(entry, "batch_error", d.peer.batch_error));
  }
  return Status::Ok();
}

}  // namespace anml::bench
