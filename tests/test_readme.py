"""The README's 30-second example runs and its stated values are right; every Python
block of the README and of the documentation's guide pages runs."""

import glob
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
    r = namespace["r"]  # the estimate of KL(N(0,1) || N(1,1)) = 1/2, as stated
    value, se = re.search(r"# ([0-9.]+) \+- ([0-9.]+) \(r.value", code).groups()
    assert abs(float(r.value) - float(value)) < 5e-4 and abs(float(r.stderr) - float(se)) < 5e-4
    assert abs(float(r.value) - 0.5) < 2 * float(r.stderr)
    # the GAN with defaults: within the stated range of W_1 to N(3, 0.5^2)
    from scipy.stats import norm

    g = namespace["g"]
    high = float(re.search(r"W_1 to N\(3, 0.5\^2\) below ([0-9.]+)", code).group(1))
    s = np.sort(np.asarray(g.generator(99, 200_000))[:, 0].astype(np.float64))
    w1 = np.mean(np.abs(s - norm.ppf((np.arange(s.size) + 0.5) / s.size, 3.0, 0.5)))
    assert w1 <= high, w1


def test_every_python_block_runs():
    pages = [os.path.join(ROOT, "README.md"), *sorted(glob.glob(os.path.join(ROOT, "docs", "guide", "*.md")))]
    blocks = []
    for page in pages:
        with open(page) as fh:
            blocks += [(page, code) for code in re.findall(r"```python\n(.*?)```", fh.read(), re.S)]
    assert len(blocks) >= 7
    first = blocks.pop(0)  # the 30-second example, run and checked above
    with open(first[0]) as fh:
        assert "## In 30 seconds" in fh.read().split(first[1])[0]
    for page, code in blocks:
        exec(compile(code, os.path.relpath(page, ROOT), "exec"), {})
