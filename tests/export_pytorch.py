#!/usr/bin/env python3
"""`zerolm export --format pytorch --weights` checked in stock PyTorch (ctest
export_pytorch). For every case (space x protocol, a small search in the sampled
ZeroLM mode) each exported model.py is imported with plain python3 and must:
  - count zerolm's parameters, with the model spec's names and shapes
    (config.json's `tensors`, written from zerolm's lowering);
  - draw fresh weights from the spec's distributions (build(weights=False));
  - hold, with model.safetensors, the weights zerolm drew: the ZeroLM score
    recomputed here from the module's tensors equals the score the search stored
    (computed by zerolm's kernels) within 1e-6 relative;
  - run a finite forward pass of the right shape, and train: one AdamW step
    lowers the loss on a repeated batch;
  - (gpt2, with zerolm's LibTorch plugin) compute the hidden states of zerolm's
    LibTorch network (`--format torchscript`) given the same weights.
Exit 77 (skipped) when torch is not importable; ZEROLM names the binary."""
import importlib.util
import json
import math
import os
import subprocess
import sys
import tempfile

try:
    import torch
    import torch.nn.functional as F
except ImportError as error:
    print("SKIP: torch is not importable (%s); install python3-torch (scripts/install-deps.sh)" % error)
    sys.exit(77)

ZEROLM = os.environ["ZEROLM"]

# LTS's Transformer-XL adaptive embedding (WikiText-103's words, LTS's cutoffs).
TXL_EMBEDDING = {"kind": "adaptive", "d_embed": 64, "div_val": 1, "n_token": 267736,
                 "cutoffs": [19997, 39997, 199997, 267736], "tgt_len": 192}

# space, protocol, choices, proxy extras, kind of network[, seed architectures: then
# exactly those are evaluated and exported]. Small choices keep every export to a few
# million weights (the vocabularies are the spaces' own).
CASES = [
    ("flexibert", "trained", {"hidden_size": [128, 256], "layers": [2]}, {}, "encoder"),
    ("flexibert", "paper", {"layers": [2]}, {"include_norms": True}, "encoder"),
    ("gpt2", "lts", {"n_layer": [1, 3], "d_model": [64, 128], "d_embed": [64], "div_val": [1, 2], "d_inner": [64, 256]},
     {}, "decoder"),
    ("gpt2", "hwgpt", {"n_layer": [1, 2], "d_model": [64], "n_head": [1, 2], "mlp_ratio": [2, 3]},
     {"include_embeddings": True}, "decoder"),
    ("gpt2", "gpt2", {"n_layer": [1, 2], "d_model": [64], "n_head": [2, 4], "mlp_ratio": [2, 4]}, {}, "decoder"),
    # LTS's Transformer-XL (its 267,736-word WikiText-103 vocabulary), narrow enough for the CPU.
    ("gpt2", "transxl", {"n_layer": [1, 3], "d_model": [64, 128], "d_embed": [64], "div_val": [1, 2],
                         "d_inner": [64, 256]}, {"include_norms": True}, "decoder"),
    # archai's options no search draws, as seed architectures (all exported): pre_lnorm, untied
    # softmax tables, tie_projs per cluster, other initialisation stds.
    ("gpt2", "transxl", {}, {}, "decoder", [
        {"n_layer": 2, "d_model": 64, "n_head": [2, 4], "d_inner": [128, 96], "bias": True, "pre_lnorm": True,
         "weight_init_std": 0.03, "embedding": dict(TXL_EMBEDDING, div_val=2, tie_weight=False,
                                                    tie_projs=[False, True, False, True])},
        {"n_layer": 1, "d_model": 128, "n_head": [4], "d_inner": [256], "bias": True, "proj_init_std": 0.02,
         "embedding": dict(TXL_EMBEDDING, tie_weight=True, tie_projs=[True, False, True, False])},
        {"n_layer": 2, "d_model": 64, "n_head": [8, 2], "d_inner": [64, 256], "bias": True, "pre_lnorm": True,
         "embedding": dict(TXL_EMBEDDING, div_val=4, tie_weight=False, tie_projs=[False, False, True, True])},
    ]),
    ("llama", "hf", {"hidden_size": [64, 128], "num_hidden_layers": [2, 3], "vocab_size": [1000], "head_dim": [16],
                     "num_attention_heads": [2, 4], "num_key_value_heads": [1, 2], "intermediate_size": [128, 256]},
     {"include_embeddings": True, "include_norms": True}, "decoder"),
]


def yaml_value(value):
    return json.dumps(value)  # JSON is YAML


def run_search(tmp, name, space, protocol, choices, extras, seeds):
    config = os.path.join(tmp, name + ".yaml")
    lines = ["space: %s" % space, "protocol: %s" % protocol] + (["choices:"] if choices else [])
    lines += ["  %s: %s" % (k, yaml_value(v)) for k, v in choices.items()]
    lines += ["proxy:", "  name: zerolm", "  mode: sampled", "  alpha: heuristic"]
    lines += ["  %s: %s" % (k, yaml_value(v)) for k, v in extras.items()]
    if seeds:  # a population of the seeds, evaluated once each
        lines += ["search:", "  strategy: evolution", "  population: %d" % len(seeds), "  tournament: 2",
                  "  children: 1", "  max_evaluations: %d" % len(seeds), "  seed_architectures:"]
        lines += ["    - %s" % yaml_value(a) for a in seeds]
    else:
        lines += ["search:", "  strategy: evolution", "  population: 16", "  tournament: 4", "  children: 8",
                  "  max_evaluations: 40"]
    lines += ["objectives: [proxy, parameters]", "seed: 7"]
    with open(config, "w") as f:
        f.write("\n".join(lines) + "\n")
    run = os.path.join(tmp, "run-" + name)
    subprocess.run([ZEROLM, "search", config, "--out", run, "--log-json"], check=True, stdout=subprocess.DEVNULL)
    return run


def import_model(folder, tag):
    spec = importlib.util.spec_from_file_location("zerolm_export_%s" % tag, os.path.join(folder, "model.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def truncated_variance_factor(a):
    phi = math.exp(-a * a / 2) / math.sqrt(2 * math.pi)
    return 1 - 2 * a * phi / math.erf(a / math.sqrt(2))


def counts(tensor, proxy):
    """Whether a tensor joins the ZeroLM score (proxies/zerolm_proxy.hpp, counts())."""
    matrix = len(tensor["shape"]) == 2
    role = tensor["role"]
    if role in ("attention", "ffn"):
        return matrix
    if role == "embedding":
        return proxy["include_embeddings"] and matrix
    if role == "norm":
        return proxy["include_norms"]
    return False


def zerolm_score(module, config):
    """Per counted matrix ||W||_F^2 / min(n, m) in fp64, combined as zerolm_combine:
    alpha * attention + (1 - alpha) * ffn (+ embeddings, norms with unit weight)."""
    proxy = config["proxy"]
    parameters = dict(module.named_parameters())
    totals = {"attention": 0.0, "ffn": 0.0, "embedding": 0.0, "norm": 0.0}
    for t in config["tensors"]:
        if not counts(t, proxy):
            continue
        shape = t["shape"] + [1] * (2 - len(t["shape"]))
        w = parameters[t["name"]].detach().double()
        totals[t["role"]] += float(w.pow(2).sum()) / min(shape)
    alpha = proxy["alpha"]
    return alpha * totals["attention"] + (1 - alpha) * totals["ffn"] + totals["embedding"] + totals["norm"]


def vocabulary(config):
    a, space = config["architecture"], config["space"]
    if space == "llama":
        return a["vocab_size"]
    if space == "gpt2":
        e = a["embedding"]
        return e["n_token"] if e["kind"] == "adaptive" else e["vocab_size"]
    return 30522


failures = []


def check(condition, what):
    if not condition:
        failures.append(what)
        print("FAIL: " + what)
    return condition


def read_config(folder):
    with open(os.path.join(folder, "config.json")) as f:
        return json.load(f)


def check_folder(folder, kind, tag):
    config = read_config(folder)
    model = import_model(folder, tag)
    name = "%s/%s %s" % (config["space"], config["protocol"], os.path.basename(folder))

    fresh = model.build(weights=False)
    total = sum(p.numel() for p in fresh.parameters())
    check(total == config["parameters"], "%s: %d parameters in PyTorch, zerolm counts %d" %
          (name, total, config["parameters"]))
    embedding = sum(math.prod(t["shape"]) for t in config["tensors"] if t["role"] == "embedding")
    check(total - embedding == config["non_embedding_parameters"], "%s: non-embedding count" % name)
    shapes = {n: list(p.shape) for n, p in fresh.named_parameters()}
    spec = {t["name"]: t["shape"] for t in config["tensors"]}
    differing = sorted(set(shapes) ^ set(spec)) + [n for n in spec if n in shapes and shapes[n] != spec[n]]
    check(not differing, "%s: names or shapes differ from the model spec: %s" % (name, differing))
    # Fresh weights follow the spec's initialisation (std within 5% on big tensors).
    parameters = dict(fresh.named_parameters())
    for t in config["tensors"]:
        p = parameters.get(t["name"])
        if p is None:
            continue
        init = t["init"]
        if init["kind"] == "zeros" or init["kind"] == "ones":
            check(bool((p == (1.0 if init["kind"] == "ones" else 0.0)).all()), "%s: %s is not %s" %
                  (name, t["name"], init["kind"]))
        elif p.numel() >= 4096:
            expected = init["std"] * (math.sqrt(truncated_variance_factor(init["truncation"]))
                                      if init["kind"] == "truncated_normal" else 1.0)
            got = float(p.detach().double().std())
            check(abs(got - expected) < 0.05 * expected, "%s: %s has std %.5g, the spec's init %.5g" %
                  (name, t["name"], got, expected))
            if init["kind"] == "truncated_normal":
                check(float(p.abs().max()) <= init["truncation"] * init["std"] * (1 + 1e-6),
                      "%s: %s exceeds its truncation" % (name, t["name"]))

    drawn = model.build()
    score = zerolm_score(drawn, config)
    relative = abs(score - config["score"]) / abs(config["score"])
    check(relative <= 1e-6, "%s: ZeroLM score in PyTorch %.12g, zerolm's sampled score %.12g (relative %.2e)" %
          (name, score, config["score"], relative))

    torch.manual_seed(0)
    V = vocabulary(config)
    tokens = torch.randint(0, V, (2, 12))
    out = drawn(tokens)
    check(bool(torch.isfinite(out).all()), "%s: non-finite forward pass" % name)
    if kind == "decoder":
        check(list(out.shape) == [2, 12, V], "%s: logits of shape %s, expected [2, 12, %d]" % (name, list(out.shape), V))
        if config["architecture"].get("embedding", {}).get("kind") == "adaptive":
            # The adaptive softmax returns log-probabilities: a distribution over the whole vocabulary.
            mass = float((torch.logsumexp(out.double(), -1)).abs().max())
            check(mass < 1e-4, "%s: adaptive softmax log-probabilities do not sum to 1 (|log mass| %.2g)" % (name, mass))

        def loss_of(network):
            logits = network(tokens)
            return F.cross_entropy(logits[:, :-1].reshape(-1, V), tokens[:, 1:].reshape(-1))
    else:
        check(out.dim() == 3 and list(out.shape[:2]) == [2, 12], "%s: hidden states of shape %s" %
              (name, list(out.shape)))
        target = torch.randn(out.shape)

        def loss_of(network):
            return F.mse_loss(network(tokens), target)
    optimizer = torch.optim.AdamW(drawn.parameters(), lr=1e-3)
    before = loss_of(drawn)
    optimizer.zero_grad()
    before.backward()
    optimizer.step()
    with torch.no_grad():
        after = float(loss_of(drawn))
    check(after < float(before), "%s: one AdamW step did not lower the loss (%.6g -> %.6g)" %
          (name, float(before), after))
    return relative, float(before), after


def linear_weights(script):
    """Names of the TorchScript module's nn::Linear weights (stored out x in; the spec's in x out)."""
    return {(name + "." if name else "") + "weight"
            for name, m in script.named_modules() if "Linear" in m.original_name}


def check_torchscript(folder, script_path, tag):
    """zerolm's LibTorch network (the one it scores) and model.py, both with model.safetensors'
    weights: the same hidden states on tokens longer than the trace's example."""
    model = import_model(folder, tag)
    network = model.build()
    script = torch.jit.load(script_path)
    state = model.load_safetensors(os.path.join(folder, "model.safetensors"))
    transposed = linear_weights(script)
    with torch.no_grad():
        for name, p in script.named_parameters():
            source = state[name].t() if name in transposed else state[name]
            if not check(tuple(source.shape) == tuple(p.shape), "%s: TorchScript %s has shape %s, the spec %s" %
                         (folder, name, list(p.shape), list(source.shape))):
                return math.inf
            p.copy_(source)
    torch.manual_seed(1)
    tokens = torch.randint(0, vocabulary({"architecture": model.ARCHITECTURE, "space": model.SPACE}), (2, 20))
    with torch.no_grad():
        ours, theirs = network.hidden_states(tokens), script(tokens)
    difference = float((ours - theirs).abs().max()) / max(float(theirs.abs().max()), 1e-30)
    check(list(ours.shape) == list(theirs.shape) and difference < 1e-5,
          "%s: hidden states differ from zerolm's LibTorch network (relative %.2e)" % (folder, difference))
    return difference


def main():
    with tempfile.TemporaryDirectory() as tmp:
        for number, (space, protocol, choices, extras, kind, *seeds) in enumerate(CASES):
            seeds = seeds[0] if seeds else None
            name = "%d-%s-%s" % (number, space, protocol)
            run = run_search(tmp, name, space, protocol, choices, extras, seeds)
            which = ["--top", str(len(seeds))] if seeds else ["--pareto"]
            out = os.path.join(tmp, "export-" + name)
            subprocess.run([ZEROLM, "export", run] + which + ["--format", "pytorch", "--weights", "--out", out],
                           check=True, stderr=subprocess.DEVNULL)
            folders = sorted(os.path.join(out, d) for d in os.listdir(out))
            check(len(folders) >= 1, "%s/%s: no exported architecture" % (space, protocol))
            if seeds:
                exported = sorted(json.dumps(read_config(f)["architecture"], sort_keys=True) for f in folders)
                check(exported == sorted(json.dumps(a, sort_keys=True) for a in seeds),
                      "%s: the exported architectures are not the seeds: %s" % (name, exported))
            worst = 0.0
            for i, folder in enumerate(folders):
                relative, before, after = check_folder(folder, kind, "%s_%d" % (name.replace("-", "_"), i))
                worst = max(worst, relative)
            label = "%s/%s%s" % (space, protocol, " (seeded: archai's options)" if seeds else "")
            print("ok: %s: %d exported modules: counts, names, shapes, initialisation, forward, one AdamW step; "
                  "ZeroLM score from the safetensors weights within %.1e relative of zerolm's" %
                  (label, len(folders), worst))
            if space != "gpt2":
                continue
            scripts = os.path.join(tmp, "torchscript-" + name)
            exported = subprocess.run([ZEROLM, "export", run] + which + ["--format", "torchscript", "--out", scripts],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            if exported.returncode != 0 and "needs LibTorch" in exported.stderr:
                print("note: %s: no LibTorch plugin; hidden states not compared with zerolm's network" % label)
                continue
            check(exported.returncode == 0, "%s: --format torchscript: %s" % (label, exported.stderr))
            worst = 0.0
            for i, folder in enumerate(folders):
                script = os.path.join(scripts, os.path.basename(folder) + ".pt")
                worst = max(worst, check_torchscript(folder, script, "%s_%d_ts" % (name.replace("-", "_"), i)))
            print("ok: %s: model.py's hidden states equal zerolm's LibTorch network's (TorchScript, same weights) "
                  "within %.1e relative" % (label, worst))
    if failures:
        print("%d failures" % len(failures))
        sys.exit(1)


main()
