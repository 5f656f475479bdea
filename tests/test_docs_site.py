"""The built documentation site: API anchors, notebook figures, internal links.

Building the site takes minutes (it runs the notebooks), so the ordinary test run
does not: these tests read ``docs/_build/html`` when it holds a build of the current
sources (``python -m sphinx -W --keep-going -b html docs docs/_build/html``, as CI does
after the tests; the build records a fingerprint of what it read) and are skipped
otherwise. With ``DIVTOOLS_DOCS=1`` they build the site into a temporary folder
first (the notebooks' execution cache in ``docs/_build/.jupyter_cache`` is reused).
"""

from __future__ import annotations

import functools
import glob
import importlib
import os
import re
import subprocess
import sys
import types
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILT = os.path.join(ROOT, "docs", "_build", "html")
NOTEBOOKS = sorted(glob.glob(os.path.join(ROOT, "notebooks", "*.py")))

#: Public modules that ``__all__`` does not reach (``divtools.gan.recipes`` is imported by name).
EXTRA_MODULES = ("divtools.gan.recipes",)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> str:
    """The folder of the built HTML site."""
    if os.environ.get("DIVTOOLS_DOCS") == "1":
        out = str(tmp_path_factory.mktemp("docs-html"))
        command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", "docs", out]
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=1800)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        return out
    build = "python -m sphinx -W --keep-going -b html docs docs/_build/html, or DIVTOOLS_DOCS=1"
    if not os.path.exists(os.path.join(BUILT, "index.html")):
        pytest.skip(f"docs/_build/html is not built ({build})")
    sys.path.insert(0, os.path.join(ROOT, "docs", "_ext"))
    try:
        import divtools_api
    finally:
        sys.path.pop(0)
    stamp = os.path.join(BUILT, divtools_api.STAMP)
    built_from = ""
    if os.path.exists(stamp):
        with open(stamp, encoding="utf-8") as f:
            built_from = f.read().strip()
    if built_from != divtools_api.fingerprint(ROOT):
        pytest.skip(f"docs/_build/html was built from other sources than the working tree's ({build})")
    return BUILT


class _Page(HTMLParser):
    """The ids, the links (href/src) and the images of one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.images: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name") if tag == "a" else ("id",):
            if attrs.get(key):
                self.ids.add(attrs[key])
        if tag in ("a", "link") and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag in ("img", "script") and attrs.get("src"):
            self.links.append(attrs["src"])
        if tag == "img":
            self.images.append(attrs.get("src") or "")


@functools.cache
def _parse(path: str) -> _Page:
    page = _Page()
    with open(path, encoding="utf-8") as f:
        page.feed(f.read())
    return page


def _pages(site: str) -> list[str]:
    return sorted(glob.glob(os.path.join(site, "**", "*.html"), recursive=True))


def _resolve(path: str):
    parts = path.split(".")
    obj = importlib.import_module(parts[0])
    for i, part in enumerate(parts[1:], start=1):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            obj = importlib.import_module(".".join(parts[: i + 1]))
    return obj


def public_names() -> dict[str, bool]:
    """``{public dotted name: is a module}`` from ``__all__``, recursively, and ``divtools._LAZY``."""
    found: dict[str, bool] = {}
    todo = ["divtools", *EXTRA_MODULES]
    seen: set[str] = set()
    while todo:
        path = todo.pop(0)
        if path in seen:
            continue
        seen.add(path)
        module = _resolve(path)
        names = list(getattr(module, "__all__", ()))
        if path == "divtools":
            names += [n for n in getattr(module, "_LAZY", {}) if n not in names]
        for name in names:
            full = f"{path}.{name}"
            is_module = isinstance(_resolve(full), types.ModuleType)
            found[full] = is_module
            if is_module:
                todo.append(full)
    for path in EXTRA_MODULES:
        found[path] = True
    return found


def test_every_public_name_has_an_anchor(site):
    ids: set[str] = set()
    for path in _pages(os.path.join(site, "api")):
        ids |= _parse(path).ids
    names = public_names()
    assert len(names) > 100
    missing = [
        name for name, is_module in names.items() if (f"module-{name}" if is_module else name) not in ids
    ]
    assert not missing, f"public names without an entry in the API pages: {missing}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=os.path.basename)
def test_notebook_page_holds_its_figures(site, notebook):
    stem = os.path.splitext(os.path.basename(notebook))[0]
    page_path = os.path.join(site, "notebooks", f"{stem}.html")
    assert os.path.exists(page_path), f"no page for {stem}"
    with open(notebook, encoding="utf-8") as f:
        shown = len(re.findall(r"^\s*plt\.show\(\)", f.read(), flags=re.MULTILINE))
    images = _parse(page_path).images
    assert len(images) >= max(shown, 1), f"{stem}: {len(images)} images for {shown} plt.show() calls"
    for src in images:
        if src.startswith("data:"):
            assert len(src.split(",", 1)[-1]) > 100, f"{stem}: an empty inline image"
            continue
        file = os.path.normpath(os.path.join(os.path.dirname(page_path), unquote(urlsplit(src).path)))
        assert os.path.isfile(file), f"{stem}: image {src} is missing"
        assert os.path.getsize(file) > 0, f"{stem}: image {src} is empty"


def test_internal_links_resolve(site):
    broken: list[str] = []
    pages = _pages(site)
    assert len(pages) > 50
    for path in pages:
        for link in _parse(path).links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith(("data:", "javascript:")):
                continue
            if parts.path:
                target = os.path.normpath(os.path.join(os.path.dirname(path), unquote(parts.path)))
                if os.path.isdir(target):
                    target = os.path.join(target, "index.html")
                if not os.path.exists(target):
                    broken.append(f"{os.path.relpath(path, site)}: {link} (no such file)")
                    continue
            else:
                target = path
            fragment = unquote(parts.fragment)
            if fragment and target.endswith(".html") and fragment not in _parse(target).ids:
                broken.append(f"{os.path.relpath(path, site)}: {link} (no such id)")
    assert not broken, f"{len(broken)} broken internal links:\n" + "\n".join(broken[:50])
