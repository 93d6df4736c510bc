"""zerolm from Python: data-free architecture search for transformer language models.

The engine is the one the ``zerolm`` command runs (the ``_zerolm`` module, built by
the project's CMake): the same spaces, proxies, benchmark readers, run store and
export formats, with the same results. This file only shapes what crosses into
NumPy arrays and pandas frames. Walkthrough: docs/PYTHON.md.

    import zerolm
    space = zerolm.Space("flexibert")
    archs = space.sample(1000, seed=0)
    scores = zerolm.score(archs, proxy="spectral", statistic="log_det", aggregate="log")
"""

import json as _json
import os as _os

from . import _zerolm
from ._zerolm import Architecture, Error, Space

__all__ = [
    "Architecture",
    "Error",
    "Run",
    "Space",
    "export_formats",
    "open_run",
    "params",
    "proxies",
    "rank",
    "score",
    "search",
    "spaces",
]

Error.__module__ = __name__
Space.__module__ = __name__
Architecture.__module__ = __name__


def _pandas():
    # Imported on first use, so `import zerolm` works where pandas is missing.
    import pandas

    return pandas


def spaces():
    """The search spaces, in registry order (as `zerolm info`)."""
    return list(_zerolm.spaces())


def proxies():
    """The proxies, in registry order."""
    return list(_zerolm.proxies())


def export_formats():
    """Every export format of the registry (a space may lack some)."""
    return list(_zerolm.export_formats())


def score(architectures, proxy="zerolm", mode="expected", **options):
    """Scores a list of Architectures: a numpy.ndarray of float64, in list order.

    `options` are the CLI's flags without the dashes: ``alpha=0.5`` (a number, or
    "heuristic": the default), ``statistic="log_det"``, ``aggregate="log"``,
    ``seed=0`` (sampled mode), ``device="cpu"``. Bit-equal to ``zerolm score``.
    Lowering and scoring run in parallel batches with the GIL released.
    """
    return _zerolm.score(architectures, proxy, mode, **options)


def params(architectures):
    """Parameter counts as `zerolm params`: a pandas.DataFrame, one row per architecture."""
    columns = _zerolm.params(architectures)
    order = ["total", "non_embedding", "attention", "ffn", "embedding", "norm", "layers", "hash"]
    return _pandas().DataFrame({name: columns[name] for name in order})


def rank(benchmark, proxy="zerolm", protocol=None, mode="expected", **options):
    """Correlation of a proxy with a benchmark's ground truth, as `zerolm rank --json`.

    Returns a dict: n, spearman, kendall, pearson, kendall_10pct, alpha, the
    published baselines on the same rows, and `records`: a pandas.DataFrame with
    one row per record the figures are computed on (id, hash, ground_truth,
    score, parameters). `options`: the proxy's (as for score), and format=,
    baselines=, calibrate_on=, sample=, repeats= (the CLI's flags).
    """
    result = _zerolm.rank(_os.fspath(benchmark), proxy, protocol, mode, **options)
    records = result["records"]
    result["records"] = _pandas().DataFrame(
        {name: records[name] for name in ["id", "hash", "ground_truth", "score", "parameters"]}
    )
    return result


def _override(key, value):
    # `search_max_evaluations` cannot be a keyword; `search__max_evaluations` can,
    # and `**{"search.max_evaluations": 100}` works as it is.
    key = key.replace("__", ".")
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (dict, list, tuple)):
        text = _json.dumps(value)
    else:
        text = str(value)
    return f"{key}={text}"


def search(config=None, out=None, progress=None, resume=None, device=None, overwrite=False, **overrides):
    """Runs a search, as `zerolm search`, and returns its Run.

    `config`: a YAML file's path, or the config as a dict. `overrides`: as
    ``--set key.path=value``, written ``search__max_evaluations=500`` or
    ``**{"search.max_evaluations": 500}``. `progress(generation, evaluations,
    best, hypervolume)` is called after each logged generation. Ctrl-C stops
    after the generation in progress is stored and raises KeyboardInterrupt;
    ``search(resume=out)`` continues it (with search__max_evaluations=N, a
    finished run is extended).
    """
    assignments = [_override(k, v) for k, v in overrides.items()]
    text = name = None
    if resume is not None:
        if config is not None:
            raise Error("search takes a config or resume=DIR (one of them)")
        resume = _os.fspath(resume)
    elif isinstance(config, dict):
        text, name = _json.dumps(config), "the config"
    elif config is not None:
        name = _os.fspath(config)
        try:
            with open(name, encoding="utf-8") as f:
                text = f.read()
        except OSError as e:
            raise Error(f"{name}: cannot read the search config: {e.strerror}") from None
    if progress is not None and not callable(progress):
        raise Error("progress: expected a callable (generation, evaluations, best, hypervolume)")
    summary = _zerolm.search(
        text,
        name or "",
        assignments,
        None if out is None else _os.fspath(out),
        resume,
        device,
        bool(overwrite),
        progress,
    )
    return Run(summary["directory"])


def open_run(path):
    """The run stored in `path` (finished or not)."""
    return Run(path)


class Run:
    """A stored run: its config, summary, front, top and population as frames."""

    def __init__(self, directory):
        self.directory = _os.fspath(directory)
        info = _zerolm.run_info(self.directory)
        self.config = info["config"]
        self.islands = info["islands"]
        self.summary = info["summary"]

    def __repr__(self):
        s = self.summary
        state = "finished" if s["finished"] else "unfinished"
        return f"zerolm.Run('{self.directory}': {state}, {s['evaluations']} evaluations, archive {s['archive_size']})"

    @property
    def finished(self):
        return self.summary["finished"]

    def space(self):
        """The run's search space (its protocol and choices)."""
        return Space(self.config["space"], self.config.get("protocol") or None, self.config.get("choices") or None)

    def _frame(self, kind, top=0, island=None):
        table = _zerolm.run_table(self.directory, kind, top, island)
        pandas = _pandas()
        frame = pandas.DataFrame(table["rows"], columns=table["columns"])
        for column in frame.columns:
            values = [v for v in frame[column] if v is not None]
            if values and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
                # A cost the run did not track is null: NaN, as the csv export reads.
                frame[column] = pandas.to_numeric(frame[column])
            elif not values and column not in ("summary", "architecture", "hash", "space", "protocol"):
                frame[column] = frame[column].astype("float64")
        return frame

    def pareto(self, island=None):
        """The Pareto archive (by parameters, ascending), as `export --pareto --format csv`."""
        return self._frame("pareto", 0, island)

    def top(self, k):
        """The k best distinct architectures evaluated, as `export --top k`."""
        return self._frame("top", int(k))

    def population(self, island=None):
        """The current population, oldest first, as `export --population`."""
        return self._frame("population", 0, island)

    def architectures(self, frame):
        """The Architectures of a frame's rows (from pareto(), top() or population())."""
        space = self.space()
        return [Architecture.from_json(a, space=space) for a in frame["architecture"]]

    def export(self, format="json", out="-", selection="pareto", top=None, island=None, seed=None, weights=False):
        """Writes an export, as `zerolm export`: selection 'pareto', 'top' (with top=K) or 'population'."""
        if selection not in ("pareto", "top", "population"):
            raise Error(f"selection: value '{selection}' is not pareto|top|population")
        if (selection == "top") != (top is not None):
            raise Error("top=K goes with selection='top' (and only with it)")
        _zerolm.run_export(
            self.directory,
            selection,
            0 if top is None else int(top),
            island,
            format,
            _os.fspath(out),
            seed,
            bool(weights),
        )
        return out
