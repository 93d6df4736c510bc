#!/usr/bin/env python3
"""`zerolm export --format archai` of transxl architectures read back as an LTS run
folder (ctest export_archai; the standard library and python3-yaml only):
  - a transxl search front and seed architectures with archai's options no search
    draws (pre_lnorm, untied softmax tables, tie_projs, initialisation stds) are
    exported; every model_config.yaml holds only fields of the upstream
    Transformer-XL folder's files, with their values where the architecture does not
    set them;
  - laid out as a run folder (MK/model_config.yaml, ppl_summary.yaml with made-up
    perplexities, params_summary.yaml with archai's MemTransformerLM counts computed
    here from each model_config.yaml alone), zerolm's LTS reader gives every record
    the exported architecture (hash, canonical JSON) and count, and `params --check`
    reproduces the counts under transxl and under no other protocol.
ZEROLM names the binary; ZEROLM_BENCHMARKS the shared benchmarks (without them the
upstream fields and the formula's check against LTS's published counts are skipped)."""
import glob
import json
import os
import subprocess
import sys
import tempfile

try:
    import yaml
except ImportError as error:
    print("SKIP: python3-yaml is not importable (%s)" % error)
    sys.exit(77)

ZEROLM = os.environ["ZEROLM"]
failures = []

TXL_EMBEDDING = {"kind": "adaptive", "d_embed": 64, "div_val": 1, "n_token": 267736,
                 "cutoffs": [19997, 39997, 199997, 267736], "tgt_len": 192}
SEEDS = [
    {"n_layer": 2, "d_model": 64, "n_head": [2, 4], "d_inner": [128, 96], "bias": True, "pre_lnorm": True,
     "weight_init_std": 0.03, "embedding": dict(TXL_EMBEDDING, div_val=2, tie_weight=False,
                                                tie_projs=[False, True, False, True])},
    {"n_layer": 1, "d_model": 128, "n_head": [4], "d_inner": [256], "bias": True, "proj_init_std": 0.02,
     "embedding": dict(TXL_EMBEDDING, tie_weight=True, tie_projs=[True, False, True, False])},
    {"n_layer": 3, "d_model": 128, "n_head": [8, 2, 4], "d_inner": [64, 256, 700], "bias": True,
     "embedding": dict(TXL_EMBEDDING, d_embed=128)},
]


def check(condition, what):
    if not condition:
        failures.append(what)
        print("FAIL: " + what)
    return condition


def search(tmp, name, lines):
    config = os.path.join(tmp, name + ".yaml")
    with open(config, "w") as f:
        f.write("\n".join(["space: gpt2", "protocol: transxl"] + lines +
                          ["proxy:", "  name: zerolm", "  mode: expected", "  alpha: 0.5",
                           "objectives: [proxy, parameters]", "seed: 5"]) + "\n")
    run = os.path.join(tmp, "run-" + name)
    subprocess.run([ZEROLM, "search", config, "--out", run, "--log-json"], check=True, stdout=subprocess.DEVNULL)
    return run


def zerolm(*args):
    return subprocess.run([ZEROLM] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def per_layer(c, key):
    value = c[key]
    return value[:c["n_layer"]] if isinstance(value, list) else [value] * c["n_layer"]


def archai_counts(c):
    """archai's MemTransformerLM (attn_type 0) parameters from its model_config.yaml, as
    LTS's params_summary.yaml counts them: Attn (qkv_net, r_net, o_net, r_w_bias,
    r_r_bias), FFN (CoreNet), nonembedding (the layers, LayerNorms included), AdaEmb
    (word_emb), total (with the softmax's bias, cluster logits and untied parameters)."""
    D, n_token, div_val = c["d_model"], c["n_token"], c["div_val"]
    d_embed = D if c["d_embed"] < 0 else c["d_embed"]
    cutoffs = [x for x in c["cutoffs"] if x < n_token] + [n_token]
    attention = ffn = norms = 0
    for heads, inner in zip(per_layer(c, "n_head"), per_layer(c, "d_inner")):
        width = heads * (D // heads)
        attention += 3 * D * width + D * width + width * D + 2 * width
        ffn += D * inner + inner + inner * D + D
        norms += 4 * D
    widths = [d_embed // div_val ** i for i in range(len(cutoffs))] if div_val != 1 else [d_embed] * len(cutoffs)
    starts = [0] + cutoffs[:-1]
    tables = [(n_token, d_embed)] if div_val == 1 else [(e - s, w) for s, e, w in zip(starts, cutoffs, widths)]
    projected = div_val != 1 or d_embed != D
    embedding = sum(rows * w for rows, w in tables) + (sum(D * w for _, w in tables) if projected else 0)
    softmax = n_token + (len(cutoffs) - 1) * (d_embed + 1)
    if projected:
        softmax += sum(D * w for w, tied in zip(widths, c["tie_projs"]) if not tied)
    if not c["tie_weight"]:
        softmax += sum(rows * w for rows, w in tables)
    non_embedding = attention + ffn + norms
    return {"Attn": attention, "FFN": ffn, "nonembedding": non_embedding, "AdaEmb": embedding,
            "total": non_embedding + embedding + softmax}


def upstream_folder():
    root = os.environ.get("ZEROLM_BENCHMARKS") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "../benchmarks")
    folder = os.path.join(root, "upstream/lts/random_TransXL_wt103")
    return folder if os.path.isfile(os.path.join(folder, "params_summary.yaml")) else None


def formula_on_upstream(folder):
    """archai_counts against LTS's own params_summary.yaml: (records equal, records)."""
    with open(os.path.join(folder, "params_summary.yaml")) as f:
        published = yaml.safe_load(f)
    equal = 0
    for record, counts in published.items():
        config_dir, job = record.rsplit("_", 1)
        with open(os.path.join(folder, config_dir, job, "model_config.yaml")) as f:
            ours = archai_counts(yaml.safe_load(f))
        equal += 1 if all(int(counts[key]) == value for key, value in ours.items()) else 0
    return equal, len(published)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        front = search(tmp, "front", ["choices:", "  n_layer: [2, 6]", "  d_inner: [256, 2048]",
                                      "search:", "  strategy: evolution", "  population: 16", "  tournament: 4",
                                      "  children: 8", "  max_evaluations: 40"])
        seeded = search(tmp, "seeded", ["search:", "  strategy: evolution", "  population: %d" % len(SEEDS),
                                        "  tournament: 2", "  children: 1", "  max_evaluations: %d" % len(SEEDS),
                                        "  seed_architectures:"] + ["    - " + json.dumps(a) for a in SEEDS])
        exports = []
        for run, which in ((front, ["--pareto"]), (seeded, ["--top", str(len(SEEDS))])):
            out = os.path.join(tmp, "archai-" + os.path.basename(run))
            done = zerolm("export", run, *which, "--format", "archai", "--out", out)
            if check(done.returncode == 0, "%s: --format archai failed: %s" % (run, done.stderr.strip())):
                exports += sorted(glob.glob(os.path.join(out, "*")))
        check(len(exports) >= len(SEEDS) + 2, "only %d architectures exported" % len(exports))

        upstream_dir = upstream_folder()
        check(upstream_dir is not None, "no upstream LTS Transformer-XL folder (the project's benchmarks/ folder)")
        upstream, published = None, ""
        if upstream_dir:
            with open(os.path.join(upstream_dir, "config_0", "j0", "model_config.yaml")) as f:
                upstream = yaml.safe_load(f)
            # The oracle below is archai's count: it gives LTS's published params_summary.yaml.
            equal, records = formula_on_upstream(upstream_dir)
            check(equal == records and records > 0, "archai's formula gives %d of %d upstream records' counts" %
                  (equal, records))
            published = " (it gives %d of %d upstream Transformer-XL records' published counts)" % (equal, records)
        # The fields the architecture sets; every other exported field has the upstream value.
        architectural = {"n_layer", "d_model", "n_head", "d_inner", "d_embed", "div_val", "cutoffs", "n_token",
                         "tgt_len", "mem_len", "tie_projs", "tie_weight", "pre_lnorm", "weight_init_std",
                         "proj_init_std"}

        folder = os.path.join(tmp, "run-folder")
        ppl, params, exported = {}, {}, {}
        for k, path in enumerate(exports, start=1):
            record = "M%d" % k
            with open(os.path.join(path, "model_config.yaml")) as f:
                text = f.read()
            config = yaml.safe_load(text)
            with open(os.path.join(path, "zerolm.json")) as f:
                exported[record] = json.load(f)
            if upstream is not None:
                extra = sorted(set(config) - set(upstream))
                check(not extra, "%s: fields %s are in no upstream Transformer-XL model_config.yaml" % (path, extra))
                differ = sorted(key for key in set(config) & set(upstream) - architectural
                                if config[key] != upstream[key])
                check(not differ, "%s: %s differ from the upstream file's values" % (path, differ))
            os.makedirs(os.path.join(folder, record))
            with open(os.path.join(folder, record, "model_config.yaml"), "w") as f:
                f.write(text)
            ppl[record] = {"valid_ppl": 30.0 + k, "test_ppl": 31.0 + k}  # made up: the reader needs ground truth
            params[record] = archai_counts(config)
        with open(os.path.join(folder, "ppl_summary.yaml"), "w") as f:
            yaml.safe_dump(ppl, f)
        with open(os.path.join(folder, "params_summary.yaml"), "w") as f:
            yaml.safe_dump(params, f)
        formula = sum(1 for r, p in params.items() if p["total"] == exported[r]["parameters"] and
                      p["nonembedding"] == exported[r]["non_embedding_parameters"])
        check(formula == len(params), "archai's formula gives zerolm's exported counts for %d of %d records" %
              (formula, len(params)))

        # The LTS reader: the exported architecture and count of every record.
        read = zerolm("params", "--benchmark", folder, "--protocol", "transxl", "--json")
        same = 0
        if check(read.returncode == 0, "params --benchmark the run folder: %s" % read.stderr.strip()):
            rows = {row["id"]: row for row in json.loads(read.stdout)}
            check(sorted(rows) == sorted(exported), "records read %s, written %s" % (sorted(rows), sorted(exported)))
            for record, z in exported.items():
                row = rows.get(record)
                ok = row is not None and row["hash"] == z["hash"] and row["architecture"] == z["architecture"] and \
                    row["total"] == z["parameters"] and row["non_embedding"] == z["non_embedding_parameters"]
                same += 1 if ok else 0
                check(ok, "%s: read back as %s, exported %s (%d parameters)" %
                      (record, json.dumps(row), json.dumps(z["architecture"]), z["parameters"]))
        # params --check: archai's counts reproduced under transxl only.
        chosen = zerolm("params", "--benchmark", folder, "--protocol", "transxl", "--check", "--json")
        reproduced = {}
        if check(chosen.returncode == 0, "params --check under transxl: exit %d: %s%s" %
                 (chosen.returncode, chosen.stdout, chosen.stderr)):
            reproduced = {p["protocol"]: p["reproduced"] for p in json.loads(chosen.stdout)["protocols"]}
            check(reproduced.get("transxl") == len(exports) and reproduced.get("lts") == 0,
                  "params --check reproduced %s of %d records" % (reproduced, len(exports)))
        default = zerolm("params", "--benchmark", folder, "--check")
        check(default.returncode == 1, "params --check under the default lts: exit %d, expected 1" % default.returncode)

        seeds_found = sum(1 for z in exported.values() if z["architecture"] in SEEDS)
        check(seeds_found == len(SEEDS), "%d of %d seed architectures exported" % (seeds_found, len(SEEDS)))
        print("ok: --format archai, transxl: %d model_config.yaml (a search front and %d seeds) %s; as an LTS run "
              "folder, zerolm's reader gives %d of %d the exported architecture (hash, JSON) and count; archai's "
              "MemTransformerLM formula%s = zerolm's count for %d of %d; params --check reproduces %s" %
              (len(exports), len(SEEDS), "with the upstream Transformer-XL fields and values" if upstream
               else "(no upstream files: fields not compared)", same, len(exports), published, formula,
               len(exports), ", ".join("%s %d" % kv for kv in sorted(reproduced.items()))))
    if failures:
        print("%d failures" % len(failures))
        sys.exit(1)


main()
