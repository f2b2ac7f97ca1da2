#!/usr/bin/python3
"""Writes anml's four Grafana dashboards (overview, learning, contributors,
state) as JSON next to this file.

The JSON files are committed; this script is their source. Edit a panel
here, run `/usr/bin/python3 dashboards/grafana/generate.py`, and commit both.
tests/dashboards checks that the committed JSON equals what this writes.

Every query reads only metrics that `anml run` exports (service/
service_metrics.cc), through the `datasource` variable, filtered by the
`instance` variable.
"""
import json
import os
import sys

DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
SELECTOR = 'job=~"$job", instance=~"$instance"'
RATE = "$__rate_interval"
LATENCY_QUANTILES = (0.5, 0.9, 0.99)
FACTORS = (
    ("q", "q: gradient consistency",
     "Quantiles over resident contributors of q, the cosine between a "
     "contributor's decayed mean gradient (on the uniform observer) and the "
     "robust reference direction g_ref, mapped to [0, 1] and shrunk toward a "
     "prior for contributors with few samples. A low tail is the set of "
     "contributors whose gradients disagree with the rest."),
    ("v", "v: verification",
     "Quantiles over resident contributors of v, the factor the verification "
     "level maps to (for example verified 1.0, pending 0.7, unverified 0.5, "
     "revoked 0)."),
    ("r", "r: reputation",
     "Quantiles over resident contributors of r, the mean of the Beta "
     "posterior whose prior is the external reputation score and whose "
     "evidence is the contributor's long-horizon consistency record."),
    ("t", "T: temporal relevance",
     "Quantiles over resident contributors of T, the exponential decay of a "
     "contributor's relevance with the event time since its last sample."),
)


def sel(extra=""):
  """The label matcher every query carries, with optional extra matchers."""
  return "{" + SELECTOR + (", " + extra if extra else "") + "}"


def target(expr, legend, ref="A", **extra):
  out = {"datasource": DATASOURCE, "refId": ref, "expr": expr,
         "legendFormat": legend, "range": True}
  out.update(extra)
  return out


def targets(*pairs):
  return [target(expr, legend, chr(ord("A") + i))
          for i, (expr, legend) in enumerate(pairs)]


class Dashboard:
  """Lays panels out on Grafana's 24-column grid, left to right."""

  def __init__(self, uid, title, description):
    self.uid, self.title, self.description = uid, title, description
    self.panels = []
    self.x = self.y = self.row_height = 0

  def add(self, kind, title, description, panel_targets, unit, width=12,
          height=8, options=None, field=None, overrides=None):
    if self.x + width > 24:
      self.x, self.y, self.row_height = 0, self.y + self.row_height, 0
    defaults = {"unit": unit}
    defaults.update(field or {})
    panel = {
        "id": len(self.panels) + 1,
        "type": kind,
        "title": title,
        "description": description,
        "datasource": DATASOURCE,
        "gridPos": {"h": height, "w": width, "x": self.x, "y": self.y},
        "fieldConfig": {"defaults": defaults, "overrides": overrides or []},
        "options": options or {},
        "targets": panel_targets,
    }
    self.panels.append(panel)
    self.x += width
    self.row_height = max(self.row_height, height)
    return panel

  def timeseries(self, title, description, panel_targets, unit, width=12,
                 height=8, stack=False, bars=False, field=None):
    custom = {"drawStyle": "bars" if bars else "line", "lineWidth": 1,
              "fillOpacity": 30 if stack or bars else 10,
              "showPoints": "never", "spanNulls": False,
              "stacking": {"mode": "normal" if stack else "none",
                           "group": "A"}}
    merged = {"custom": custom}
    merged.update(field or {})
    return self.add("timeseries", title, description, panel_targets, unit,
                    width, height, field=merged,
                    options={"legend": {"displayMode": "table",
                                        "placement": "right",
                                        "showLegend": True,
                                        "calcs": ["lastNotNull", "max"]},
                             "tooltip": {"mode": "multi", "sort": "desc"}})

  def stat(self, title, description, panel_targets, unit, width=6, height=4,
           mappings=None, thresholds=None):
    field = {"mappings": mappings or []}
    if thresholds:
      field["thresholds"] = {"mode": "absolute", "steps": thresholds}
      field["color"] = {"mode": "thresholds"}
    return self.add("stat", title, description, panel_targets, unit, width,
                    height, field=field,
                    options={"reduceOptions": {"calcs": ["lastNotNull"],
                                               "fields": "",
                                               "values": False},
                             "colorMode": "background" if thresholds
                             else "value",
                             "graphMode": "area", "textMode": "auto"})

  def json(self):
    return {
        "uid": self.uid,
        "title": self.title,
        "description": self.description,
        "tags": ["anml"],
        "editable": True,
        "graphTooltip": 1,
        "schemaVersion": 38,
        "version": 1,
        "refresh": "10s",
        "time": {"from": "now-1h", "to": "now"},
        "timezone": "browser",
        "links": [{"type": "dashboards", "tags": ["anml"], "asDropdown": True,
                   "title": "anml dashboards", "includeVars": True,
                   "keepTime": True}],
        "annotations": {"list": []},
        "templating": {"list": variables()},
        "panels": self.panels,
    }


def variables():
  def query_variable(name, label, query):
    return {"name": name, "label": label, "type": "query",
            "datasource": DATASOURCE, "definition": query,
            "query": {"query": query, "refId": name},
            "refresh": 2, "includeAll": True, "multi": True,
            "allValue": ".*", "current": {}, "sort": 1, "hide": 0}

  return [
      {"name": "datasource", "label": "Prometheus", "type": "datasource",
       "query": "prometheus", "refresh": 1, "current": {}, "hide": 0,
       "regex": ""},
      query_variable("job", "Job", "label_values(anml_build_info, job)"),
      query_variable("instance", "Instance",
                     'label_values(anml_build_info{job=~"$job"}, instance)'),
  ]


def latency_targets(metric):
  return targets(*[
      (f"histogram_quantile({q}, sum by (le) "
       f"(rate({metric}_bucket{sel()}[{RATE}])))", f"p{round(q * 100)}")
      for q in LATENCY_QUANTILES])


def overview():
  d = Dashboard("anml-overview", "anml / Overview",
                "Throughput, lag, latency, dead letters, weights published "
                "and readiness of the anml engines.")
  d.stat("Ready engines", "Engines whose anml_ready is 1: they have a state "
         "store open, partitions assigned, and a successful poll of the "
         "samples topic within 15 s.",
         targets((f"sum(anml_ready{sel()})", "ready")), "none",
         thresholds=[{"color": "red", "value": None},
                     {"color": "green", "value": 1}])
  d.stat("Not ready engines", "Engines whose /readyz fails (anml_ready 0): "
         "shutting down, state store not open, no partition assigned, or the "
         "broker not answering polls.",
         targets((f"count(anml_ready{sel()} == 0) or vector(0)",
                  "not ready")), "none",
         thresholds=[{"color": "green", "value": None},
                     {"color": "red", "value": 1}])
  d.stat("Samples per second", "All sample records read per second, "
         "whatever their outcome.",
         targets((f"sum(rate(anml_samples_total{sel()}[{RATE}]))",
                  "samples/s")), "ops")
  d.stat("Model version", "Version of the newest committed model; it "
         "advances by one with every committed step.",
         targets((f"max(anml_model_version{sel()})", "version")), "none")
  d.timeseries("Samples per second by outcome", "Sample records per second "
               "by outcome: trained (used to update the learners), heldout "
               "(kept aside to score the schemes), validation (gold samples "
               "from the validation topic), dead_letter (rejected and sent "
               "to the dead-letter topic).",
               targets((f"sum by (outcome) (rate(anml_samples_total{sel()}"
                        f"[{RATE}]))", "{{outcome}}")), "ops", stack=True)
  d.timeseries("Consumer lag", "Samples not yet consumed, summed over the "
               "partitions assigned to each engine "
               "(anml_consumer_lag_messages).",
               targets((f"sum by (instance) (anml_consumer_lag_messages"
                        f"{sel()})", "{{instance}}")), "short")
  d.timeseries("Batch latency", "Quantiles of the time to decode and apply "
               "one batch of samples, from anml_batch_duration_seconds.",
               latency_targets("anml_batch_duration_seconds"), "s")
  d.timeseries("Commit latency", "Quantiles of the time the engine spends "
               "in one state-store commit (waiting for the previous step's "
               "RocksDB write, then encoding contributor records, model and "
               "input offsets into one write batch), from "
               "anml_commit_duration_seconds.",
               latency_targets("anml_commit_duration_seconds"), "s")
  d.timeseries("Dead letters by reason", "Records per second sent to the "
               "dead-letter topic, by reason code (bad_json, "
               "wrong_dimension, bad_label, missing_contributor, ...). Each "
               "dead letter carries the original bytes and headers naming "
               "the error and its source topic, partition and offset.",
               targets((f"sum by (reason) (rate(anml_dead_letters_total"
                        f"{sel()}[{RATE}]))", "{{reason}}")), "ops",
               stack=True)
  d.timeseries("Weights published", "Contributor weight records published "
               "to the weights topic per second, and deliveries that failed "
               "after retries.",
               targets((f"sum(rate(anml_weights_published_total{sel()}"
                        f"[{RATE}]))", "published"),
                       (f"sum(rate(anml_weights_publish_errors_total{sel()}"
                        f"[{RATE}]))", "failed")), "ops")
  d.timeseries("Readiness", "anml_ready per engine over time: 1 ready, "
               "0 not ready.",
               targets((f"anml_ready{sel()}", "{{instance}}")), "none",
               width=24, height=5,
               field={"min": 0, "max": 1, "mappings": [
                   {"type": "value", "options": {
                       "0": {"text": "not ready", "color": "red"},
                       "1": {"text": "ready", "color": "green"}}}]})
  return d


def learning():
  d = Dashboard("anml-learning", "anml / Learning",
                "The Stage 2 gate: held-out loss of every candidate scheme, "
                "the scheme served, switches, and the served model against "
                "the best candidate.")
  d.timeseries("Prequential loss per scheme", "Robust held-out loss of each "
               "candidate scheme's shadow learner, scored test-then-train on "
               "held-out samples no learner trains on, and combined as a "
               "trimmed mean over contributors so a minority cannot steer "
               "it. Lower is better.",
               targets((f"max by (scheme) (anml_scheme_heldout_loss{sel()})",
                        "{{scheme}}")), "none", width=24)
  d.add("state-timeline", "Served scheme", "The scheme whose model is "
        "served (anml_served_scheme is 1 for it, 0 for the others). The gate "
        "changes it only when a confidence bound says another is better.",
        targets((f"max by (scheme) (anml_served_scheme{sel()})",
                 "{{scheme}}")), "none", width=24, height=6,
        field={"min": 0, "max": 1,
               "color": {"mode": "thresholds"},
               "thresholds": {"mode": "absolute", "steps": [
                   {"color": "transparent", "value": None},
                   {"color": "green", "value": 1}]},
               "mappings": [{"type": "value", "options": {
                   "0": {"text": "candidate"}, "1": {"text": "served"}}}]},
        options={"showValue": "never", "mergeValues": True,
                 "rowHeight": 0.8, "legend": {"showLegend": False}})
  d.timeseries("Held-out loss: served against best", "The robust held-out "
               "loss of the served scheme beside the lowest robust loss of "
               "any candidate. The gap is what serving costs against "
               "hindsight; the gate keeps it within its bound.",
               targets((f"max by (instance) (anml_scheme_heldout_loss{sel()} "
                        f"* on (job, instance, scheme) "
                        f"anml_served_scheme{sel()})", "served {{instance}}"),
                       (f"min by (instance) (anml_scheme_heldout_loss"
                        f"{sel()})", "best candidate {{instance}}")), "none")
  d.timeseries("Gate excess and its bound", "anml_gate_excess_loss is the "
               "trimmed mean over units of the served scheme's held-out loss "
               "minus the best candidate's; anml_gate_excess_bound_loss is "
               "the confidence radius the gate guarantees it stays within. "
               "Excess above the bound means the guarantee is broken.",
               targets((f"max by (instance) (anml_gate_excess_loss{sel()})",
                        "excess {{instance}}"),
                       (f"max by (instance) (anml_gate_excess_bound_loss"
                        f"{sel()})", "bound {{instance}}")), "none")
  d.timeseries("Gate switches", "Changes of the served scheme by the Stage 2 "
               "gate in each interval. Frequent switching means the "
               "candidates are close and the choice barely matters.",
               targets((f"sum(increase(anml_gate_switches_total{sel()}"
                        f"[{RATE}]))", "switches")), "short", bars=True)
  d.timeseries("Served model's mean held-out loss", "Mean held-out loss of "
               "the served model over every held-out sample since start, "
               "test then train (anml_served_heldout_loss). Unlike the "
               "robust per-scheme losses it is not trimmed, so it includes "
               "the early samples and the contributors the trim drops.",
               targets((f"max by (instance) (anml_served_heldout_loss"
                        f"{sel()})", "{{instance}}")), "none")
  d.timeseries("Event-time delay", "Wall time minus the largest event time "
               "seen (anml_watermark_seconds): how far behind real time the "
               "stream's event times are.",
               targets((f"time() - max by (instance) (anml_watermark_seconds"
                        f"{sel()})", "{{instance}}")), "s")
  d.timeseries("Model version", "Version of the newest committed model.",
               targets((f"max by (instance) (anml_model_version{sel()})",
                        "{{instance}}")), "none")
  return d


def factor_targets(factor):
  return targets((f'max by (quantile) (anml_contributor_factor'
                  f'{sel(f"factor={chr(34)}{factor}{chr(34)}")})',
                  "p{{quantile}}"))


def contributors():
  d = Dashboard("anml-contributors", "anml / Contributors",
                "How many contributors the engines hold, how their weights "
                "and quality factors q, v, r, T are distributed, and what "
                "they are credited with. Per-contributor values are on the "
                "weights topic; metrics carry distributions only.")
  d.timeseries("Contributors", "Contributors in the reference set (active "
               "recently, anml_contributors_active) and contributor records "
               "resident in memory (anml_contributors_cached).",
               targets((f"sum(anml_contributors_active{sel()})", "active"),
                       (f"sum(anml_contributors_cached{sel()})", "cached")),
               "short")
  d.timeseries("Weight distribution", "Quantiles over resident contributors "
               "of the combined weight w (normalized to mean 1 over active "
               "contributors and clipped). A low 5% or 25% quantile while "
               "the median stays near 1 means some contributors are being "
               "down-weighted.", factor_targets("weight"), "none")
  for factor, title, description in FACTORS:
    d.timeseries(f"{title}", description, factor_targets(factor),
                 "percentunit", field={"min": 0, "max": 1})
  d.timeseries("Weight held by verified contributors", "Share of the "
               "resident contributors' total weight held by verified ones "
               "(anml_verified_weight_share_ratio). A credential-faking "
               "attack does not raise it: Stage 1 ignores v and r while q is "
               "low.", targets((f"max by (instance) "
                                f"(anml_verified_weight_share_ratio{sel()})",
                                "{{instance}}")), "percentunit",
               field={"min": 0, "max": 1})
  d.timeseries("Attribution total", "Sum over resident contributors of "
               "their attribution: the running first-order estimate of each "
               "contributor's effect on held-out loss (step * w * <g, "
               "g_val> summed over its samples).",
               targets((f"sum by (instance) (anml_attribution_sum{sel()})",
                        "{{instance}}")), "none", width=24)
  return d


def state():
  d = Dashboard("anml-state", "anml / State",
                "The RocksDB state store: size, commit latency and results, "
                "contributor cache.")
  d.timeseries("RocksDB state size", "Size of the RocksDB state "
               "(anml_state_size_bytes): its SST files plus its memtables, "
               "so superseded versions count until compaction drops them.",
               targets((f"max by (instance) (anml_state_size_bytes{sel()})",
                        "{{instance}}")), "bytes")
  d.timeseries("Commits by result", "State-store commits per second by "
               "result. A failed commit is retried with the next step; its "
               "records stay dirty meanwhile.",
               targets((f"sum by (result) (rate(anml_state_commits_total"
                        f"{sel()}[{RATE}]))", "{{result}}")), "ops")
  d.timeseries("Commit latency", "Quantiles of the time the engine spends "
               "in one state-store commit: waiting for the previous step's "
               "write, then encoding contributor deltas, model and input "
               "offsets into one write batch.",
               latency_targets("anml_commit_duration_seconds"), "s")
  heatmap = d.add(
      "heatmap", "Commit latency distribution", "Commits per interval in "
      "each latency bucket of anml_commit_duration_seconds.",
      [target(f"sum by (le) (increase(anml_commit_duration_seconds_bucket"
              f"{sel()}[{RATE}]))", "{{le}}", format="heatmap")],
      "s", options={"calculate": False, "yAxis": {"unit": "s"},
                    "cellGap": 1, "color": {"scheme": "Oranges",
                                            "mode": "scheme"},
                    "legend": {"show": True}})
  heatmap["fieldConfig"]["defaults"] = {"unit": "s"}
  d.timeseries("Contributor cache hit ratio", "Share of contributor "
               "lookups answered by records already in memory; the rest "
               "read the RocksDB store. Empty while no samples arrive.",
               targets((f"sum(rate(anml_state_cache_hits_total{sel()}"
                        f"[{RATE}])) / (sum(rate(anml_state_cache_hits_total"
                        f"{sel()}[{RATE}])) + sum(rate("
                        f"anml_state_cache_misses_total{sel()}[{RATE}])))",
                        "hit ratio")), "percentunit",
               field={"min": 0, "max": 1})
  d.timeseries("Contributor lookups", "Contributor lookups per second: "
               "hits found the record in memory, misses read the store.",
               targets((f"sum(rate(anml_state_cache_hits_total{sel()}"
                        f"[{RATE}]))", "hits"),
                       (f"sum(rate(anml_state_cache_misses_total{sel()}"
                        f"[{RATE}]))", "misses")), "ops")
  return d


DASHBOARDS = {"overview": overview, "learning": learning,
              "contributors": contributors, "state": state}


def render(name):
  """The JSON text of dashboard `name`, as committed."""
  return json.dumps(DASHBOARDS[name]().json(), indent=2) + "\n"


def main():
  here = os.path.dirname(os.path.abspath(__file__))
  for name in DASHBOARDS:
    with open(os.path.join(here, f"{name}.json"), "w") as out:
      out.write(render(name))
  return 0


if __name__ == "__main__":
  sys.exit(main())
