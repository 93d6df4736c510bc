#!/usr/bin/env python3
"""`zerolm export --format hf` and `--format archai` read back (ctest export_hf;
the standard library and python3-yaml only, no transformers):
  - every hf config.json: only fields its Hugging Face class reads, and the
    class's parameter formula, field by field, gives zerolm's count; zerolm reads
    it back (`params --from`) to the same architecture;
  - exports that Hugging Face cannot build exactly (a heterogeneous or LTS gpt2,
    llama layers with different query heads) exit 2 with one line naming
    --format pytorch;
  - every archai model_config.yaml has the upstream LTS run folders' fields and
    zerolm's LTS reader gives it zerolm's count.
ZEROLM names the binary; ZEROLM_BENCHMARKS the shared benchmarks (for the
upstream field list; that check is skipped without it)."""
import glob
import json
import os
import subprocess
import sys
import tempfile

ZEROLM = os.environ["ZEROLM"]
failures = []


def check(condition, what):
    if not condition:
        failures.append(what)
        print("FAIL: " + what)
    return condition


def search(tmp, name, space, protocol, choices, evaluations=40):
    config = os.path.join(tmp, name + ".yaml")
    lines = ["space: %s" % space, "protocol: %s" % protocol, "choices:"]
    lines += ["  %s: %s" % (k, json.dumps(v)) for k, v in choices.items()]
    lines += ["proxy:", "  name: zerolm", "  mode: expected", "  alpha: 0.5",
              "search:", "  strategy: evolution", "  population: 16", "  tournament: 4", "  children: 8",
              "  max_evaluations: %d" % evaluations, "objectives: [proxy, parameters]", "seed: 3"]
    with open(config, "w") as f:
        f.write("\n".join(lines) + "\n")
    run = os.path.join(tmp, "run-" + name)
    subprocess.run([ZEROLM, "search", config, "--out", run, "--log-json"], check=True, stdout=subprocess.DEVNULL)
    return run


def export(run, fmt, out, which="--pareto"):
    return subprocess.run([ZEROLM, "export", run, which, "--format", fmt, "--out", out],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


# The fields each class reads (transformers' GPT2Config, LlamaConfig, DeciLMConfig
# and PretrainedConfig's own); an export holding any other is wrong: HF would
# ignore it silently.
PRETRAINED = {"architectures", "model_type", "tie_word_embeddings", "auto_map"}
GPT2_FIELDS = PRETRAINED | {"vocab_size", "n_positions", "n_embd", "n_layer", "n_head", "n_inner",
                            "activation_function", "layer_norm_epsilon", "initializer_range"}
LLAMA_FIELDS = PRETRAINED | {"vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers",
                             "num_attention_heads", "num_key_value_heads", "head_dim", "hidden_act", "rms_norm_eps",
                             "rope_theta", "initializer_range", "attention_bias", "mlp_bias"}
DECILM_FIELDS = PRETRAINED | {"vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "hidden_act",
                              "rms_norm_eps", "rope_theta", "initializer_range", "block_configs"}


def gpt2_parameters(c):
    """GPT2LMHeadModel: wte, wpe, per layer ln_1, c_attn, c_proj, ln_2, c_fc, c_proj (all with biases), ln_f; head tied."""
    D, V, P, L = c["n_embd"], c["vocab_size"], c["n_positions"], c["n_layer"]
    inner = c.get("n_inner") or 4 * D
    check(D % c["n_head"] == 0, "GPT2Config: n_head %d does not divide n_embd %d" % (c["n_head"], D))
    check(c.get("tie_word_embeddings", True), "GPT2Config: untied head")
    layer = 2 * D + (D * 3 * D + 3 * D) + (D * D + D) + 2 * D + (D * inner + inner) + (inner * D + D)
    return V * D + P * D + L * layer + 2 * D


def llama_parameters(c):
    """LlamaForCausalLM: embed_tokens, per layer RMSNorm, q/k/v/o, RMSNorm, gate/up/down; norm; lm_head unless tied."""
    h, V, L, H = c["hidden_size"], c["vocab_size"], c["num_hidden_layers"], c["num_attention_heads"]
    kv = c.get("num_key_value_heads", H)
    d = c.get("head_dim", h // H)
    inner = c["intermediate_size"]
    attention = h * H * d + 2 * h * kv * d + H * d * h
    if c.get("attention_bias", False):
        attention += H * d + 2 * kv * d + h
    mlp = 3 * h * inner + ((2 * inner + h) if c.get("mlp_bias", False) else 0)
    head = 0 if c.get("tie_word_embeddings", False) else h * V
    return V * h + L * (2 * h + attention + mlp) + h + head


def decilm_intermediate(ffn_mult, h):
    """DeciLM's FFNConfig: round(ffn_mult, 6), int(2 * ffn_mult * n_embd / 3), up to a multiple of 256."""
    width = int(2 * round(ffn_mult, 6) * h / 3)
    return width if width % 256 == 0 else width + 256 - width % 256


def decilm_parameters(c):
    """DeciLMForCausalLM: per block an attention (norm + q/k/v/o with n_heads_in_group) or nothing (no_op), an
    FFN (norm + gate/up/down of the DeciLM width) or nothing."""
    h, V, H = c["hidden_size"], c["vocab_size"], c["num_attention_heads"]
    d = h // H
    check(len(c["block_configs"]) == c["num_hidden_layers"], "DeciLM: block_configs and num_hidden_layers differ")
    total = V * h + h + (0 if c.get("tie_word_embeddings", False) else h * V)
    for block in c["block_configs"]:
        a, f = block["attention"], block["ffn"]
        check(not a.get("replace_with_linear") and not f.get("replace_with_linear"), "DeciLM: linear replacement")
        if not a["no_op"]:
            kv = H // a["n_heads_in_group"]
            total += h + h * H * d + 2 * h * kv * d + H * d * h
        if not f["no_op"]:
            total += h + 3 * h * decilm_intermediate(f["ffn_mult"], h)
    return total


def read_back(config_path):
    out = subprocess.run([ZEROLM, "params", "--from", config_path, "--json"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    if not check(out.returncode == 0, "%s: zerolm params --from failed: %s" % (config_path, out.stderr.strip())):
        return None
    return json.loads(out.stdout)["architectures"][0]


def check_hf_folder(folder):
    with open(os.path.join(folder, "config.json")) as f:
        c = json.load(f)
    with open(os.path.join(folder, "zerolm.json")) as f:
        zerolm = json.load(f)
    kind = c["model_type"]
    fields, formula = {"gpt2": (GPT2_FIELDS, gpt2_parameters), "llama": (LLAMA_FIELDS, llama_parameters),
                       "nemotron-nas": (DECILM_FIELDS, decilm_parameters)}[kind]
    extra = sorted(set(c) - fields)
    check(not extra, "%s: fields %s are not %s config fields (HF would ignore them)" % (folder, extra, kind))
    count = formula(c)
    check(count == zerolm["parameters"], "%s: the %s formula gives %d parameters, zerolm %d" %
          (folder, kind, count, zerolm["parameters"]))
    back = read_back(os.path.join(folder, "config.json"))
    if back is not None:
        check(back["total"] == zerolm["parameters"] and back["hash"] == zerolm["hash"],
              "%s: read back as %s (%d parameters), exported %s (%d)" %
              (folder, back["hash"], back["total"], zerolm["hash"], zerolm["parameters"]))
    return kind, count


def check_refused(run, tmp, what, which="--pareto"):
    out = export(run, "hf", os.path.join(tmp, "refused-" + os.path.basename(run)), which)
    lines = out.stderr.strip().splitlines()
    check(out.returncode == 2, "%s: --format hf exited %d, expected 2" % (what, out.returncode))
    check(len(lines) == 1 and "--format pytorch" in lines[0],
          "%s: expected one error line naming --format pytorch, got %r" % (what, out.stderr))
    return lines[0] if lines else ""


def heterogeneous_gpt2(run, tmp):
    path = os.path.join(tmp, "population.json")
    subprocess.run([ZEROLM, "export", run, "--population", "--out", path], check=True)
    with open(path) as f:
        population = json.load(f)
    return sum(1 for e in population
               if len(set(e["architecture"]["n_head"])) > 1 or len(set(e["architecture"]["d_inner"])) > 1)


def upstream_fields():
    root = os.environ.get("ZEROLM_BENCHMARKS") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "../benchmarks")
    return sorted(glob.glob(os.path.join(root, "upstream/lts/random_GPT2_wt103/config_*/j*/model_config.yaml")))


def main():
    with tempfile.TemporaryDirectory() as tmp:
        kinds = {}
        # Equal layers: GPT2Config and LlamaConfig.
        runs = [
            search(tmp, "gpt2-equal", "gpt2", "gpt2", {"n_layer": [1, 3], "d_model": [64, 128], "n_head": [4],
                                                       "mlp_ratio": [4], "bias": [True]}),
            search(tmp, "llama-equal", "llama", "hf", {"hidden_size": [64, 128], "num_hidden_layers": [2, 3],
                                                       "vocab_size": [1000], "head_dim": [16],
                                                       "num_attention_heads": [4], "num_key_value_heads": [2],
                                                       "intermediate_size": [256], "skip_attention": [False],
                                                       "skip_ffn": [False], "tie_word_embeddings": [False, True]}),
            # Per-layer llama: DeciLM block_configs (one head count, KV groups, FFN widths, no-op blocks).
            search(tmp, "llama-blocks", "llama", "hf", {"hidden_size": [128], "num_hidden_layers": [3, 4],
                                                        "vocab_size": [1000], "head_dim": [32],
                                                        "num_attention_heads": [4], "num_key_value_heads": [1, 2, 4],
                                                        "intermediate_size": [256, 512, 768]}),
        ]
        for run in runs:
            out_dir = os.path.join(tmp, "hf-" + os.path.basename(run))
            out = export(run, "hf", out_dir)
            if not check(out.returncode == 0, "%s: --format hf failed: %s" % (run, out.stderr.strip())):
                continue
            for folder in sorted(glob.glob(os.path.join(out_dir, "*"))):
                kind, _ = check_hf_folder(folder)
                kinds[kind] = kinds.get(kind, 0) + 1
        for kind in ("gpt2", "llama", "nemotron-nas"):
            check(kinds.get(kind, 0) >= 1, "no --format hf export was %s: %s" % (kind, kinds))
        check(kinds.get("nemotron-nas", 0) >= 1, "no per-layer llama export was DeciLM block_configs: %s" % kinds)
        print("ok: --format hf configs read back (fields, HF parameter formula = zerolm's count, zerolm params "
              "--from = same architecture): %s" % ", ".join("%d %s" % (n, k) for k, n in sorted(kinds.items())))

        # What Hugging Face cannot build exactly is refused, naming --format pytorch.
        mixed = search(tmp, "gpt2-mixed", "gpt2", "gpt2", {"n_layer": [3, 4], "d_model": [64], "n_head": [2, 4],
                                                           "mlp_ratio": [2, 4], "bias": [True]})
        check(heterogeneous_gpt2(mixed, tmp) > 0, "the gpt2-mixed population holds no heterogeneous architecture")
        line = check_refused(mixed, tmp, "heterogeneous gpt2", "--population")
        print("ok: heterogeneous gpt2 refused with exit 2: %s" % line)
        lts = search(tmp, "gpt2-lts", "gpt2", "lts", {"n_layer": [2, 4], "d_model": [64, 128], "d_embed": [64, 128],
                                                      "div_val": [1, 2, 4], "d_inner": [64, 256]})
        line = check_refused(lts, tmp, "gpt2 lts")
        print("ok: gpt2 lts refused with exit 2: %s" % line)
        heads = search(tmp, "llama-heads", "llama", "hf", {"hidden_size": [128], "num_hidden_layers": [3],
                                                           "vocab_size": [1000], "head_dim": [32],
                                                           "num_attention_heads": [2, 4], "num_key_value_heads": [1],
                                                           "intermediate_size": [256], "skip_attention": [False],
                                                           "skip_ffn": [False]})
        line = check_refused(heads, tmp, "llama with per-layer query heads", "--population")
        print("ok: llama with per-layer query heads refused with exit 2: %s" % line)

        # archai: model_config.yaml per LTS architecture, read back by zerolm's LTS reader.
        try:
            import yaml
        except ImportError:
            print("SKIP: archai read-back needs python3-yaml")
            yaml = None
        archai = os.path.join(tmp, "archai")
        out = export(lts, "archai", archai)
        check(out.returncode == 0, "--format archai failed: %s" % out.stderr.strip())
        if yaml is not None:
            upstream = upstream_fields()
            check(len(upstream) > 0, "no upstream LTS model_config.yaml found (the project's benchmarks/ folder)")
            expected_keys = None
            for path in upstream[:5]:
                with open(path) as f:
                    keys = set(yaml.safe_load(f))
                check(expected_keys is None or keys == expected_keys, "upstream %s: other fields" % path)
                expected_keys = keys
            records, counts = [], []
            for folder in sorted(glob.glob(os.path.join(archai, "*"))):
                with open(os.path.join(folder, "model_config.yaml")) as f:
                    config = yaml.safe_load(f)
                with open(os.path.join(folder, "zerolm.json")) as f:
                    zerolm = json.load(f)
                if expected_keys is not None:
                    check(set(config) == expected_keys, "%s: fields differ from the upstream model_config.yaml: %s" %
                          (folder, sorted(set(config) ^ expected_keys)))
                records.append({"id": os.path.basename(folder), "config": config, "valid_ppl": 0.0})
                counts.append(zerolm["parameters"])
            benchmark = os.path.join(tmp, "archai-records.json")
            with open(benchmark, "w") as f:
                json.dump(records, f)
            params = subprocess.run([ZEROLM, "params", "--benchmark", benchmark, "--json"], stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True)
            if check(params.returncode == 0, "zerolm params on the archai configs: %s" % params.stderr.strip()):
                totals = [row["total"] for row in json.loads(params.stdout)]
                check(totals == counts, "archai configs read back to %s parameters, exported %s" % (totals, counts))
            print("ok: --format archai: %d model_config.yaml with the upstream fields (%s), read back by zerolm's "
                  "LTS reader to zerolm's counts" % (len(records), "checked against %d upstream files" %
                                                      min(5, len(upstream)) if upstream else "no upstream files"))
    if failures:
        print("%d failures" % len(failures))
        sys.exit(1)


main()
