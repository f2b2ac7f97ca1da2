"""The pieces the dashboard checks share: the repository's dashboards and
rules read as data, and a running stack of `anml demo` (the engine on its
embedded broker with a paced generator) scraped by a real Prometheus
server that uses a test copy of dashboards/prometheus/prometheus.yml.

Used by dashboards_test.py and by scripts/plot_dashboards.py.
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

import yaml

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
GRAFANA = os.path.join(REPO, "dashboards", "grafana")
PROMETHEUS = os.path.join(REPO, "dashboards", "prometheus")
DASHBOARD_NAMES = ("overview", "learning", "contributors", "state")
# Grafana's template variables, as the test evaluates them: every job and
# instance, and a rate window of several 1 s scrapes.
VARIABLES = {"$__rate_interval": "15s", "$job": ".*", "$instance": ".*"}
SCRAPE_INTERVAL = "1s"


def load_dashboards():
  out = {}
  for name in DASHBOARD_NAMES:
    with open(os.path.join(GRAFANA, f"{name}.json")) as f:
      out[name] = json.load(f)
  return out


def panel_queries(dashboards):
  """(dashboard, panel id, panel title, expr) for every panel target."""
  return [(name, panel["id"], panel["title"], t["expr"])
          for name, board in dashboards.items()
          for panel in board["panels"] for t in panel["targets"]]


def load_rules():
  with open(os.path.join(PROMETHEUS, "alerts.yml")) as f:
    return [r for g in yaml.safe_load(f)["groups"] for r in g["rules"]]


def expand(expr):
  for name, value in VARIABLES.items():
    expr = expr.replace(name, value)
  return expr


def declared_metrics():
  """Series names service/service_metrics.cc registers: each metric's name,
  or for a histogram the _bucket, _sum and _count series it exports."""
  with open(os.path.join(REPO, "service", "service_metrics.cc")) as f:
    source = f.read()
  names = set(re.findall(r'"(anml_[a-z0-9_]+)"', source))
  histograms = set(re.findall(r'Latency\(\s*r,\s*"(anml_[a-z0-9_]+)"', source))
  if not histograms:
    raise ValueError("no histogram found in service_metrics.cc: has "
                     "Latency() been renamed?")
  for histogram in histograms:
    names.remove(histogram)
    names |= {histogram + s for s in ("_bucket", "_sum", "_count")}
  return names


def metric_names(expr):
  """The anml_ metric names an expression reads."""
  return set(re.findall(r"\b(anml_[a-z0-9_]+)\b", expr))


def free_port():
  with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    return s.getsockname()[1]


def http_get(url, timeout=5):
  with urllib.request.urlopen(url, timeout=timeout) as response:
    return response.read().decode()


def wait_for(predicate, timeout, what):
  deadline = time.monotonic() + timeout
  last = None
  while time.monotonic() < deadline:
    try:
      if predicate():
        return
    except (OSError, urllib.error.URLError, ValueError) as error:
      last = error
    time.sleep(0.5)
  raise TimeoutError(f"{what} not within {timeout} s (last error: {last})")


class Stack:
  """`anml demo` plus a Prometheus scraping it every second.

  Use as a context manager; both processes are stopped (SIGTERM, then
  SIGKILL after 10 s) and the temporary directory removed on exit.
  """

  def __init__(self, anml, seconds=40):
    self.anml, self.seconds = anml, seconds
    self.dir = tempfile.mkdtemp(prefix="anml-dashboards-")
    self.engine_port, self.prometheus_port = free_port(), free_port()
    self.processes, self.logs = [], []

  def __enter__(self):
    try:
      self._start_engine()
      self._start_prometheus()
    except BaseException:
      self.__exit__(None, None, None)
      raise
    return self

  def __exit__(self, *exc):
    for process in reversed(self.processes):
      if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
          process.wait(timeout=10)
        except subprocess.TimeoutExpired:
          process.kill()
          process.wait()
    for log in self.logs:
      log.close()
    shutil.rmtree(self.dir, ignore_errors=True)

  def _spawn(self, name, argv):
    log = open(os.path.join(self.dir, f"{name}.log"), "w")
    self.logs.append(log)
    self.processes.append(subprocess.Popen(argv, stdout=log, stderr=log))

  def log(self, name):
    with open(os.path.join(self.dir, f"{name}.log")) as f:
      return f.read()[-4000:]

  def _start_engine(self):
    self.engine_address = f"127.0.0.1:{self.engine_port}"
    self._spawn("engine", [self.anml, "demo", "--seconds", str(self.seconds),
                           "--http-address", self.engine_address,
                           "--state-dir", os.path.join(self.dir, "state")])
    wait_for(lambda: "anml_ready" in http_get(
        f"http://{self.engine_address}/metrics"), 30, "engine /metrics")

  def test_config(self):
    """The repository's prometheus.yml, pointed at the demo, scraping and
    evaluating every second."""
    with open(os.path.join(PROMETHEUS, "prometheus.yml")) as f:
      config = yaml.safe_load(f)
    config["global"]["scrape_interval"] = SCRAPE_INTERVAL
    config["global"]["evaluation_interval"] = SCRAPE_INTERVAL
    config["rule_files"] = [os.path.join(PROMETHEUS, r)
                            for r in config["rule_files"]]
    (job,) = [j for j in config["scrape_configs"] if j["job_name"] == "anml"]
    job["static_configs"] = [{"targets": [self.engine_address]}]
    return config

  def _start_prometheus(self):
    path = os.path.join(self.dir, "prometheus.yml")
    with open(path, "w") as f:
      yaml.safe_dump(self.test_config(), f)
    self.prometheus_url = f"http://127.0.0.1:{self.prometheus_port}"
    self._spawn("prometheus", [
        "prometheus", f"--config.file={path}",
        f"--storage.tsdb.path={os.path.join(self.dir, 'tsdb')}",
        f"--web.listen-address=127.0.0.1:{self.prometheus_port}"])
    wait_for(lambda: http_get(f"{self.prometheus_url}/-/ready"), 30,
             "prometheus /-/ready")

  def api(self, path, **params):
    """GET /api/v1/<path>; returns the decoded body, errors included."""
    url = f"{self.prometheus_url}/api/v1/{path}?{urllib.parse.urlencode(params)}"
    try:
      return json.loads(http_get(url, timeout=10))
    except urllib.error.HTTPError as error:
      return json.loads(error.read().decode())

  def query(self, expr, **params):
    return self.api("query", query=expr, **params)

  def wait_for_scrapes(self, count, timeout=60):
    """Waits until Prometheus holds `count` scrapes of the engine."""
    def enough():
      body = self.query('count_over_time(anml_ready{job="anml"}[5m])')
      result = body.get("data", {}).get("result", [])
      return result and float(result[0]["value"][1]) >= count
    wait_for(enough, timeout, f"{count} scrapes of the engine")
