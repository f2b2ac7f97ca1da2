#include "tests/connectors/external_client.h"

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace anml::connectors::testing {
namespace {

constexpr char kScript[] = R"PY(
import json, sys, time, uuid
from confluent_kafka import Consumer, Producer

mode, bootstrap = sys.argv[1], sys.argv[2]
if mode == "produce":
    producer = Producer({"bootstrap.servers": bootstrap})
    for line in sys.stdin:
        m = json.loads(line)
        value = m["value"].encode() if m["value"] is not None else None
        key = m["key"].encode() if m["key"] is not None else None
        headers = [(k, v.encode()) for k, v in m.get("headers", {}).items()]
        producer.produce(m["topic"], value=value, key=key, partition=m["partition"],
                         headers=headers or None)
        producer.poll(0)
    sys.exit(0 if producer.flush(30) == 0 else 1)
topic, count, timeout = sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": str(uuid.uuid4()),
                     "auto.offset.reset": "earliest", "enable.auto.commit": False})
consumer.subscribe([topic])
seen, deadline = 0, time.time() + timeout
text = lambda b: None if b is None else b.decode("utf-8", "replace")
while seen < count and time.time() < deadline:
    m = consumer.poll(0.2)
    if m is None or m.error():
        continue
    seen += 1
    headers = {k: text(v) for k, v in (m.headers() or [])}
    print(json.dumps({"partition": m.partition(), "offset": m.offset(), "key": text(m.key()),
                      "value": text(m.value()), "headers": headers}), flush=True)
consumer.close()
)PY";

std::string ScriptPath() {
  static const std::string path = [] {
    std::string file = fmt::format("/tmp/anml_kafka_client_{}.py", getpid());
    std::ofstream(file) << kScript;
    return file;
  }();
  return path;
}

int ExitCode(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : -1; }

}  // namespace

int PythonProduce(const std::string& bootstrap, const std::vector<nlohmann::json>& messages) {
  std::string command = fmt::format("/usr/bin/python3 {} produce {}", ScriptPath(), bootstrap);
  FILE* pipe = popen(command.c_str(), "w");
  if (pipe == nullptr) return -1;
  for (const auto& message : messages) {
    std::string line = message.dump() + "\n";
    std::fwrite(line.data(), 1, line.size(), pipe);
  }
  return ExitCode(pclose(pipe));
}

std::vector<nlohmann::json> PythonConsume(const std::string& bootstrap,
                                          const std::string& topic, int count,
                                          double timeout_s) {
  std::string command = fmt::format("/usr/bin/python3 {} consume {} {} {} {}", ScriptPath(),
                                    bootstrap, topic, count, timeout_s);
  std::vector<nlohmann::json> out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  std::string text;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) text.append(buffer, n);
  pclose(pipe);
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    out.push_back(nlohmann::json::parse(line, nullptr, false));
  }
  return out;
}

int KcatProduce(const std::string& bootstrap, const std::string& topic,
                const std::vector<std::string>& lines) {
  std::string command = fmt::format("kcat -P -q -b {} -t {} -K '|'", bootstrap, topic);
  FILE* pipe = popen(command.c_str(), "w");
  if (pipe == nullptr) return -1;
  for (const std::string& line : lines) {
    std::fwrite(line.data(), 1, line.size(), pipe);
    std::fputc('\n', pipe);
  }
  return ExitCode(pclose(pipe));
}

}  // namespace anml::connectors::testing
