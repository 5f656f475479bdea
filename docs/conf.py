"""Sphinx configuration of the divtools documentation.

Build (from the repository root; warnings are errors)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

Three things happen here before Sphinx reads the sources:

* the API pages (``docs/api/``) are generated from the public ``__all__`` lists
  (``_ext/divtools_api.py``), and autosummary writes a stub page per name;
* the notebooks (``notebooks/*.py``, jupytext percent format) are copied into
  ``docs/notebooks/`` (only when changed) and executed by myst-nb, with the
  results cached in ``docs/_build/.jupyter_cache``;
* ``DIVTOOLS_FAST=1`` selects the notebooks' short settings, ``MPLBACKEND``
  the inline backend (whose figures become the pages' images), and JAX's
  persistent compilation cache is shared with the test run's.

The generated folders are git-ignored; the sources are the docstrings, the
notebooks and ``bench/results_*.json``.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile

DOCS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(DOCS)
sys.path.insert(0, os.path.join(DOCS, "_ext"))
sys.path.insert(0, ROOT)

# The notebooks' kernels inherit this process's environment.
os.environ["DIVTOOLS_FAST"] = "1"  # the notebooks' short settings (as in tests/test_notebooks.py)
# ipykernel picks the inline backend only when MPLBACKEND is unset; a CI's "Agg" would
# leave plt.show() without output, so the inline backend is named explicitly.
os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
# As tests/conftest.py sets them for the test run and its notebook subprocesses: XLA's
# faster-compiling CPU runtime, and JAX's persistent compilation cache in the same
# folder, so a build after `pytest` reads the notebooks' compiled programs from it.
# Values the user exported are kept.
if "xla_cpu_use_thunk_runtime" not in os.environ.get("XLA_FLAGS", ""):
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " --xla_cpu_use_thunk_runtime=false").strip()
os.environ.setdefault("JAX_COMPILATION_CACHE_DIR", os.path.join(tempfile.gettempdir(), "divtools-jax-cache"))
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "-1")

import divtools_api  # noqa: E402
import numpy.typing  # noqa: E402
from sphinx.errors import PycodeError  # noqa: E402
from sphinx.ext import autosummary  # noqa: E402
from sphinx.pycode import ModuleAnalyzer  # noqa: E402
from sphinx.util.typing import stringify_annotation  # noqa: E402

import divtools  # noqa: E402

# -- project -------------------------------------------------------------------
project = "divtools"
author = "the divtools authors"
copyright = "the divtools authors, MIT licence"
release = version = divtools.__version__

# -- extensions ----------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    # no sphinx.ext.viewcode: it keys its back-links by the defining module and assumes
    # objects are documented under it; here they are documented under their public
    # paths (divtools.Normal, defined in divtools.distributions.families).
    "myst_nb",
    "bench_tables",
    "docstring_tables",
]

exclude_patterns = [
    "_build",
    "_ext",
    "_templates",
    "conf.py",
    "README.md",
    "Thumbs.db",
    ".DS_Store",
    "**.ipynb_checkpoints",
]
templates_path = ["_templates"]

# -- API reference -------------------------------------------------------------
PUBLIC_API = divtools_api.generate(os.path.join(DOCS, "api"))

autosummary_generate = True
autosummary_generate_overwrite = True
autosummary_ignore_module_all = False
autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_member_order = "bysource"
autodoc_typehints = "description"  # annotations go into the parameter lists
autodoc_typehints_description_target = "documented_params"
autodoc_typehints_format = "short"

autodoc_preserve_defaults = True  # show ``key=0``, not the evaluated default
add_module_names = False
python_display_short_literal_types = True

napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False
napoleon_use_ivar = True
napoleon_custom_sections = [("Gradient", "notes_style"), ("References", "notes_style")]

# -- notebooks (myst-nb) -------------------------------------------------------
NOTEBOOKS_SRC = os.path.join(ROOT, "notebooks")
NOTEBOOKS_DST = os.path.join(DOCS, "notebooks")


def _copy_notebooks() -> None:
    """Copy ``notebooks/*.py`` into ``docs/notebooks/`` (mtime kept; unchanged files untouched)."""
    os.makedirs(NOTEBOOKS_DST, exist_ok=True)
    names = sorted(n for n in os.listdir(NOTEBOOKS_SRC) if n.endswith(".py"))
    for stale in os.listdir(NOTEBOOKS_DST):
        if stale.endswith(".py") and stale not in names:
            os.remove(os.path.join(NOTEBOOKS_DST, stale))
    for name in names:
        src, dst = os.path.join(NOTEBOOKS_SRC, name), os.path.join(NOTEBOOKS_DST, name)
        if os.path.exists(dst):
            with open(src, "rb") as a, open(dst, "rb") as b:
                if a.read() == b.read():
                    continue
        shutil.copy2(src, dst)


_copy_notebooks()

nb_custom_formats = {".py": ["jupytext.reads", {"fmt": "py:percent"}]}
nb_execution_mode = "cache"
nb_execution_cache_path = os.path.join(DOCS, "_build", ".jupyter_cache")
nb_execution_timeout = 600
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_merge_streams = True
nb_output_stderr = "remove"  # JAX's and tqdm's chatter on stderr is not part of the page
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

# -- benchmark tables ----------------------------------------------------------
bench_results_dir = os.path.join(ROOT, "bench")

# -- HTML ----------------------------------------------------------------------
html_theme = "furo"
html_title = f"divtools {release}"
html_static_path: list[str] = []
html_show_sourcelink = False


# -- docstrings of re-exported constants ---------------------------------------
def _constant_docstring(app, what, name, obj, options, lines):
    """Give a re-exported constant the ``#:`` comment of the module that defines it.

    autodoc reads ``#:`` comments from the module it documents the name under; for
    ``divtools.GENERATORS`` (assigned in ``divtools.discrete.generators``) it finds
    none and falls back to the docstring of ``dict``. This takes the comment from
    the divtools module that assigns the object, or leaves the entry without text.
    Runs before napoleon (priority 400).
    """
    if what != "data":
        return
    module_name, _, short = name.rpartition(".")
    candidates = [module_name] + sorted(
        m for m in sys.modules if (m == "divtools" or m.startswith("divtools.")) and m != module_name
    )
    for modname in candidates:
        module = sys.modules.get(modname)
        if module is None or getattr(module, short, None) is not obj:
            continue
        try:
            comments = ModuleAnalyzer.for_module(modname).find_attr_docs()
        except PycodeError:
            continue
        if ("", short) in comments:
            if modname != module_name:
                lines[:] = list(comments[("", short)])
            return
    if type(obj).__module__ == "builtins":  # no comment anywhere: not dict's docstring either
        lines[:] = []


# napoleon reads the first line of a constant's text as "type: description", so
# "#: The table: name -> Generator." would become type "The table". Constants'
# ``#:`` comments are plain sentences: keep them as they were before napoleon.
_CONSTANT_TEXT: dict[str, list[str]] = {}


def _keep_constant_text(app, what, name, obj, options, lines):
    if what == "data":
        _CONSTANT_TEXT[name] = list(lines)


def _restore_constant_text(app, what, name, obj, options, lines):
    if what == "data" and name in _CONSTANT_TEXT:
        lines[:] = _CONSTANT_TEXT.pop(name)


# -- numpy.typing aliases in the parameter lists -----------------------------------
# ``ArrayLike`` and ``DTypeLike`` reach autodoc as the unions they stand for (eight
# private numpy names each); the recorded annotations are rewritten to the alias just
# before they are merged into the parameter lists.
_NUMPY_ALIASES = {
    stringify_annotation(numpy.typing.ArrayLike, "smart"): "~numpy.typing.ArrayLike",
    stringify_annotation(numpy.typing.DTypeLike, "smart"): "~numpy.typing.DTypeLike",
}


def _shorten_numpy_aliases(app, domain, objtype, contentnode):
    for hints in app.env.current_document.autodoc_annotations.values():
        for key, text in hints.items():
            for long, short in _NUMPY_ALIASES.items():
                text = text.replace(long, short)
            hints[key] = text


# -- autosummary's one-line summaries ----------------------------------------------
# Sphinx 9.0's ``extract_summary`` checks each candidate first sentence by parsing the
# whole first paragraph instead of the candidate, so a period inside an inline literal
# ("``|x|^2 + |y|^2 - gamma x . y``: constant along ...", divtools.gan.gda.bilinear_invariant)
# cuts the literal open and docutils warns. This wrapper keeps Sphinx's summary unless
# it leaves a literal open, and then cuts at the first sentence end outside literals.
_sphinx_extract_summary = autosummary.extract_summary
_SENTENCE_END = re.compile(r"\.(?:\s+)")
_INLINE_LITERAL = re.compile(r"``.+?``")


def _extract_summary(doc, settings):
    summary = _sphinx_extract_summary(doc, settings)
    if summary.count("``") % 2 == 0:
        return summary
    text = " ".join(line.strip() for line in doc if line.strip())
    literals = [m.span() for m in _INLINE_LITERAL.finditer(text)]
    for m in _SENTENCE_END.finditer(text):
        if not any(a <= m.start() < b for a, b in literals):
            return text[: m.start() + 1]
    return text


autosummary.extract_summary = _extract_summary


# -- the sources this build reads (tests/test_docs_site.py checks a matching build) -----
_FINGERPRINT = divtools_api.fingerprint(ROOT)


def _stamp(app, exception):
    if exception is None and app.builder.format == "html":
        with open(os.path.join(app.outdir, divtools_api.STAMP), "w", encoding="utf-8") as f:
            f.write(_FINGERPRINT + "\n")


def setup(app):
    app.connect("autodoc-process-docstring", _constant_docstring, priority=400)
    app.connect("autodoc-process-docstring", _keep_constant_text, priority=401)
    app.connect("autodoc-process-docstring", _restore_constant_text, priority=900)
    app.connect("object-description-transform", _shorten_numpy_aliases, priority=450)
    app.connect("build-finished", _stamp)
