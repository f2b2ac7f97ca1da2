// The scikit-learn peer check: runs scripts/peer_sklearn.py on the clean
// streams the experiments wrote, and reads its results back.
//
// Operation. RunPeerCheck() writes a manifest (per dataset: task, classes,
// dimension and each seed's file prefix) next to the stream files, runs
// the script with kPeerPython (Debian's interpreter, which has
// python3-sklearn; a pyenv python earlier on PATH may not), and parses the
// one JSON object the script prints.
//
// Thread safety: none; runs a child process and waits for it.
// Limitations: needs /usr/bin/python3 with scikit-learn and numpy.
#ifndef ANML_BENCH_PEER_CHECK_H_
#define ANML_BENCH_PEER_CHECK_H_

#include <string>
#include <vector>

#include "bench/paper_experiments.h"
#include "engine/status.h"

namespace anml::bench {

inline constexpr const char* kPeerPython = "/usr/bin/python3";

// Fills each classification dataset's peer.sklearn_* values and
// `*sklearn_version`. Unavailable when the interpreter or scikit-learn is
// missing or the script fails (with its exit status); DataLoss when its
// output is not the expected JSON.
Status RunPeerCheck(const std::string& script, const std::string& work_dir,
                    std::vector<DatasetResults>& datasets, std::string* sklearn_version);

}  // namespace anml::bench

#endif  // ANML_BENCH_PEER_CHECK_H_
