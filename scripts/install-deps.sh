#!/usr/bin/env bash
# Installs every Debian package anml needs to build, test, benchmark and run.
# This one list is used by the README, by CI (.ci/run) and by the Dockerfile's
# build stage, so a fresh Debian bookworm machine needs nothing else.
#
# Usage: scripts/install-deps.sh          (as root, or with sudo available)
set -euo pipefail

packages=(
  # Toolchain.
  build-essential cmake ninja-build pkg-config ccache git
  # Libraries the code links.
  libeigen3-dev librdkafka-dev librocksdb-dev prometheus-cpp-dev
  libcivetweb-dev libsimdjson-dev nlohmann-json3-dev libspdlog-dev
  libfmt-dev libcli11-dev libgtest-dev libgmock-dev libbenchmark-dev
  # Real peers for integration and end-to-end tests.
  kcat python3 python3-confluent-kafka prometheus curl procps
  # Benchmarks: the scikit-learn peer check and the report's plots.
  python3-sklearn python3-matplotlib python3-yaml
  # Sanitizer builds and fuzzing.
  clang libclang-rt-14-dev
)

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd=(sudo)
fi

export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${packages[@]}"
