"""The command line: ``python -m divtools compare P Q``."""

import json
import math
import subprocess
import sys

import pytest

import divtools
from divtools.__main__ import main


def test_compare_table(capsys):
    assert main(["compare", "0.5,0.3,0.2", "0.1,0.6,0.3"]) == 0
    out = capsys.readouterr().out
    for name in divtools.GENERATORS:
        assert name in out
    kl = 0.5 * math.log(5) + 0.3 * math.log(0.5) + 0.2 * math.log(2 / 3)
    assert f"{kl:.10g}" in out and f"{kl / math.log(2):.10g}" in out


def test_compare_json_values(capsys):
    assert main(["compare", "0.5,0.3,0.2", "0.1,0.6,0.3", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["tv"]["value"] == pytest.approx(0.4) and rows["tv"]["bits"] is None
    assert rows["js"]["bits"] == pytest.approx(rows["js"]["value"] / math.log(2))


def test_counts_flag(capsys):
    assert main(["compare", "5,3,2", "1,6,3", "--counts", "--json"]) == 0
    rows = {r["name"]: r["value"] for r in json.loads(capsys.readouterr().out)}
    assert rows["kl"] == pytest.approx(divtools.kl([0.5, 0.3, 0.2], [0.1, 0.6, 0.3]), rel=1e-15)


@pytest.mark.parametrize(
    "args, message",
    [
        (["compare", "0.5,0.5", "0.2,0.8,0"], "P has 2 outcomes and Q has 3"),
        (["compare", "0.5,0.6", "0.5,0.5"], "P: does not sum to 1"),
        (["compare", "0.5,x", "0.5,0.5"], "P: expected comma-separated numbers"),
        (["compare", "0.5,0.5", "1.5,-0.5"], "Q: has negative entries"),
    ],
)
def test_bad_input_exits_nonzero(args, message, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err


def test_module_entry_point():
    result = subprocess.run(
        [sys.executable, "-m", "divtools", "compare", "0.5,0.5", "0.9,0.1"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0 and "kl" in result.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "divtools", "compare", "1,2", "1"], capture_output=True, text=True, timeout=120
    )
    assert bad.returncode == 2 and "error:" in bad.stderr
