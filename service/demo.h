// The demo: the whole engine on the embedded default, with nothing else
// installed.
//
// Operation. RunDemo() starts the embedded broker, a generator thread that
// publishes contributor metadata and then paced samples from a seeded cast
// of contributors (DemoCast()), and an EngineService against both. While it
// runs, the terminal shows throughput, the served scheme and every
// contributor's weight and factors, refreshed in place (a line every few
// seconds when the output is not a terminal). At the end it prints which
// contributors the engine caught and where to look next.
//
// Thread safety: RunDemo() owns its threads; `stop` may be set from a
// signal handler.
#ifndef ANML_SERVICE_DEMO_H_
#define ANML_SERVICE_DEMO_H_

#include <atomic>
#include <string>
#include <vector>

#include "engine/status.h"
#include "service/options.h"
#include "simulation/synthetic_stream.h"

namespace anml::service {

struct DemoOptions {
  double seconds = 20;       // Length of the run; stop earlier with Ctrl-C.
  double samples_per_second = 2000;
  uint64_t seed = 7;
  ServiceOptions service;    // Brokers and dimension are set by the demo.
};

// A demo contributor: its simulated behaviour and what it stands for.
struct DemoContributor {
  simulation::ContributorSpec spec;
  std::string role;   // "honest", "noisy", "label-flipping", ...
  bool bad = false;   // Whether a good engine should weigh it down.
};

// The seeded cast: honest clinics (some verified), a noisy lab, a
// label-flipping lab, a credential-faking lab and a late joiner. The three
// corrupt labs are 3 of 11 contributors, below the Stage 2 gate's trim
// fraction (30% of scoring units from each end), as the gate requires.
std::vector<DemoContributor> DemoCast(double samples_per_second, double seconds);

// Runs the demo to its summary. OK when it ran to the end or was stopped.
Status RunDemo(const DemoOptions& options, const std::atomic<bool>& stop);

}  // namespace anml::service

#endif  // ANML_SERVICE_DEMO_H_
