"""The README's 30-second example runs, and its stated values are right."""

import os
import re

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_readme_example_runs():
    with open(os.path.join(ROOT, "README.md")) as fh:
        text = fh.read()
    section = text.split("## In 30 seconds", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    divtools, p, q = namespace["divtools"], namespace["p"], namespace["q"]
    stated = float(re.search(r"divtools.kl\(p, q\) +# ([0-9.]+)", code).group(1))
    assert divtools.kl(p, q) == stated
    assert divtools.tv(p, q) == float(re.search(r"= ([0-9.]+)\n", code).group(1))
    assert np.asarray(divtools.kl(namespace["P"], namespace["P"][::-1])).shape == (2000,)


def test_every_python_block_runs():
    with open(os.path.join(ROOT, "README.md")) as fh:
        blocks = re.findall(r"```python\n(.*?)```", fh.read(), re.S)
    assert len(blocks) >= 2
    for code in blocks:
        exec(compile(code, "README.md", "exec"), {})
