#!/usr/bin/python3
"""Writes alerts_test.yml, the promtool unit tests of alerts.yml.

promtool compares an alert's annotations exactly, so each expected alert
carries its rendered summary, description and runbook. The cases below
are the source (input series, when each alert must fire and when it must
stay silent); this script renders the expected annotations from alerts.yml
by substituting the two template fields the rules use ($labels.instance
and $value). tests/dashboards checks that the committed file equals what
this writes; `promtool test rules alerts_test.yml` runs it.
"""
import os
import re
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
BAD = "bad:9464"    # The engine each case drives into the alert.
GOOD = "good:9464"  # An engine beside it that must stay silent.


def series(metric, instance, values, **labels):
  labels = dict(job="anml", instance=instance, **labels)
  text = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
  return {"series": f"{metric}{{{text}}}", "values": values}


# Each case: an alert, its input series, and (eval time, fires?) checks.
# `value` is what {{ $value }} renders to at the firing checks.
CASES = [
    dict(alert="AnmlEngineDown", checks=[("4m", False), ("6m", True)],
         series=[series("up", BAD, "1 0x10"), series("up", GOOD, "1x11")]),
    dict(alert="AnmlNotReady", checks=[("4m", False), ("7m", True)],
         series=[series("anml_ready", BAD, "1 0x10"),
                 series("anml_ready", GOOD, "1x11")]),
    # Samples stop at 5m; the 5m rate reaches 0 at 10m, fires 10m later.
    dict(alert="AnmlNoSamples", checks=[("15m", False), ("21m", True)],
         series=[series("anml_samples_total", BAD, "0+600x5 3000x20",
                        outcome="trained"),
                 series("anml_samples_total", GOOD, "0+600x25",
                        outcome="trained")]),
    # Lag grows by 1000 a minute: above 10000 from 11m, fires at 26m.
    # A high but steady lag stays silent.
    dict(alert="AnmlConsumerLagGrowing", value="27000",
         checks=[("20m", False), ("27m", True)],
         series=[series("anml_consumer_lag_messages", BAD, "0+1000x40"),
                 series("anml_consumer_lag_messages", GOOD, "20000x40")]),
    # 10% of records dead-lettered against 1% beside it.
    dict(alert="AnmlDeadLetterSpike", checks=[("3m", False), ("10m", True)],
         series=[series("anml_samples_total", BAD, "0+600x20",
                        outcome="trained"),
                 series("anml_dead_letters_total", BAD, "0+60x20",
                        reason="bad_json"),
                 series("anml_samples_total", GOOD, "0+600x20",
                        outcome="trained"),
                 series("anml_dead_letters_total", GOOD, "0+6x20",
                        reason="bad_json")]),
    dict(alert="AnmlGateServingBaseline",
         checks=[("90m", False), ("150m", True)],
         series=[series("anml_served_scheme", BAD, "1x200", scheme="uniform"),
                 series("anml_served_scheme", BAD, "0x200",
                        scheme="anml_gated"),
                 series("anml_served_scheme", GOOD, "0x200",
                        scheme="uniform"),
                 series("anml_served_scheme", GOOD, "1x200",
                        scheme="anml_gated")]),
    dict(alert="AnmlGateExcessAboveBound",
         checks=[("20m", False), ("40m", True)],
         series=[series("anml_gate_excess_loss", BAD, "0.2x60"),
                 series("anml_gate_excess_bound_loss", BAD, "0.1x60"),
                 series("anml_gate_excess_loss", GOOD, "0.05x60"),
                 series("anml_gate_excess_bound_loss", GOOD, "0.1x60")]),
    dict(alert="AnmlStateCommitsFailing", checks=[("3m", False),
                                                  ("10m", True)],
         series=[series("anml_state_commits_total", BAD, "0+1x20",
                        result="error"),
                 series("anml_state_commits_total", BAD, "0+60x20",
                        result="ok"),
                 series("anml_state_commits_total", GOOD, "0x20",
                        result="error"),
                 series("anml_state_commits_total", GOOD, "0+60x20",
                        result="ok")]),
]


def rules():
  with open(os.path.join(HERE, "alerts.yml")) as f:
    doc = yaml.safe_load(f)
  return {r["alert"]: r for g in doc["groups"] for r in g["rules"]}


def render(text, instance, value):
  text = re.sub(r"\{\{\s*\$labels\.instance\s*\}\}", instance, text)
  return re.sub(r"\{\{\s*\$value\s*\}\}", value, text)


def expected(rule, value):
  labels = {"job": "anml", "instance": BAD, **rule.get("labels", {})}
  notes = {k: render(v, BAD, value) for k, v in rule["annotations"].items()}
  return {"exp_labels": labels, "exp_annotations": notes}


def document():
  by_name = rules()
  missing = set(by_name) - {case["alert"] for case in CASES}
  if missing:
    raise SystemExit(f"alerts without a unit test: {sorted(missing)}")
  tests = []
  for case in CASES:
    rule = by_name[case["alert"]]
    checks = [{"eval_time": at, "alertname": case["alert"],
               "exp_alerts": [expected(rule, case.get("value", ""))]
               if fires else []}
              for at, fires in case["checks"]]
    tests.append({"name": f"{case['alert']} fires for {BAD} only",
                  "interval": "1m", "input_series": case["series"],
                  "alert_rule_test": checks})
  return {"rule_files": ["alerts.yml"], "evaluation_interval": "1m",
          "tests": tests}


HEADER = ("# promtool unit tests of alerts.yml: each alert fires for the engine\n"
          "# driven into it and stays silent before its `for` elapses and for\n"
          "# the healthy engine beside it. Generated by\n"
          "# generate_alerts_test.py; run with\n"
          "#   promtool test rules dashboards/prometheus/alerts_test.yml\n")


def text():
  return HEADER + yaml.safe_dump(document(), sort_keys=False, width=1000)


def main():
  with open(os.path.join(HERE, "alerts_test.yml"), "w") as out:
    out.write(text())
  return 0


if __name__ == "__main__":
  sys.exit(main())
