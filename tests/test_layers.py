"""The package's architecture, read from its source: layers, no cycles, no reaching in.

Each module may import only from its own layer or the layers below it (the order
of ``LAYERS``); the import graph between modules has no cycle; no function
imports one of the package's own modules (imports are at the top, where the
graph can see them); no module uses another module's private (underscore)
names. The test parses every file of the package with :mod:`ast`; it fails
with the offending file and line.
"""

from __future__ import annotations

import ast
import os
import pathlib
import subprocess
import sys

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "divtools"

#: Bottom to top. A module belongs to the longest entry that is a prefix of its name.
LAYERS = [
    "divtools._core",
    "divtools.discrete",
    "divtools.transport",
    "divtools.distributions",
    "divtools.lectures",
    "divtools.variational",
    "divtools.gan",
    "divtools.api",
    "divtools.testing",
    "divtools",
    "divtools.__main__",
]


def modules(root: pathlib.Path) -> dict[str, pathlib.Path]:
    """Dotted module name -> file, for the package at ``root``."""
    out = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = modules(PACKAGE)


def layer(name: str) -> int:
    matches = [p for p in LAYERS if name == p or name.startswith(p + ".")]
    assert matches, f"{name} is in no layer"
    return LAYERS.index(max(matches, key=len))


def resolve(importer: str, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = importer.split(".")
    is_package = MODULES[importer].name == "__init__.py"
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports(name: str):
    """``(target module, imported name or None, line, inside a function)`` for each import."""
    tree = ast.parse(MODULES[name].read_text(), filename=str(MODULES[name]))
    function_lines = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            for inner in ast.walk(node):
                if isinstance(inner, (ast.Import, ast.ImportFrom)):
                    function_lines.add(inner.lineno)
    out = []
    for node in ast.walk(tree):
        inside = getattr(node, "lineno", None) in function_lines
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("divtools"):
                    out.append((alias.name, None, node.lineno, inside))
        elif isinstance(node, ast.ImportFrom):
            target = resolve(name, node)
            if not target.startswith("divtools"):
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                if sub in MODULES:  # `from divtools.x import module`
                    out.append((sub, None, node.lineno, inside))
                else:
                    out.append((target, alias.name, node.lineno, inside))
    return out


def test_every_module_has_a_layer():
    for name in MODULES:
        layer(name)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_run_down_the_layers(name):
    own = layer(name)
    for target, _, line, _ in imports(name):
        assert layer(target) <= own, f"{MODULES[name]}:{line} imports {target} from a higher layer"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_import_of_the_package_inside_a_function(name):
    for target, _, line, inside in imports(name):
        assert not inside, f"{MODULES[name]}:{line} imports {target} inside a function"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_private_names_of_other_modules(name):
    tree = ast.parse(MODULES[name].read_text())
    aliases = {}  # local name -> module it stands for
    for target, imported, line, _ in imports(name):
        if imported is not None and imported.startswith("_") and target != name:
            raise AssertionError(f"{MODULES[name]}:{line} imports the private name {imported} of {target}")
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            target = resolve(name, node)
            for alias in node.names:
                if f"{target}.{alias.name}" in MODULES:
                    aliases[alias.asname or alias.name] = f"{target}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in MODULES and alias.asname:
                    aliases[alias.asname] = alias.name
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
        ):
            raise AssertionError(
                f"{MODULES[name]}:{node.lineno} uses {aliases[node.value.id]}.{node.attr}, a private name"
            )


def test_no_import_cycle():
    graph = {name: {t for t, _, _, _ in imports(name) if t in MODULES and t != name} for name in MODULES}
    # a package's __init__ is imported by its submodules implicitly; that edge is not a cycle
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt) :] + [nxt]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name)


def test_the_checks_catch_violations(tmp_path, monkeypatch):
    """The parser sees an upward import, an import in a function and a private name."""
    fake = tmp_path / "divtools" / "_core"
    fake.mkdir(parents=True)
    (tmp_path / "divtools" / "__init__.py").write_text("")
    (fake / "__init__.py").write_text("")
    (fake / "bad.py").write_text(
        "from divtools.discrete import pmf\n"
        "from divtools._core.other import _secret\n"
        "def f():\n    import divtools.api\n"
    )
    (fake / "other.py").write_text("_secret = 1\n")
    monkeypatch.setattr(sys.modules[__name__], "MODULES", modules(tmp_path / "divtools"))
    found = imports("divtools._core.bad")
    assert ("divtools.discrete", "pmf", 1, False) in found
    assert ("divtools._core.other", "_secret", 2, False) in found
    assert ("divtools.api", None, 4, True) in found
    with pytest.raises(AssertionError, match="higher layer"):
        test_imports_run_down_the_layers("divtools._core.bad")
    with pytest.raises(AssertionError, match="inside a function"):
        test_no_import_of_the_package_inside_a_function("divtools._core.bad")
    with pytest.raises(AssertionError, match="private name"):
        test_no_private_names_of_other_modules("divtools._core.bad")


def test_subpackages_load_on_first_use_and_the_package_runs_under_python_OO():
    """``import divtools`` imports neither JAX nor the training subpackages; they are
    reachable as attributes; docstring templating survives ``python -OO``."""
    code = (
        "import sys, divtools\n"
        "assert 'jax' not in sys.modules and 'divtools.gan' not in sys.modules\n"
        "assert callable(divtools.gan.train) and callable(divtools.variational.estimate)\n"
        "assert callable(divtools.games.bayes_error) and callable(divtools.duality.f_dual_value)\n"
        "assert 'divtools.gan' in sys.modules\n"
        "print(divtools.kl([0.5, 0.5], [0.9, 0.1]))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(PACKAGE.parent), JAX_PLATFORMS="cpu")
    for flags in ([], ["-OO"]):
        out = subprocess.run(
            [sys.executable, *flags, "-c", code], capture_output=True, text=True, env=env, timeout=300
        )
        assert out.returncode == 0, out.stderr
        assert abs(float(out.stdout) - 0.5108256237659906) < 1e-15


PUBLIC_MODULES = [
    "divtools",
    "divtools.games",
    "divtools.duality",
    "divtools.examples",
    "divtools.mmd",
    "divtools.transport",
    "divtools.distributions",
    "divtools.generators",
    "divtools.variational",
    "divtools.gan",
    "divtools.gan.datasets",
    "divtools.gan.scores",
    "divtools.knn",
    "divtools.gan.gda",
    "divtools.gan.recipes",
]


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_public_signatures_are_annotated(name):
    import importlib
    import inspect

    import divtools

    module = (
        importlib.import_module(name)
        if name.count(".") > 1
        else (divtools if name == "divtools" else getattr(divtools, name.split(".")[1]))
    )
    for attr in module.__all__:
        obj = getattr(module, attr)
        if not inspect.isfunction(obj):
            continue
        sig = inspect.signature(obj)
        missing = [p for p, v in sig.parameters.items() if v.annotation is inspect.Parameter.empty]
        assert not missing, f"{name}.{attr}: parameters without annotations {missing}"
        assert sig.return_annotation is not inspect.Signature.empty, f"{name}.{attr}: no return annotation"
