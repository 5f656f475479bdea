"""Every notebook runs top to bottom (as a script; its cells assert what they show)."""

import glob
import os
import subprocess
import sys

import jupytext
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOTEBOOKS = sorted(glob.glob(os.path.join(ROOT, "notebooks", "*.py")))


def test_there_are_notebooks():
    assert NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=os.path.basename)
def test_notebook_runs(path):
    notebook = jupytext.read(path)  # a valid percent-format notebook
    assert sum(c.cell_type == "code" for c in notebook.cells) >= 3
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=ROOT, DIVTOOLS_FAST="1")
    result = subprocess.run(
        [sys.executable, path],
        capture_output=True,
        text=True,
        env=env,
        cwd=os.path.dirname(path),
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
