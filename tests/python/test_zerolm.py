"""The Python package against the CLI on the same inputs (ctest: python_package).

Scores bit-equal, the same parameter counts, the same rank figures and records,
the same front, the same errors; Ctrl-C stops a search at a generation boundary
and resume finishes it as an uninterrupted run would. Needs ZEROLM (the CLI) and
the built package on PYTHONPATH (ctest sets both).
"""

import json
import os
import signal
import subprocess
import sys
import textwrap

import numpy
import pandas
import pytest

import zerolm

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLI = os.environ["ZEROLM"]
BENCHMARKS = os.environ.get("ZEROLM_BENCHMARKS", os.path.join(ROOT, "benchmarks"))
FLEXIBERT = os.path.join(BENCHMARKS, "nas-bench-bert", "architectures.json")
GPT2_LTS = os.path.join(BENCHMARKS, "lts-gpt2", "wt103.json")
CONFIG = os.path.join(ROOT, "experiments", "flexibert-trained.yaml")
SMALL = {
    "search.population": 32,
    "search.tournament": 8,
    "search.children": 16,
    "search.max_evaluations": 400,
}


def cli(*args, check=True):
    done = subprocess.run([CLI, *map(str, args)], capture_output=True, text=True)
    if check:
        assert done.returncode == 0, done.stderr
    return done


def cli_json(*args):
    return json.loads(cli(*args, "--json").stdout)


def cli_error(*args):
    done = cli(*args, check=False)
    assert done.returncode == 2, (done.returncode, done.stderr)
    line = done.stderr.strip().splitlines()[-1]
    assert line.startswith("zerolm: error: "), line
    return line[len("zerolm: error: "):]


def small_overrides():
    return [a for k, v in SMALL.items() for a in ("--set", f"{k}={v}")]


# Registries -----------------------------------------------------------------


def test_registries_are_the_clis():
    info = cli("info").stdout
    for name in zerolm.spaces():
        assert name in info
    assert zerolm.spaces()[0] == "flexibert"
    assert "zerolm" in zerolm.proxies() and "spectral" in zerolm.proxies()
    assert "csv" in zerolm.export_formats() and "json" in zerolm.export_formats()


def test_errors_are_value_errors_with_the_cli_line():
    assert issubclass(zerolm.Error, ValueError)
    with pytest.raises(zerolm.Error) as raised:
        zerolm.Space("no-such-space")
    assert str(raised.value) == cli_error("score", "--space", "no-such-space", "--sample", "1")
    with pytest.raises(zerolm.Error, match="statistic"):
        zerolm.score(zerolm.Space("flexibert").sample(2), proxy="spectral", statistic="no-such-statistic")
    with pytest.raises(zerolm.Error, match="takes no alpha"):
        zerolm.score(zerolm.Space("flexibert").sample(2), proxy="params", alpha=0.5)
    with pytest.raises(zerolm.Error, match="item 1"):
        zerolm.score([zerolm.Space("flexibert").sample(1)[0], "not an architecture"])
    with pytest.raises(zerolm.Error, match="draws no weights"):
        zerolm.score(zerolm.Space("flexibert").sample(2), device="cpu")


# Spaces and architectures ---------------------------------------------------------


def test_sample_is_the_clis_sample():
    space = zerolm.Space("flexibert")
    archs = space.sample(300, seed=7)
    assert len(archs) == 300 and all(isinstance(a, zerolm.Architecture) for a in archs)
    top = cli_json("score", "--sample", 300, "--seed", 7, "--top", 300)["top"]
    hashes = {a.hash for a in archs}
    assert {row["hash"] for row in top} == hashes
    by_hash = {a.hash: a for a in archs}
    for row in top:
        assert by_hash[row["hash"]].to_dict()["architecture"] == row["architecture"]
    assert space.sample(300, seed=7) == archs
    assert space.sample(300, seed=8) != archs
    with pytest.raises(zerolm.Error, match="sample"):
        space.sample(10**15)  # refused before memory runs out


def test_architecture_round_trips():
    space = zerolm.Space("gpt2", protocol="lts")
    for a in space.sample(20, seed=1):
        d = a.to_dict()
        assert d["space"] == "gpt2" and d["protocol"] == "lts" and d["hash"] == a.hash
        assert zerolm.Architecture.from_json(d) == a
        assert zerolm.Architecture.from_json(json.dumps(d)) == a
        assert zerolm.Architecture.from_json(d["architecture"], space=space) == a
        assert hash(a) == hash(zerolm.Architecture.from_json(d))
    with pytest.raises(zerolm.Error, match="space"):
        zerolm.Architecture.from_json({"layers": 3})


def test_from_hf_is_the_clis_reading(tmp_path):
    config = os.path.join(ROOT, "tests", "data", "hf", "tinyllama-1.1b-chat-v1.0.json")
    arch = zerolm.Architecture.from_hf(config)
    folder = tmp_path / "checkpoint"
    folder.mkdir()
    (folder / "config.json").write_text(open(config).read())
    assert zerolm.Architecture.from_hf(folder) == arch
    expected = cli_json("params", "--from", config)["architectures"][0]
    assert arch.hash == expected["hash"]
    counts = zerolm.params([arch]).iloc[0]
    for column in ("total", "non_embedding", "attention", "ffn", "embedding"):
        assert counts[column] == expected[column], column


# score and params -------------------------------------------------------------


@pytest.mark.parametrize(
    "space, protocol, proxy, options",
    [
        ("flexibert", None, "zerolm", {}),
        ("flexibert", None, "zerolm", {"alpha": 0.25}),
        ("flexibert", None, "spectral", {"statistic": "log_det", "aggregate": "log"}),
        ("flexibert", None, "params", {}),
        ("gpt2", "lts", "zerolm", {}),
        ("gpt2", "lts", "spectral", {"statistic": "effective_rank"}),
    ],
)
def test_scores_are_bit_equal_to_the_cli(space, protocol, proxy, options):
    archs = zerolm.Space(space, protocol=protocol).sample(200, seed=3)
    scores = zerolm.score(archs, proxy=proxy, **options)
    assert isinstance(scores, numpy.ndarray) and scores.dtype == numpy.float64 and scores.shape == (200,)
    flags = ["--space", space, "--proxy", proxy, "--sample", 200, "--seed", 3, "--top", 200]
    if protocol:
        flags += ["--protocol", protocol]
    for key, value in options.items():
        flags += [f"--{key.replace('_', '-')}", value]
    top = cli_json("score", *flags)["top"]
    by_hash = {a.hash: s for a, s in zip(archs, scores)}
    assert len(top) == len(by_hash)
    for row in top:
        assert by_hash[row["hash"]] == row["score"], row["hash"]  # bit-equal: JSON doubles round-trip


def test_sampled_scores_are_bit_equal_to_the_cli():
    archs = zerolm.Space("flexibert").sample(8, seed=11)
    scores = zerolm.score(archs, mode="sampled", seed=5, alpha=0.5)
    top = cli_json("score", "--mode", "sampled", "--seed", 11, "--sample", 8, "--top", 8, "--alpha", 0.5)["top"]
    # The CLI's --seed seeds both the sample and the weights; draw the weights with 11 too.
    scores_11 = zerolm.score(archs, mode="sampled", seed=11, alpha=0.5)
    by_hash = {a.hash: s for a, s in zip(archs, scores_11)}
    for row in top:
        assert by_hash[row["hash"]] == row["score"]
    assert not numpy.array_equal(scores, scores_11)  # the weights' seed matters


def test_score_groups_spaces_and_keeps_order():
    a = zerolm.Space("flexibert").sample(5, seed=1)
    b = zerolm.Space("gpt2", protocol="lts").sample(5, seed=1)
    mixed = [x for pair in zip(a, b) for x in pair]
    together = zerolm.score(mixed)
    assert numpy.array_equal(together[0::2], zerolm.score(a))
    assert numpy.array_equal(together[1::2], zerolm.score(b))
    assert zerolm.score([]).shape == (0,)


def test_heuristic_alpha_is_the_clis():
    space = zerolm.Space("flexibert")
    expected = cli_json("score", "--sample", 1)["alpha"]
    assert space.alpha() == expected


def test_params_are_the_clis():
    frame = zerolm.params(zerolm.Space("flexibert").sample(50, seed=2))
    assert list(frame.columns) == ["total", "non_embedding", "attention", "ffn", "embedding", "norm", "layers", "hash"]
    rows = cli_json("params", "--benchmark", FLEXIBERT)
    space = zerolm.Space("flexibert", zerolm.rank(FLEXIBERT, proxy="params")["protocol"])  # the format's protocol
    archs = [zerolm.Architecture.from_json(r["architecture"], space=space) for r in rows]
    frame = zerolm.params(archs)
    for column in ("total", "non_embedding", "attention", "ffn"):
        assert frame[column].tolist() == [r[column] for r in rows], column
    assert frame["hash"].tolist() == [r["hash"] for r in rows]


# rank --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "benchmark, proxy, options",
    [
        (FLEXIBERT, "zerolm", {}),
        (FLEXIBERT, "spectral", {"statistic": "log_det", "aggregate": "log"}),
        (GPT2_LTS, "params", {}),
        (FLEXIBERT, "zerolm", {"calibrate_on": FLEXIBERT, "sample": 20, "repeats": 3}),
    ],
)
def test_rank_is_the_clis(benchmark, proxy, options):
    result = zerolm.rank(benchmark, proxy=proxy, **options)
    flags = ["--benchmark", benchmark, "--proxy", proxy]
    for key, value in options.items():
        flags += [f"--{key.replace('_', '-')}", value]
    expected = cli_json("rank", *flags)
    for key in ("n", "protocol", "proxy", "spearman", "kendall", "pearson", "kendall_10pct", "alpha", "ground_truth"):
        assert result[key] == expected[key], key
    assert result["baselines"] == expected["baselines"]
    records = result["records"]
    assert isinstance(records, pandas.DataFrame) and len(records) == expected["n"] == len(expected["records"])
    assert records["id"].tolist() == [r["id"] for r in expected["records"]]
    assert records["score"].tolist() == [r["score"] for r in expected["records"]]
    assert records["ground_truth"].tolist() == [r["ground_truth"] for r in expected["records"]]
    # The records are the rows the figures are computed on.
    if "calibrate_on" not in options:  # else the figures are means over repeats
        spearman = records["score"].rank().corr(records["ground_truth"].rank())  # Pearson of average ranks
        assert spearman == pytest.approx(result["spearman"], abs=1e-12)
    if "calibrate_on" in options:
        assert result["alpha_sd"] == expected["alpha_sd"]


def test_rank_errors():
    with pytest.raises(zerolm.Error, match="calibrate_on"):
        zerolm.rank(FLEXIBERT, sample=10)
    with pytest.raises(zerolm.Error, match="repeats: value 10001 is not a whole number in 1..10000"):
        zerolm.rank(FLEXIBERT, calibrate_on=FLEXIBERT, repeats=10001)
    with pytest.raises(zerolm.Error) as raised:
        zerolm.rank(os.path.join(ROOT, "no-such-benchmark.json"))
    assert str(raised.value) == cli_error("rank", "--benchmark", os.path.join(ROOT, "no-such-benchmark.json"))


# search, runs and exports --------------------------------------------------------


def exported(tmp_path, run, *flags):
    out = tmp_path / ("cli-" + "-".join(f.strip("-") for f in flags) + ".csv")
    cli("export", run, *flags, "--format", "csv", "--out", out)
    return pandas.read_csv(out, float_precision="round_trip")  # pandas' default parser can miss by 1 ulp


def assert_same_frame(frame, csv_frame):
    assert list(frame.columns) == list(csv_frame.columns)
    assert len(frame) == len(csv_frame) > 0
    for column in frame.columns:
        if column == "architecture":
            assert [json.loads(a) for a in csv_frame[column]] == frame[column].tolist()
        elif frame[column].dtype.kind == "f" or csv_frame[column].dtype.kind == "f":
            numpy.testing.assert_array_equal(frame[column].to_numpy(float), csv_frame[column].to_numpy(float))
        else:
            assert frame[column].tolist() == csv_frame[column].tolist(), column


def test_search_is_the_clis(tmp_path):
    cli("search", CONFIG, *small_overrides(), "--out", tmp_path / "cli", "--log-json")
    seen = []
    run = zerolm.search(CONFIG, out=tmp_path / "py", progress=lambda *g: seen.append(g), **SMALL)
    assert run.finished and isinstance(run, zerolm.Run)
    assert seen and seen[-1][1] == run.summary["evaluations"] and [g[0] for g in seen] == sorted(g[0] for g in seen)
    assert_same_frame(run.pareto(), exported(tmp_path, tmp_path / "cli", "--pareto"))
    assert_same_frame(run.top(10), exported(tmp_path, tmp_path / "cli", "--top", "10"))
    assert_same_frame(run.population(), exported(tmp_path, tmp_path / "cli", "--population"))
    # Untracked costs are NaN, never 0.
    assert run.pareto()["latency"].isna().all()
    # A config given as a dict, with overrides spelled with __.
    import yaml

    config = yaml.safe_load(open(CONFIG))
    again = zerolm.search(
        config,
        out=tmp_path / "dict",
        search__population=32,
        search__tournament=8,
        search__children=16,
        search__max_evaluations=400,
    )
    assert_same_frame(again.pareto(), exported(tmp_path, tmp_path / "cli", "--pareto"))
    # Exports are the CLI's, byte for byte.
    for fmt in ("json", "csv", "yaml"):
        ours = tmp_path / f"py.{fmt}"
        run.export(fmt, ours)
        theirs = tmp_path / f"cli.{fmt}"
        cli("export", tmp_path / "cli", "--pareto", "--format", fmt, "--out", theirs)
        assert ours.read_bytes() == theirs.read_bytes(), fmt
    best = run.architectures(run.top(1))[0]
    assert best.hash == run.top(1)["hash"][0]
    # The run's stored proxy setting (alpha resolved when it started) scores it again exactly.
    setting = {k: v for k, v in run.config["proxy"].items() if k != "name"}
    assert zerolm.score([best], proxy=run.config["proxy"]["name"], **setting)[0] == run.top(1)["score"][0]


def test_search_errors(tmp_path):
    with pytest.raises(zerolm.Error, match="search.population"):
        zerolm.search(CONFIG, out=tmp_path / "bad", search__population=0)
    assert not (tmp_path / "bad" / "run.sqlite").exists()
    with pytest.raises(zerolm.Error, match="no-such-key"):
        zerolm.search(CONFIG, out=tmp_path / "bad", **{"search.no-such-key": 1})
    with pytest.raises(zerolm.Error):
        zerolm.open_run(tmp_path / "no-run")
    run = zerolm.search(CONFIG, out=tmp_path / "done", **SMALL)
    with pytest.raises(zerolm.Error, match="has finished"):
        zerolm.search(resume=run.directory)
    with pytest.raises(zerolm.Error, match="run's own store"):
        run.export("json", os.path.join(run.directory, "run.sqlite"))
    with pytest.raises(zerolm.Error, match="progress"):
        zerolm.search(CONFIG, out=tmp_path / "p", progress=3, **SMALL)

    def broken(*_):
        raise RuntimeError("the progress bar broke")

    with pytest.raises(RuntimeError, match="progress bar broke"):
        zerolm.search(CONFIG, out=tmp_path / "broken", progress=broken, **SMALL)
    # Stopped after its first generation: resumable, and resumed it finishes.
    assert not zerolm.open_run(tmp_path / "broken").finished
    assert zerolm.search(resume=tmp_path / "broken").finished


CTRL_C = textwrap.dedent(
    """
    import os, signal, sys, zerolm
    config, out = sys.argv[1], sys.argv[2]
    small = dict(search__population=32, search__tournament=8, search__children=16, search__max_evaluations=400)
    def progress(generation, evaluations, best, hypervolume):
        if generation == 3:
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C
    try:
        zerolm.search(config, out=out, progress=progress, **small)
    except KeyboardInterrupt as e:
        print("interrupted:", e, file=sys.stderr)
        run = zerolm.open_run(out)
        print(run.summary["evaluations"], run.finished)
        sys.exit(0)
    sys.exit("not interrupted")
    """
)


def test_ctrl_c_stops_at_a_generation_and_resumes(tmp_path):
    out = tmp_path / "interrupted"
    done = subprocess.run(
        [sys.executable, "-c", CTRL_C, CONFIG, out], capture_output=True, text=True, env=os.environ.copy()
    )
    assert done.returncode == 0, done.stderr
    evaluations, finished = done.stdout.split()
    assert finished == "False" and 0 < int(evaluations) < 400
    assert "zerolm.search(resume=" in done.stderr
    resumed = zerolm.search(resume=out)
    assert resumed.finished
    cli("search", CONFIG, *small_overrides(), "--out", tmp_path / "whole", "--log-json")
    assert_same_frame(resumed.pareto(), exported(tmp_path, tmp_path / "whole", "--pareto"))
    assert_same_frame(resumed.population(), exported(tmp_path, tmp_path / "whole", "--population"))


def test_extend_a_finished_run(tmp_path):
    run = zerolm.search(CONFIG, out=tmp_path / "grown", **SMALL)
    grown = zerolm.search(resume=run.directory, search__max_evaluations=592)
    cli("search", CONFIG, *small_overrides(), "--set", "search.max_evaluations=592", "--out", tmp_path / "whole")
    assert grown.summary["evaluations"] == zerolm.open_run(tmp_path / "whole").summary["evaluations"]
    assert_same_frame(grown.pareto(), exported(tmp_path, tmp_path / "whole", "--pareto"))
    with pytest.raises(zerolm.Error, match="only search.max_evaluations"):
        zerolm.search(resume=run.directory, search__population=64)


def test_cli_ctrl_c_stops_at_a_generation_and_resumes(tmp_path):
    # The CLI does what the package does: Ctrl-C stores the generation in
    # progress, exits 130 and says how to continue; the resumed run is the
    # uninterrupted one.
    budget = ["--set", "search.max_evaluations=100032"]  # 32 + 6250 x 16: a generation boundary
    run = tmp_path / "cli-interrupted"
    child = subprocess.Popen(
        [CLI, "search", CONFIG, *small_overrides(), *budget, "--out", run, "--log-json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    first = json.loads(child.stdout.readline())
    assert first["generation"] >= 0
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=120)
    assert child.returncode == 130, err
    assert f"continue with: zerolm search --resume {run}" in err
    stopped = zerolm.open_run(run)
    assert not stopped.finished and stopped.summary["evaluations"] < 100032
    cli("search", "--resume", run, "--log-json")
    assert zerolm.open_run(run).finished
    cli("search", CONFIG, *small_overrides(), *budget, "--out", tmp_path / "cli-whole", "--log-json")
    for what in ("--pareto", "--population"):
        assert cli("export", run, what).stdout == cli("export", tmp_path / "cli-whole", what).stdout, what
