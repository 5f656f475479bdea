"""Generate the API reference pages of the docs from the public ``__all__`` lists.

The public surface is read, not retyped: ``divtools.__all__`` (with the lazily
imported subpackages of ``divtools._LAZY``), and, recursively, the ``__all__`` of
every public module named there, plus the few modules in ``EXTRA_MODULES`` that the
public docstrings point to. Each module gets a page ``api/<module>.rst`` (an
``automodule`` summary and an ``autosummary`` table whose entries get stub pages
under ``api/generated/``); ``api/index.rst`` lists the modules.

Modules are documented under their public path: ``divtools.games`` (not
``divtools.lectures.games``), ``divtools.generators``, ``divtools.mmd``. Sphinx
resolves such names by importing the longest importable prefix and walking
attributes, which is how ``divtools.__getattr__`` serves them.

``tests/test_docs_site.py`` derives the same list with :func:`public_api`.
"""

from __future__ import annotations

import glob
import hashlib
import importlib
import inspect
import os
import re
import types

#: Modules documented beyond those reachable through ``__all__``: ``divtools.gan``'s
#: recipes (``gan.recipes.paper``) and the variational modules that the docstrings of
#: ``estimate`` / ``mutual_information`` / ``gan.train`` refer to for ``critic=``,
#: ``objective=``, ``devices=`` and ``callback=``.
EXTRA_MODULES = (
    "divtools.gan.recipes",
    "divtools.variational.networks",
    "divtools.variational.objectives",
    "divtools.variational.progress",
    "divtools.variational.sharding",
)

#: Order of the module pages in the API index (others follow alphabetically).
ORDER = (
    "divtools",
    "divtools.distributions",
    "divtools.transport",
    "divtools.generators",
    "divtools.mmd",
    "divtools.games",
    "divtools.duality",
    "divtools.examples",
    "divtools.variational",
    "divtools.variational.networks",
    "divtools.variational.objectives",
    "divtools.variational.progress",
    "divtools.variational.sharding",
    "divtools.knn",
    "divtools.gan",
    "divtools.gan.datasets",
    "divtools.gan.losses",
    "divtools.gan.scores",
    "divtools.gan.recipes",
    "divtools.gan.gda",
    "divtools.testing",
)


def resolve(path: str):
    """The object at a public dotted path (``divtools.games.solve_gan``)."""
    parts = path.split(".")
    obj = importlib.import_module(parts[0])
    for i, part in enumerate(parts[1:], start=1):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            obj = importlib.import_module(".".join(parts[: i + 1]))
    return obj


def public_names(module: types.ModuleType) -> list[str]:
    names = list(getattr(module, "__all__", ()))
    if module.__name__ == "divtools":
        names += [n for n in getattr(module, "_LAZY", {}) if n not in names]
    return names


def public_api() -> dict[str, list[str]]:
    """``{public module path: [public names]}``, modules in documentation order."""
    found: dict[str, list[str]] = {}
    todo = ["divtools", *EXTRA_MODULES]
    while todo:
        path = todo.pop(0)
        if path in found:
            continue
        module = resolve(path)
        names = public_names(module)
        found[path] = names
        for name in names:
            if isinstance(resolve(f"{path}.{name}"), types.ModuleType):
                todo.append(f"{path}.{name}")
    rank = {m: i for i, m in enumerate(ORDER)}
    return dict(sorted(found.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0])))


def _kind(obj) -> str:
    if isinstance(obj, types.ModuleType):
        return "module"
    if inspect.isclass(obj):
        return "class"
    if callable(obj):
        return "function"
    return "data"


_HEADINGS = {"class": "Classes", "function": "Functions", "data": "Constants"}


def _first_line(module: types.ModuleType) -> str:
    """The first sentence of a module's docstring (its first paragraph, up to a full stop)."""
    doc = (inspect.getdoc(module) or "").strip()
    paragraph = " ".join(doc.split("\n\n")[0].split())
    end = re.search(r"\.(\s|$)", paragraph)
    return (paragraph[: end.start()] if end else paragraph).rstrip(".:")


def homes(api: dict[str, list[str]]) -> dict[str, str]:
    """``{full name: full name of its home}`` for the names that are re-exports.

    An object public under several paths (``divtools.Normal`` and
    ``divtools.distributions.Normal``) is documented in full once, at its shortest
    path (ties: the module documented first); every other path gets an entry on its
    module's page that links there. Numbers and strings are never taken for
    re-exports of one another.
    """
    first: dict[int, str] = {}
    out: dict[str, str] = {}
    paths = sorted(
        ((path, name) for path, names in api.items() for name in names),
        key=lambda pn: (pn[0].count("."), list(api).index(pn[0])),
    )
    for path, name in paths:
        obj = resolve(f"{path}.{name}")
        if isinstance(obj, (types.ModuleType, str, int, float, bool, type(None))):
            continue
        full = f"{path}.{name}"
        if id(obj) in first:
            out[full] = first[id(obj)]
        else:
            first[id(obj)] = full
    return out


_DIRECTIVE = {"class": "py:class", "function": "py:function", "data": "py:data"}
_ROLE = {"class": "class", "function": "func", "data": "data"}


def _module_page(path: str, names: list[str], aliases: dict[str, str]) -> str:
    module = resolve(path)
    title = f"``{path}``"
    out = [title, "=" * len(title), ""]
    real = module.__name__
    if real != path:
        out += [f"``{path}`` is the module ``{real}``.", ""]
    out += [f".. automodule:: {path}", "   :no-members:", ""]
    groups: dict[str, list[str]] = {"module": [], "class": [], "function": [], "data": []}
    kinds: dict[str, str] = {}
    for name in names:
        kinds[name] = _kind(resolve(f"{path}.{name}"))
        groups[kinds[name]].append(name)
    out += [f".. currentmodule:: {path}", ""]
    if groups["module"]:
        out += [".. rubric:: Modules", ""]
        for name in groups["module"]:
            sub = resolve(f"{path}.{name}")
            line = _first_line(sub)
            out += [f"* :mod:`{path}.{name}`" + (f" -- {line}" if line else "")]
        out += [""]
    for kind in ("class", "function", "data"):
        own = [n for n in groups[kind] if f"{path}.{n}" not in aliases]
        if not own:
            continue
        out += [
            f".. rubric:: {_HEADINGS[kind]}",
            "",
            ".. autosummary::",
            "   :toctree: generated",
            "   :nosignatures:",
            "",
        ]
        out += [f"   {name}" for name in own]
        out += [""]
    reexported = [n for n in names if f"{path}.{n}" in aliases]
    if reexported:
        out += [
            ".. rubric:: Re-exported",
            "",
            "Documented under their shorter public names:",
            "",
            ".. autosummary::",
            "   :nosignatures:",
            "",
            *[f"   {name}" for name in reexported],
            "",
        ]
        for name in reexported:
            home = aliases[f"{path}.{name}"]
            kind = kinds[name]
            out += [
                f".. {_DIRECTIVE[kind]}:: {name}",
                "   :no-index-entry:",
                "",
                f"   The same object as :{_ROLE[kind]}:`{home}`.",
                "",
            ]
    return "\n".join(out)


def _index_page(api: dict[str, list[str]], aliases: dict[str, str]) -> str:
    total = sum(len(v) for v in api.values())
    out = [
        "API reference",
        "=============",
        "",
        "Generated from the docstrings. Every name in ``divtools.__all__`` and in the",
        "``__all__`` of each public module has an entry on its module's page",
        f"({total} entries in {len(api)} modules). An object public under several names",
        f"is documented at the shortest ({len(aliases)} entries link there).",
        "Docstrings write formulas in plain text (``KL(P || Q) = sum p log(p/q)``);",
        "the *Example* sections are doctests, run by ``pytest``.",
        "",
        ".. list-table::",
        "   :header-rows: 1",
        "   :widths: 35 65",
        "",
        "   * - module",
        "     - contents",
    ]
    for path in api:
        out += [f"   * - :mod:`{path}`", f"     - {_first_line(resolve(path)) or ' '}"]
    out += ["", ".. toctree::", "   :hidden:", "", *[f"   {path}" for path in api], ""]
    return "\n".join(out)


#: Where a build records the fingerprint of the sources it was built from.
STAMP = ".divtools-sources"

_SOURCES = (
    "divtools/**/*.py",
    "notebooks/*.py",
    "bench/results_*.json",
    "docs/*.md",
    "docs/*.py",
    "docs/guide/*.md",
    "docs/_ext/*.py",
    "docs/_templates/**/*",
)


def fingerprint(root: str) -> str:
    """A hash of the files the site is built from (code, notebooks, benchmark results, docs).

    The build writes it to ``<html>/.divtools-sources``; ``tests/test_docs_site.py``
    checks a site only when it matches the working tree, so a build left over from
    other sources is skipped rather than reported broken.
    """
    digest = hashlib.sha256()
    files = {f for pattern in _SOURCES for f in glob.glob(os.path.join(root, pattern), recursive=True)}
    for path in sorted(f for f in files if os.path.isfile(f) and "__pycache__" not in f):
        digest.update(os.path.relpath(path, root).encode())
        with open(path, "rb") as f:
            digest.update(hashlib.sha256(f.read()).digest())
    return digest.hexdigest()


def _write(path: str, text: str) -> None:
    """Write only when the text changed, so incremental builds stay incremental."""
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            if f.read() == text:
                return
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def generate(outdir: str) -> dict[str, list[str]]:
    """Write ``index.rst`` and one page per public module into ``outdir``."""
    os.makedirs(outdir, exist_ok=True)
    api = public_api()
    wanted = {"index.rst"} | {f"{path}.rst" for path in api}
    for stale in os.listdir(outdir):
        if stale.endswith(".rst") and stale not in wanted:
            os.remove(os.path.join(outdir, stale))
    stubs = os.path.join(outdir, "generated")
    if os.path.isdir(stubs):  # a stub of a name no longer public would be an orphan page
        keep = {f"{path}.{name}.rst" for path, names in api.items() for name in names}
        keep -= {f"{full}.rst" for full in homes(api)}
        for stale in os.listdir(stubs):
            if stale.endswith(".rst") and stale not in keep:
                os.remove(os.path.join(stubs, stale))
    aliases = homes(api)
    _write(os.path.join(outdir, "index.rst"), _index_page(api, aliases))
    for path, names in api.items():
        _write(os.path.join(outdir, f"{path}.rst"), _module_page(path, names, aliases))
    return api
