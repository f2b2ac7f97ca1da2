#!/usr/bin/python3
"""Plots for `anml bench paper`, from the results.json it writes.

Usage: plot_paper.py RESULTS_JSON OUT_DIR
Writes four PNG files into OUT_DIR and prints their names, one a line (the
bench links them from report.md). Improvements are computed as the report
computes them: per seed (base_s - scheme_s) / mean(base), mean and 95%
Student-t interval over seeds. Uses matplotlib's Agg backend (no display).
"""
import json
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

try:
    from scipy.stats import t as student_t
except ImportError:  # Without scipy, fall back to the normal quantile.
    student_t = None

ANML = ["anml_multiplicative", "anml_softmax", "anml_gated", "served"]
GRADIENT_ONLY = ["gradient_only", "sample_level"]
BASELINES = ["uniform", "gradient_only", "sample_level"]
# The abstract's figures, drawn beside ours.
PAPER_REDUCTION = (0.33, 0.72)
PAPER_TOP20 = 0.47
PAPER_RATIO = (1.3, 5.3)
DPI = 120


def mean(values):
    return sum(values) / len(values) if values else float("nan")


def interval(values):
    n = len(values)
    m = mean(values)
    if n < 2:
        return m, 0.0
    sd = math.sqrt(sum((v - m) ** 2 for v in values) / (n - 1))
    q = student_t.ppf(0.975, n - 1) if student_t else 1.96
    return m, q * sd / math.sqrt(n)


def improvement(base, other):
    scale = mean(base)
    if not scale > 0:
        return [0.0 for _ in base]
    return [(b - o) / scale for b, o in zip(base, other)]


def best_gradient_only(series):
    return min(GRADIENT_ONLY, key=lambda name: mean(series[name]))


def bars(ax, names, groups, values, errors):
    width = 0.8 / len(groups)
    for g, group in enumerate(groups):
        xs = [i + (g - (len(groups) - 1) / 2) * width for i in range(len(names))]
        ax.bar(xs, values[g], width, yerr=errors[g], capsize=2, label=group)
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels(names)
    ax.axhline(0, color="black", linewidth=0.8)


def plot_reduction(results, out):
    names = list(results["datasets"])
    values, errors = [], []
    for scheme in ANML:
        row_v, row_e = [], []
        for name in names:
            series = results["datasets"][name]["exp1"]
            m, e = interval(improvement(series[best_gradient_only(series)], series[scheme]))
            row_v.append(100 * m)
            row_e.append(100 * e)
        values.append(row_v)
        errors.append(row_e)
    fig, ax = plt.subplots(figsize=(9, 4.5))
    ax.axhspan(100 * PAPER_REDUCTION[0], 100 * PAPER_REDUCTION[1], color="green", alpha=0.12,
               label="paper: 33-72%")
    bars(ax, names, ANML, values, errors)
    ax.set_ylabel("error reduction vs best gradient-only (%)")
    ax.set_title("1. ANML-style schemes vs the best gradient-only baseline")
    ax.legend(fontsize=8)
    return save(fig, out, "exp1_error_reduction.png")


def plot_top20(results, out):
    names = list(results["datasets"])
    values, errors = [], []
    for name in names:
        exp2 = results["datasets"][name]["exp2"]
        m, e = interval(improvement(exp2["uniform_error"], exp2["top20_error"]))
        values.append(100 * m)
        errors.append(100 * e)
    fig, ax = plt.subplots(figsize=(8, 4))
    bars(ax, names, ["top 20% (anml_gated rank) vs 100% uniform"], [values], [errors])
    ax.axhline(100 * PAPER_TOP20, color="green", linestyle="--", label="paper: +47%")
    ax.set_ylabel("improvement (%)")
    ax.set_title("2. Data efficiency")
    ax.legend(fontsize=8)
    return save(fig, out, "exp2_top20.png")


def plot_gate(results, out):
    names = list(results["datasets"])
    attacks = results["settings"]["attacks"]
    values = []
    for attack in attacks:
        row = []
        for name in names:
            series = results["datasets"][name]["exp3"].get(attack)
            if not series:
                row.append(float("nan"))
                continue
            excess = series["excess"]
            scale = mean(series["best"])
            row.append(100 * max(excess) / scale if scale > 0 else 0.0)
        values.append(row)
    fig, ax = plt.subplots(figsize=(9, 4.5))
    bars(ax, names, attacks, values, [None] * len(attacks))
    ax.set_ylabel("worst-case served excess over best candidate\n(% of best candidate's error)")
    ax.set_title("3. Two-stage gate under attack (paper: never underperforms)")
    ax.legend(fontsize=8)
    return save(fig, out, "exp3_gate_excess.png")


def plot_ratio(results, out):
    names = list(results["datasets"])
    fig, axes = plt.subplots(1, len(names), figsize=(3.2 * len(names), 3.6), sharey=False)
    if len(names) == 1:
        axes = [axes]
    for ax, name in zip(axes, names):
        exp4 = results["datasets"][name]["exp4"]
        rates = sorted(exp4, key=float, reverse=True)
        xs = [float(r) for r in rates]
        for scheme, label in [("gradient_only", "contributor-level"),
                              ("sample_level", "sample-level")]:
            ms, es = [], []
            for r in rates:
                m, e = interval(improvement(exp4[r]["uniform"], exp4[r][scheme]))
                ms.append(100 * m)
                es.append(100 * e)
            ax.errorbar(xs, ms, yerr=es, marker="o", capsize=2, label=label)
        ax.axhline(0, color="black", linewidth=0.8)
        ax.set_xscale("log")
        ax.set_xticks(xs)
        ax.set_xticklabels([f"{x:g}" for x in xs], fontsize=7)
        ax.minorticks_off()
        ax.invert_xaxis()
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("corruption rate (subtler ->)")
    axes[0].set_ylabel("improvement over uniform (%)")
    axes[0].legend(fontsize=7)
    fig.suptitle("4. Contributor-level vs sample-level (paper: 1.3-5.3x)")
    return save(fig, out, "exp4_contributor_vs_sample.png")


def save(fig, out, name):
    fig.tight_layout()
    fig.savefig(os.path.join(out, name), dpi=DPI)
    plt.close(fig)
    return name


def main():
    if len(sys.argv) != 3:
        print("usage: plot_paper.py RESULTS_JSON OUT_DIR", file=sys.stderr)
        return 2
    with open(sys.argv[1]) as f:
        results = json.load(f)
    for plot in (plot_reduction, plot_top20, plot_gate, plot_ratio):
        print(plot(results, sys.argv[2]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
