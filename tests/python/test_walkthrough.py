"""docs/PYTHON.md's walkthrough, run as written (ctest: python_walkthrough).

Every ```python block of the page, in order, in one namespace, in a scratch
folder that holds the repository's benchmarks/ and experiments/ (so the page's
relative paths work and its runs/ lands in the scratch folder).
"""

import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_walkthrough_runs_as_written(tmp_path, monkeypatch):
    page = open(os.path.join(ROOT, "docs", "PYTHON.md"), encoding="utf-8").read()
    walkthrough = page[page.index("## Walkthrough"):]
    blocks = re.findall(r"```python\n(.*?)```", walkthrough, flags=re.S)
    assert len(blocks) >= 5, "the walkthrough lost its code blocks"
    for folder in ("benchmarks", "experiments"):
        os.symlink(os.path.join(ROOT, folder), tmp_path / folder)
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__walkthrough__"}
    for i, block in enumerate(blocks):
        exec(compile(block, f"docs/PYTHON.md block {i + 1}", "exec"), namespace)
    assert (tmp_path / "rank-scatter.png").stat().st_size > 10_000
    assert namespace["run"].finished and len(namespace["front"]) > 0
    assert namespace["loss"].item() > 0
    print(sys.version)
