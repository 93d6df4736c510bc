#!/usr/bin/env python3
"""Regenerates the figures of docs/RESULTS.md's tables (and the headline figures
of docs/LATENCY.md and docs/SEARCH.md that do not depend on time) from the
shipped benchmarks/, by running zerolm, and checks them against the docs or
rewrites them there.

Each row below names its table (a heading and the table's first header cells),
its label cells, and for every other cell the numbers it shows, in order,
computed from zerolm's --json output; `None` leaves a cell alone (a timing, a
figure quoted from a paper). A number is checked at the precision the doc shows
it (0.715 checks three decimals), so the docs keep their prose and emphasis and
only their numbers are regenerated.

  scripts/reproduce.py --check          every fast row (ctest reproduce_results)
  scripts/reproduce.py --check --all    also the sampled-mode rows (tens of minutes on 2 cores)
  scripts/reproduce.py --write [--all]  rewrite the numbers in the docs
  scripts/reproduce.py --list           the tables and rows it knows

ZEROLM (or --zerolm) names the binary, default build/zerolm; commands run from
the project root, so the docs' paths (benchmarks/...) are the paths used."""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
B = "benchmarks"
F = B + "/nas-bench-bert/architectures.json"
L = B + "/lts-gpt2/wt103.json"
U = B + "/upstream/lts"
N = B + "/upstream/nas-bench-bert"
TXL = U + "/random_TransXL_wt103"
H100 = B + "/hwgpt-latency/h100.json"
STATISTICS = ["log_det", "effective_rank", "stable_rank", "nuclear_norm", "frobenius"]
CALIBRATE = ["--sample", "50", "--repeats", "20"]


class Runner:
    """Runs zerolm commands once each and keeps their JSON output."""

    def __init__(self, zerolm, verbose):
        self.zerolm, self.verbose, self.cache, self.seconds = zerolm, verbose, {}, 0.0
        self.tmp = tempfile.mkdtemp(prefix="zerolm_reproduce.")

    def json(self, *args):
        key = tuple(args)
        if key not in self.cache:
            started = time.time()
            command = [self.zerolm] + [a.replace("$TMP", self.tmp) for a in args] + ["--json"]
            done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
            self.seconds += time.time() - started
            if self.verbose:
                print("  %.1fs  %s" % (time.time() - started, " ".join(command[1:])), file=sys.stderr)
            if done.returncode != 0:
                sys.exit("reproduce: `%s` exited %d: %s" % (" ".join(command), done.returncode,
                                                            done.stderr.strip().splitlines()[-1:]))
            self.cache[key] = json.loads(done.stdout)
        return self.cache[key]

    def last_json(self, *args):  # a command printing JSON lines (search --log-json): its last line
        key = ("last",) + tuple(args)
        if key not in self.cache:
            started = time.time()
            command = [self.zerolm] + [a.replace("$TMP", self.tmp) for a in args]
            done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
            self.seconds += time.time() - started
            if done.returncode != 0:
                sys.exit("reproduce: `%s` exited %d: %s" % (" ".join(command), done.returncode, done.stderr.strip()))
            self.cache[key] = json.loads(done.stdout.strip().splitlines()[-1])
        return self.cache[key]

    def run(self, *args):  # a command whose output is a file, not figures
        key = ("run",) + tuple(args)
        if key not in self.cache:
            command = [self.zerolm] + [a.replace("$TMP", self.tmp) for a in args]
            done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
            if done.returncode != 0:
                sys.exit("reproduce: `%s` exited %d: %s" % (" ".join(command), done.returncode, done.stderr.strip()))
            self.cache[key] = True


class Row:
    def __init__(self, doc, heading, header, labels, cells, slow=False, nth=0):
        self.doc, self.heading, self.header, self.labels = doc, heading, header, labels
        self.cells, self.slow, self.nth = cells, slow, nth  # cells: a function of a Runner


def rank(z, *args):
    return z.json("rank", *args)


def calibrated(r):  # alpha +- sd, Spearman +- sd, Kendall +- sd, Kendall 10%
    return [[r["alpha"], r["alpha_sd"]], [r["spearman"], r["spearman_sd"]], [r["kendall"], r["kendall_sd"]],
            [r["kendall_10pct"]]]


def plain(r):  # alpha, Spearman, Kendall, Kendall 10%
    return [[r["alpha"]], [r["spearman"]], [r["kendall"]], [r["kendall_10pct"]]]


def counts(r):  # a proxy without alpha: Spearman, Kendall, Kendall 10%
    return [[r["spearman"]], [r["kendall"]], [r["kendall_10pct"]]]


def rows():
    out = []
    R = "docs/RESULTS.md"

    # Spectral targets.
    def targets_pytorch(z, protocol):
        cal = rank(z, "--benchmark", F, "--protocol", protocol, "--proxy", "spectral", "--aggregate", "log",
                   "--calibrate-on", F, *CALIBRATE)
        heuristic = rank(z, "--benchmark", F, "--protocol", protocol, "--proxy", "spectral", "--aggregate", "log")
        return cal, heuristic

    def target_pytorch(z):
        cal, heuristic = targets_pytorch(z, "pytorch")
        return [None, None, [cal["kendall"], cal["kendall_sd"], heuristic["n"], heuristic["kendall"]],
                [round(0.72 - round(cal["kendall"], 3), 3)]]

    def target_trained(z):
        cal, heuristic = targets_pytorch(z, "trained")
        return [None, None, [cal["kendall"], cal["kendall_sd"], heuristic["kendall"]], None]

    def target_paper(z):
        nuclear = rank(z, "--benchmark", F, "--protocol", "paper", "--proxy", "spectral", "--statistic", "nuclear_norm",
                       "--aggregate", "log", "--calibrate-on", F, *CALIBRATE)
        log_det = rank(z, "--benchmark", F, "--protocol", "paper", "--proxy", "spectral", "--statistic", "log_det",
                       "--aggregate", "log", "--calibrate-on", F, *CALIBRATE)
        return [None, None, [nuclear["kendall"], log_det["kendall"]], None]

    def target_gpt2_free(z):
        free = rank(z, "--benchmark", L, "--proxy", "spectral", "--alpha", "0.5")
        heuristic = rank(z, "--benchmark", L, "--proxy", "spectral")
        params = rank(z, "--benchmark", L, "--proxy", "params", "--count", "non_embedding")
        return [None, [0.5, heuristic["alpha"], heuristic["kendall"]], [free["kendall"]], [params["kendall"], 0.89]]

    def target_gpt2_calibrated(z):
        cal = rank(z, "--benchmark", L, "--proxy", "spectral", "--calibrate-on", L, *CALIBRATE)
        return [None, None, [cal["kendall"], cal["kendall_sd"]], None]

    head = "| benchmark, protocol | target"
    out += [Row(R, "### Targets", head, ["FlexiBERT `pytorch`, K=50 x 20"], target_pytorch),
            Row(R, "### Targets", head, ["FlexiBERT `trained`, K=50 x 20"], target_trained),
            Row(R, "### Targets", head, ["FlexiBERT `paper`, K=50 x 20"], target_paper),
            Row(R, "### Targets", head, ["GPT-2 LTS, no data at all"], target_gpt2_free),
            Row(R, "### Targets", head, ["GPT-2 LTS, K=50 x 20"], target_gpt2_calibrated)]

    # Spectral proxies in sampled mode.
    def sampled_flexibert(protocol):
        def cells(z):
            r = rank(z, "--benchmark", F, "--protocol", protocol, "--proxy", "spectral", "--aggregate", "log", "--mode",
                     "sampled", "--device", "cpu", "--calibrate-on", F, *CALIBRATE)
            return [None, [r["alpha"]], [r["spearman"]], [r["kendall"], r["kendall_sd"]], [r["kendall_10pct"]], None]
        return cells

    def sampled_gpt2(z):
        r = rank(z, "--benchmark", L, "--proxy", "spectral", "--mode", "sampled", "--device", "cpu", "--alpha", "0.5")
        return [None] + plain(r) + [None]

    heading, head = "### `sampled` mode (real singular values", "| benchmark, protocol | proxy | alpha"
    out += [Row(R, heading, head, ["FlexiBERT pytorch"], sampled_flexibert("pytorch"), slow=True),
            Row(R, heading, head, ["FlexiBERT trained"], sampled_flexibert("trained"), slow=True),
            Row(R, heading, head, ["GPT-2 lts"], sampled_gpt2, slow=True)]

    # FlexiBERT: every statistic x aggregation x protocol.
    heading, head = "### FlexiBERT (NAS-Bench-BERT): every statistic", "| protocol | proxy | aggregate"
    for protocol in ["paper", "pytorch", "trained"]:
        for statistic in STATISTICS:
            for aggregate in ["log", "linear"]:
                def cells(z, p=protocol, s=statistic, a=aggregate):
                    r = rank(z, "--benchmark", F, "--protocol", p, "--proxy", "spectral", "--statistic", s,
                             "--aggregate", a, "--calibrate-on", F, *CALIBRATE)
                    return [[r["alpha"]], [r["spearman"]], [r["kendall"], r["kendall_sd"]], [r["kendall_10pct"]], None]
                out.append(Row(R, heading, head, [protocol, "spectral " + statistic, aggregate], cells))

        def heuristic(z, p=protocol):
            return plain(rank(z, "--benchmark", F, "--protocol", p, "--proxy", "spectral", "--aggregate", "log")) + [None]

        def zerolm(z, p=protocol):
            r = rank(z, "--benchmark", F, "--protocol", p, "--calibrate-on", F, *CALIBRATE)
            return [[r["alpha"]], [r["spearman"]], [r["kendall"], r["kendall_sd"]], [r["kendall_10pct"]], None]

        def params(z, p=protocol):
            return counts(rank(z, "--benchmark", F, "--protocol", p, "--proxy", "params")) + [None]

        out += [Row(R, heading, head, [protocol, "spectral log_det, heuristic alpha (all 350)", "log"], heuristic),
                Row(R, heading, head, [protocol, "zerolm (K=50 x 20)", ""], zerolm),
                Row(R, heading, head, [protocol, "#params (all 350)", ""], lambda z, f=params: [None] + f(z))]

    def published_paper(z):
        r = rank(z, "--benchmark", F, "--protocol", "paper", "--calibrate-on", F, *CALIBRATE)["baselines"]
        return [None, [r["head_confidence"]["spearman"]], [r["head_confidence"]["kendall"]], None, None]

    out.append(Row(R, heading, head, ["paper", "published: head_confidence (best of the file, same rows)", ""],
                   published_paper))

    # GPT-2: every statistic, no data and calibrated.
    heading, head = "### GPT-2 (LTS, WikiText-103)", "| proxy | aggregate | alpha"

    def gpt2_spectral(statistic, aggregate, extra=(), calibrate=False):
        args = ["--benchmark", L, "--proxy", "spectral", "--statistic", statistic, "--aggregate", aggregate] + list(extra)
        if calibrate:
            args += ["--calibrate-on", L] + CALIBRATE
        return args

    def free(statistic, aggregate, extra=("--alpha", "0.5")):
        return lambda z: plain(rank(z, *gpt2_spectral(statistic, aggregate, extra))) + [None]

    def gpt2_calibrated(statistic, aggregate):
        def cells(z):
            r = rank(z, *gpt2_spectral(statistic, aggregate, calibrate=True))
            return [[r["alpha"]], [r["spearman"]], [r["kendall"], r["kendall_sd"]], [r["kendall_10pct"]], None]
        return cells

    out += [Row(R, heading, head, ["spectral log_det, no data", "linear"], free("log_det", "linear")),
            Row(R, heading, head, ["spectral log_det, heuristic alpha", "linear"], free("log_det", "linear", ())),
            Row(R, heading, head, ["spectral log_det gain 30, no data", "linear"],
                free("log_det", "linear", ("--alpha", "0.5", "--gain", "30"))),
            Row(R, heading, head, ["spectral log_det, K=50 x 20", "linear"], gpt2_calibrated("log_det", "linear")),
            Row(R, heading, head, ["spectral log_det, no data", "log"], free("log_det", "log")),
            Row(R, heading, head, ["spectral log_det, K=50 x 20", "log"], gpt2_calibrated("log_det", "log"))]
    for statistic in STATISTICS[1:]:
        for aggregate in ["linear", "log"]:
            def both(z, s=statistic, a=aggregate):
                nd = rank(z, *gpt2_spectral(s, a, ("--alpha", "0.5")))
                cal = rank(z, *gpt2_spectral(s, a, calibrate=True))
                return [[nd[k], cal[k]] for k in ["alpha", "spearman", "kendall", "kendall_10pct"]] + [None]
            out.append(Row(R, heading, head, ["spectral %s, no data / K=50" % statistic, aggregate], both))

    def gpt2_zerolm(z):
        r = rank(z, "--benchmark", L, "--calibrate-on", L, *CALIBRATE)
        return [[r["alpha"]], [r["spearman"]], [r["kendall"], r["kendall_sd"]], [r["kendall_10pct"]], None]

    def gpt2_params(z):
        return [None] + counts(rank(z, "--benchmark", L, "--proxy", "params", "--count", "non_embedding")) + [None]

    def gpt2_published(z):
        b = rank(z, "--benchmark", L, "--proxy", "params")["baselines"]
        names = ["lpzero", "head_importance", "snip"]
        sign = {"lpzero": -1.0}
        return [None] + [[sign.get(n, 1.0) * b[n][k] for n in names] for k in ["spearman", "kendall", "kendall_10pct"]] + [None]

    out += [Row(R, heading, head, ["zerolm, K=50 x 20", ""], gpt2_zerolm),
            Row(R, heading, head, ["#params, non-embedding", ""], gpt2_params),
            Row(R, heading, head, ["published: lpzero (negated), head_importance, snip", ""], gpt2_published)]

    # FlexiBERT paper protocol.
    heading, head = "### `paper` protocol: the ZeroLM paper's setting", "| proxy (paper protocol)"

    def paper_calibrated(z):
        return calibrated(rank(z, "--benchmark", F, "--protocol", "paper", "--calibrate-on", F, *CALIBRATE))

    def paper_sampled(z):
        r = rank(z, "--benchmark", F, "--protocol", "paper", "--mode", "sampled", "--calibrate-on", F, *CALIBRATE)
        return [[r["alpha"]], [r["spearman"], r["spearman_sd"]], [r["kendall"], r["kendall_sd"]], [r["kendall_10pct"]]]

    out += [Row(R, heading, head, ["zerolm, expected, 50-sample calibration x 20"], paper_calibrated),
            Row(R, heading, head, ["zerolm, sampled (seed 0), 50-sample calibration x 20"], paper_sampled, slow=True),
            Row(R, heading, head, ["zerolm, expected, data-free heuristic alpha (all 350)"],
                lambda z: plain(rank(z, "--benchmark", F, "--protocol", "paper"))),
            Row(R, heading, head, ["#params (ours, = published `number_of_parameters`, all 350)"],
                lambda z: [None] + counts(rank(z, "--benchmark", F, "--protocol", "paper", "--proxy", "params")))]

    head = "| published proxy | Spearman | Kendall |"
    for name in ["head_confidence", "number_of_parameters", "head_confidence_normalized", "head_softmax_confidence",
                 "activation_distance", "synaptic_diversity", "head_importance", "synaptic_saliency", "jacobian_score"]:
        def cells(z, n=name):
            b = rank(z, "--benchmark", F, "--protocol", "paper", "--calibrate-on", F, *CALIBRATE)["baselines"][n]
            return [[b["spearman"]], [b["kendall"]]]
        out.append(Row(R, heading, head, [name], cells))

    def normalized_range(z):
        b = rank(z, "--benchmark", F, "--protocol", "paper", "--calibrate-on", F, *CALIBRATE)["baselines"]
        # head_confidence_normalized has its own row above.
        rest = [v for n, v in b.items() if n.endswith("_normalized") and n != "head_confidence_normalized"]
        return [[min(v[k] for v in rest), max(v[k] for v in rest)] for k in ["spearman", "kendall"]]

    out.append(Row(R, heading, head, ["(the `_normalized` variants)"], normalized_range))

    # FlexiBERT pytorch and trained protocols.
    heading, head = "### `pytorch` and `trained` protocols", "| protocol | proxy | alpha"
    for protocol in ["pytorch", "trained"]:
        def cal(z, p=protocol):
            return calibrated(rank(z, "--benchmark", F, "--protocol", p, "--calibrate-on", F, *CALIBRATE))

        def sampled(z, p=protocol):
            r = rank(z, "--benchmark", F, "--protocol", p, "--mode", "sampled", "--calibrate-on", F, *CALIBRATE)
            return [[r["alpha"]], [r["spearman"], r["spearman_sd"]], [r["kendall"], r["kendall_sd"]], [r["kendall_10pct"]]]

        out += [Row(R, heading, head, [protocol, "zerolm, expected, 50-sample calibration x 20"], cal),
                Row(R, heading, head, [protocol, "zerolm, sampled, 50-sample calibration x 20"], sampled, slow=True),
                Row(R, heading, head, [protocol, "zerolm, expected, heuristic alpha (all 350)"],
                    lambda z, p=protocol: plain(rank(z, "--benchmark", F, "--protocol", p))),
                Row(R, heading, head, [protocol, "#params of the %s network (all 350)" % protocol],
                    lambda z, p=protocol: [None] + counts(rank(z, "--benchmark", F, "--protocol", p, "--proxy", "params")))]

    # The published NAS-Bench-BERT files.
    heading, head = "### From the files as published (issue 13)", "| protocol | alpha | zerolm Spearman"
    for protocol in ["paper", "pytorch", "trained"]:
        def cells(z, p=protocol):
            r = rank(z, "--benchmark", N + "/BERT_benchmark.json", "--protocol", p)
            return [[r["alpha"]], [r["spearman"]], [r["kendall"]], [r["pearson"]], [r["kendall_10pct"]],
                    [r["baselines"]["number_of_parameters"]["spearman"]]]
        out.append(Row(R, heading, head, ["`%s`" % protocol], cells))

    # GPT-2 (LTS).
    heading, head = "## GPT-2 (LiteTransformerSearch", "| proxy (lts protocol)"

    def lts_sampled(z):
        r = rank(z, "--benchmark", L, "--mode", "sampled", "--calibrate-on", L, *CALIBRATE)
        return [[r["alpha"]], [r["spearman"], r["spearman_sd"]], [r["kendall"], r["kendall_sd"]], [r["kendall_10pct"]]]

    out += [Row(R, heading, head, ["zerolm, expected, 50-sample calibration x 20 (150 rows each)"],
                lambda z: calibrated(rank(z, "--benchmark", L, "--calibrate-on", L, *CALIBRATE))),
            Row(R, heading, head, ["zerolm, sampled, 50-sample calibration x 20"], lts_sampled, slow=True),
            Row(R, heading, head, ["zerolm, expected, heuristic alpha (all 200)"],
                lambda z: plain(rank(z, "--benchmark", L))),
            Row(R, heading, head, ["#params, non-embedding (ours = published `params.nonembedding`, all 200)"],
                lambda z: [None] + counts(rank(z, "--benchmark", L, "--proxy", "params", "--count", "non_embedding"))),
            Row(R, heading, head, ["#params, total (all 200)"],
                lambda z: [None] + counts(rank(z, "--benchmark", L, "--proxy", "params")))]
    head = "| published proxy | Spearman | Kendall | Kendall 10% |"
    for label, name in [("lpzero (negated sign: lower is better)", "lpzero"), ("num_parameters (total)", "num_parameters")] + [
            (n, n) for n in ["head_importance", "snip", "synaptic_saliency", "logsynflow", "synaptic_diversity",
                             "grad_norm", "fisher", "attention_confidence", "head_confidence", "activation_distance",
                             "synflow", "eznas", "jacobian_cosine", "grasp"]]:
        def cells(z, n=name):
            b = rank(z, "--benchmark", L, "--proxy", "params")["baselines"][n]
            return [[b["spearman"]], [b["kendall"]], [b["kendall_10pct"]]]
        out.append(Row(R, heading, head, [label], cells))

    # Transformer-XL (LTS).
    heading, head = "## Transformer-XL (LiteTransformerSearch", "| proxy (transxl protocol) | mode"

    def txl(*extra):
        return ["--benchmark", TXL, "--protocol", "transxl"] + list(extra)

    def txl_plain(*extra, alpha=True):
        def cells(z):
            r = rank(z, *txl(*extra))
            return [[r["alpha"]] if alpha else None, [r["spearman"]], [r["kendall"]], [r["kendall_10pct"]]]
        return cells

    def txl_calibrated(*extra, alpha=True):
        def cells(z):
            r = rank(z, *txl(*extra, "--calibrate-on", TXL, *CALIBRATE))
            return [[r["alpha"], r["alpha_sd"]] if alpha else None, [r["spearman"], r["spearman_sd"]],
                    [r["kendall"], r["kendall_sd"]], [r["kendall_10pct"]]]
        return cells

    sampled = ("--mode", "sampled", "--device", "cpu")
    txl_rows = [
        (["#params, non-embedding (= published `nonembedding`)", ""],
         lambda z: [None] + counts(rank(z, *txl("--proxy", "params", "--count", "non_embedding"))), False),
        (["#params, total (= published `total`)", ""], lambda z: [None] + counts(rank(z, *txl("--proxy", "params"))),
         False),
        (["spectral log_det, linear", "expected"], txl_plain("--proxy", "spectral"), False),
        (["spectral log_det, linear", "sampled"], txl_plain("--proxy", "spectral", *sampled), True),
        (["spectral log_det, linear, calibrated", "expected"], txl_calibrated("--proxy", "spectral"), False),
        (["spectral nuclear_norm, linear", "expected"], txl_plain("--proxy", "spectral", "--statistic", "nuclear_norm"),
         False),
        (["spectral stable_rank, linear", "expected"],
         txl_plain("--proxy", "spectral", "--statistic", "stable_rank", alpha=False), False),
        (["spectral effective_rank, linear", "expected"],
         txl_plain("--proxy", "spectral", "--statistic", "effective_rank", alpha=False), False),
        (["spectral log_det, log", "expected"], txl_plain("--proxy", "spectral", "--aggregate", "log", alpha=False),
         False),
        (["spectral log_det, log", "sampled"], txl_plain("--proxy", "spectral", "--aggregate", "log", *sampled), True),
        (["spectral nuclear_norm, log", "expected"],
         txl_plain("--proxy", "spectral", "--statistic", "nuclear_norm", "--aggregate", "log", alpha=False), False),
        (["spectral stable_rank, log", "expected"],
         txl_plain("--proxy", "spectral", "--statistic", "stable_rank", "--aggregate", "log", alpha=False), False),
        (["spectral effective_rank, log", "expected"],
         txl_plain("--proxy", "spectral", "--statistic", "effective_rank", "--aggregate", "log", alpha=False), False),
        (["zerolm", "expected"], txl_plain(), False),
        (["zerolm", "sampled"], txl_plain(*sampled), True),
        (["zerolm, calibrated", "expected"], txl_calibrated(alpha=False), False),
    ]
    for labels, cells, slow in txl_rows:
        out.append(Row(R, heading, head, labels, cells, slow=slow))
    out.append(Row(R, heading, head, ["zerolm", "expected"], txl_plain("--alpha", "0.5"), nth=1))

    # sampled vs expected agreement (zerolm modes): every file draws all its networks' weights.
    heading, head = "## `sampled` vs `expected` agreement", "| file | protocol | alpha 0.5"
    for label, path, protocol in [("nas-bench-bert (350)", F, "paper"), ("nas-bench-bert (350)", F, "pytorch"),
                                  ("nas-bench-bert (350)", F, "trained"), ("lts-gpt2 (200)", L, "lts"),
                                  ("hwgpt-latency (7000)", H100, "hwgpt")]:
        def cells(z, p=path, q=protocol):
            r = z.json("modes", "--benchmark", p, "--protocol", q, "--alpha", "0.5", "0.2", "-0.5", "1.09")
            return [[row["spearman"]] for row in r["agreement"]]
        out.append(Row(R, heading, head, [label, protocol], cells, slow=True))

    # Latency models on HW-GPT-Bench's H100 file.
    heading, head = "## Latency models against measured H100 latencies", "| model | Spearman | MAPE |"
    for label, model in [("`analytic` (7 constants)", "analytic"), ("`lut` (27 layer kinds + 3 stems)", "lut")]:
        def cells(z, m=model):
            z.run("latency", "fit", "--benchmark", H100, "--model", m, "--subset", "even", "--out", "$TMP/%s.json" % m)
            r = z.json("latency", "eval", "--benchmark", H100, "--model", "$TMP/%s.json" % m, "--subset", "odd")
            return [[r["spearman"]], [r["mape"]]]
        out.append(Row(R, heading, head, [label], cells))
    # docs/LATENCY.md's headline figures.
    D = "docs/LATENCY.md"
    heading, head = "# Latency models", "| model | held-out Spearman"
    for label, model in [("`analytic`", "analytic"), ("`lut`", "lut")]:
        def cells(z, m=model):
            z.run("latency", "fit", "--benchmark", H100, "--model", m, "--subset", "even", "--out", "$TMP/%s.json" % m)
            r = z.json("latency", "eval", "--benchmark", H100, "--model", "$TMP/%s.json" % m, "--subset", "odd")
            return [[r["spearman"]], [r["mape"]], None]
        out.append(Row(D, heading, head, [label], cells))
    titanxp = U + "/pareto_GPT2_lm1b_titanxp"

    def titanxp_latency(z):
        z.run("latency", "fit", "--benchmark", titanxp, "--subset", "even", "--out", "$TMP/titanxp-latency.json")
        r = z.json("latency", "eval", "--benchmark", titanxp, "--model", "$TMP/titanxp-latency.json", "--subset", "odd")
        fit = z.json("latency", "eval", "--benchmark", titanxp, "--model", "$TMP/titanxp-latency.json", "--subset",
                     "even")
        return [[fit["n"], r["n"]], [r["spearman"]], [r["mape"]]]

    def h100_latency(z):
        z.run("latency", "fit", "--benchmark", H100, "--model", "analytic", "--subset", "even", "--out",
              "$TMP/analytic.json")
        r = z.json("latency", "eval", "--benchmark", H100, "--model", "$TMP/analytic.json", "--subset", "odd")
        fit = z.json("latency", "eval", "--benchmark", H100, "--model", "$TMP/analytic.json", "--subset", "even")
        return [[fit["n"], r["n"]], [r["spearman"]], [r["mape"]]]

    heading, head = "# Latency on LTS's TitanXP Pareto set", "| folder (device) | records fit / checked"
    out += [Row(D, heading, head, ["`pareto_GPT2_lm1b_titanxp` (NVIDIA TitanXP)"], titanxp_latency),
            Row(D, heading, head, ["`hwgpt-latency/h100.json` (H100, unchanged by the active set)"],
                h100_latency)]

    # docs/SEARCH.md: evolution and random search against the exact optimum, 10 seeds.
    def against_exact(strategy):
        def cells(z):
            exact = z.json("enumerate", "--space", "flexibert", "--protocol", "trained", "--top", "10622",
                           "--reference-parameters", "2e7")
            best, threshold = exact["top"][0]["score"], exact["top"][-1]["score"]
            runs = [z.last_json("search", "experiments/flexibert-trained.yaml", "--set", "seed=%d" % seed, "--set",
                                "search.strategy=" + strategy, "--out", "$TMP/%s-%d" % (strategy, seed), "--log-json")
                    for seed in range(10)]
            ratios = [r["hypervolume"] / exact["hypervolume"] for r in runs]
            return [[sum(r["best_score"] >= threshold for r in runs), len(runs)],
                    [sum(r["best_score"] for r in runs) / len(runs)],
                    [sum(abs(r["best_score"] - best) <= 1e-9 * best for r in runs), len(runs)],
                    [sum(ratios) / len(ratios), min(ratios), max(ratios)],
                    [sum(x >= 0.95 for x in ratios), len(runs)], None]
        return cells

    heading, head = "## Against the exact optimum (FlexiBERT `trained`)", "| strategy | best in exact top 0.1%"
    out += [Row("docs/SEARCH.md", heading, head, ["regularized evolution"], against_exact("evolution")),
            Row("docs/SEARCH.md", heading, head, ["random search"], against_exact("random"))]
    return out


# --- the docs' tables -------------------------------------------------------

NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?:e-?\d+)?(?![\w.])")


def split_row(line):
    return [c.strip() for c in line.strip().strip("|").split("|")]


def bare(cell):
    return cell.replace("**", "").strip()


def find_table(lines, heading, header):
    """The line numbers of the body rows of the first table in the section `heading` whose header starts with `header`."""
    fenced, headings = False, {}  # a "# comment" inside a code block is not a heading
    for i, line in enumerate(lines):
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and line.startswith("#"):
            headings[i] = len(line) - len(line.lstrip("#"))
    start = next((i for i in sorted(headings) if heading in lines[i]), None)
    if start is None:
        return None
    for i in range(start + 1, len(lines)):
        if headings.get(i, 99) <= headings[start]:
            return None  # the section ended without such a table
        if lines[i].startswith(header):
            body = []
            for j in range(i + 2, len(lines)):
                if not lines[j].startswith("|"):
                    break
                body.append(j)
            return body
    return None


def check_cell(doc_cell, numbers):
    """(ok, new cell, why): the cell's numbers against the regenerated ones, at the doc's precision."""
    found = list(NUMBER.finditer(doc_cell))
    if len(found) != len(numbers):
        return False, doc_cell, "the doc shows %d numbers, %d regenerated (%s)" % (len(found), len(numbers), numbers)
    pieces, at, ok, why = [], 0, True, []
    for match, value in zip(found, numbers):
        text = match.group(0)
        decimals = len(text.split(".")[1]) if "." in text and "e" not in text else 0
        if "e" in text:
            fresh = "%.1e" % value
        else:
            fresh = "%.*f" % (decimals, value)
            if fresh in ("-0", "-0.0", "-0.00", "-0.000") and not text.startswith("-"):
                fresh = fresh[1:]
        if fresh != text:
            ok = False
            why.append("%s -> %s" % (text, fresh))
        pieces.append(doc_cell[at:match.start()])
        pieces.append(fresh)
        at = match.end()
    pieces.append(doc_cell[at:])
    return ok, "".join(pieces), ", ".join(why)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true", help="regenerate and compare; exit 1 on a difference")
    mode.add_argument("--write", action="store_true", help="regenerate and rewrite the docs' numbers")
    mode.add_argument("--list", action="store_true", help="list the rows")
    parser.add_argument("--all", action="store_true", help="also the slow (sampled-mode) rows")
    parser.add_argument("--zerolm", default=os.environ.get("ZEROLM", os.path.join(ROOT, "build", "zerolm")))
    parser.add_argument("--verbose", action="store_true", help="print each command and its time")
    args = parser.parse_args()

    selected = [r for r in rows() if args.all or not r.slow]
    if args.list:
        for r in rows():
            print("%s | %s | %s%s" % (r.doc, r.heading, " | ".join(r.labels), " (slow)" if r.slow else ""))
        return 0
    if not os.access(args.zerolm, os.X_OK):
        sys.exit("reproduce: %s is not an executable zerolm (set ZEROLM or --zerolm)" % args.zerolm)
    z = Runner(args.zerolm, args.verbose)
    docs, failures, checked, numbers = {}, [], 0, 0
    for row in selected:
        lines = docs.setdefault(row.doc, open(os.path.join(ROOT, row.doc)).read().split("\n"))
        body = find_table(lines, row.heading, row.header)
        where = "%s, %s, row %s" % (row.doc, row.heading, " | ".join(row.labels))
        if body is None:
            failures.append("%s: no table with header '%s'" % (where, row.header))
            continue
        matches = [i for i in body if [bare(c) for c in split_row(lines[i])[:len(row.labels)]] == row.labels]
        if len(matches) <= row.nth:
            failures.append("%s: no such row" % where)
            continue
        index = matches[row.nth]
        cells = split_row(lines[index])
        fresh = row.cells(z)
        if len(cells) != len(row.labels) + len(fresh):
            failures.append("%s: the doc has %d cells, the spec %d" % (where, len(cells), len(row.labels) + len(fresh)))
            continue
        checked += 1
        changed = False
        for k, numbers_of_cell in enumerate(fresh):
            if numbers_of_cell is None:
                continue
            column = len(row.labels) + k
            ok, new_cell, why = check_cell(cells[column], numbers_of_cell)
            numbers += len(numbers_of_cell)
            if not ok:
                failures.append("%s, column %d: %s" % (where, column + 1, why))
            changed = changed or new_cell != cells[column]
            cells[column] = new_cell
        if changed:  # rewrite only the rows whose numbers moved
            lines[index] = "|" + "|".join(" %s " % c if c else " " for c in cells) + "|"
    shutil.rmtree(z.tmp, ignore_errors=True)
    if args.write:
        for doc, lines in docs.items():
            with open(os.path.join(ROOT, doc), "w") as f:
                f.write("\n".join(lines))
    skipped = len(rows()) - len(selected)
    print("reproduce: %d rows, %d figures regenerated in %.0f s (%d commands)%s; %d differ%s" %
          (checked, numbers, z.seconds, len(z.cache), "; %d slow rows not run (--all)" % skipped if skipped else "",
           len(failures), " (rewritten)" if args.write and failures else ""))
    for f in failures:
        print("  " + f)
    return 1 if failures and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
