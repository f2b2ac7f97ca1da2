#!/usr/bin/python3
"""Draws docs/images/dashboards-demo.png: six anml dashboard panels' data as
a real Prometheus recorded it while scraping `anml demo` every second.

The queries are the panels' own, read from dashboards/grafana/*.json and
run through Prometheus's query_range API, so the picture shows what Grafana
would. Refresh the picture by hand after changing the dashboards; CI does
not run this.

Usage: /usr/bin/python3 scripts/plot_dashboards.py [build/anml] [seconds]
"""
import os
import sys
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "dashboards"))
import stack  # noqa: E402

OUTPUT = os.path.join(REPO, "docs", "images", "dashboards-demo.png")
PANELS = [
    ("overview", "Samples per second by outcome"),
    ("overview", "Dead letters by reason"),
    ("learning", "Prequential loss per scheme"),
    ("learning", "Held-out loss: served against best"),
    ("contributors", "q: gradient consistency"),
    ("contributors", "r: reputation"),
]


def legend(template, labels):
  out = template
  for key, value in labels.items():
    out = out.replace("{{" + key + "}}", value)
  return out


def panel(dashboards, name, title):
  (found,) = [p for p in dashboards[name]["panels"] if p["title"] == title]
  return found


def main():
  anml = sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, "build",
                                                             "anml")
  seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 45
  dashboards = stack.load_dashboards()
  with stack.Stack(anml, seconds=seconds) as running:
    start = time.time()
    time.sleep(seconds - 3)
    end = time.time()
    figure, axes = plt.subplots(2, 3, figsize=(16, 8.5))
    for axis, (name, title) in zip(axes.flat, PANELS):
      chosen = panel(dashboards, name, title)
      for t in chosen["targets"]:
        body = running.api("query_range", query=stack.expand(t["expr"]),
                           start=start, end=end, step=1)
        for series in body["data"]["result"]:
          xs = [float(v[0]) - start for v in series["values"]]
          ys = [float(v[1]) for v in series["values"]]
          axis.plot(xs, ys, label=legend(t["legendFormat"], series["metric"]))
      unit = chosen["fieldConfig"]["defaults"]["unit"]
      axis.set_title(f"{name}: {title}", fontsize=10)
      axis.set_xlabel("seconds since the demo started")
      axis.set_ylabel({"ops": "per second", "s": "seconds",
                       "percentunit": "fraction"}.get(unit, unit))
      axis.grid(alpha=0.3)
      axis.legend(fontsize=7, loc="best")
  figure.suptitle("anml dashboards on `anml demo`, queried from Prometheus "
                  "(1 s scrapes)")
  figure.tight_layout()
  os.makedirs(os.path.dirname(OUTPUT), exist_ok=True)
  figure.savefig(OUTPUT, dpi=90)
  print(OUTPUT)
  return 0


if __name__ == "__main__":
  sys.exit(main())
