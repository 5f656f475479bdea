"""Re-lay out the reST simple tables of docstrings that docutils would reject.

Some docstrings hold plain-text tables whose cells run past their column's ``====``
border (``Malformed table``) or whose formulas contain ``|t - 1|``, which reST reads
as a substitution reference. The docstrings read well as text, so they are left
alone in the source; this step, run on every docstring autodoc renders, rebuilds
only such tables: cells are the runs of text separated by two or more spaces (a
continuation line's cells are placed by their column), every column is widened to
its longest cell, and ``|`` outside inline literals is escaped. Tables that
docutils accepts are not touched. Each rebuilt table is reported on the
``-v`` log (``docstring table re-laid out: <name>``).
"""

from __future__ import annotations

import re

from sphinx.util import logging

LOGGER = logging.getLogger(__name__)
BORDER = re.compile(r"^(\s*)(=+(?: +=+)+)\s*$")
CHUNK = re.compile(r"\S+(?: \S+)*")
LITERAL = re.compile(r"``.+?``")

#: Names whose docstrings had a table rebuilt in this build (for the build report).
REPAIRED: list[str] = []


def _escape_bars(text: str) -> str:
    out, last = [], 0
    for m in LITERAL.finditer(text):
        out.append(text[last : m.start()].replace("|", r"\|"))
        out.append(m.group())
        last = m.end()
    out.append(text[last:].replace("|", r"\|"))
    return "".join(out)


def _columns(border: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"=+", border)]


def _cells(line: str, cols: list[tuple[int, int]]) -> tuple[list[str], bool]:
    """The cells of one row and whether its text crosses a column boundary."""
    chunks = []
    for m in CHUNK.finditer(line):
        start = m.start()
        # a cell that overflows its column by up to the gap leaves one space before the
        # next column's start: cut there ("``classifier`` ``log 2 ...``")
        for s, _ in cols[1:]:
            if start < s < m.end() and line[s - 1] == " " and line[s] != " ":
                chunks.append((start, s - 1, line[start : s - 1]))
                start = s
        chunks.append((start, m.end(), line[start : m.end()]))
    crossing = False
    for start, end, _ in chunks:
        for (s0, e0), (s1, _) in zip(cols, cols[1:]):
            if start < s1 and end > e0 and not (start >= s0 and end <= e0):
                crossing = True
    cells = [""] * len(cols)
    if len(chunks) == len(cols) and line[:1] not in (" ", ""):
        return [c for _, _, c in chunks], crossing
    for start, _, text in chunks:
        i = max(k for k, (s, _) in enumerate(cols) if s <= start or k == 0)
        cells[i] = f"{cells[i]}  {text}".strip()
    return cells, crossing


def _relayout(block: list[str]) -> list[str] | None:
    """A rebuilt table for the lines of one simple table, or None when it is fine."""
    indent = BORDER.match(block[0]).group(1)
    cols = _columns(block[0][len(indent) :])
    rows: list[list[str] | None] = []  # None: a border line
    broken = False
    for line in block:
        body = line[len(indent) :] if line.startswith(indent) else line.lstrip()
        if BORDER.match(line):
            rows.append(None)
            continue
        cells, crossing = _cells(body, cols)
        escaped = [_escape_bars(c) for c in cells]
        broken |= crossing or escaped != cells
        rows.append(escaped)
    if not broken:
        return None
    widths = [max([len(r[i]) for r in rows if r is not None] + [1]) for i in range(len(cols))]
    border = indent + "  ".join("=" * w for w in widths)
    return [
        border if r is None else (indent + "  ".join(c.ljust(w) for c, w in zip(r, widths))).rstrip()
        for r in rows
    ]


def repair(lines: list[str]) -> bool:
    """Rebuild the broken simple tables in ``lines`` in place; True if any was."""
    changed = False
    i = 0
    while i < len(lines):
        m = BORDER.match(lines[i])
        if not m:
            i += 1
            continue
        # a simple table: top border, header, separator, body, bottom border (3 borders)
        borders, j = [i], i + 1
        while j < len(lines) and len(borders) < 3 and lines[j].strip():
            if BORDER.match(lines[j]):
                borders.append(j)
            j += 1
        if len(borders) < 3:
            i = j
            continue
        block = lines[i : borders[2] + 1]
        new = _relayout(block)
        if new is not None:
            lines[i : borders[2] + 1] = new
            changed = True
        i = borders[2] + 1
    return changed


def _process(app, what, name, obj, options, lines):
    if repair(lines):
        REPAIRED.append(name)
        LOGGER.verbose("docstring table re-laid out: %s", name)


def setup(app):
    app.connect("autodoc-process-docstring", _process)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
