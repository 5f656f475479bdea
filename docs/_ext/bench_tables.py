"""``bench-table``: render part of a benchmark result file (``bench/results_*.json``) as tables.

The figures on the benchmark page are read from the JSON files at build time, never
retyped. Usage (MyST)::

    ```{bench-table} results_latency.json
    :path: small_calls_us
    :columns: kl, js, tv
    :transpose:
    :digits: 3
    ```

``:path:`` selects a node by ``/``-separated keys (``speed`` or ``js/divtools_first_call``;
list items by index). How a node is drawn:

* a list of records (dicts): one row per record, a column per key (``:columns:``
  restricts and orders them);
* a dict of dicts of scalars: a matrix, a row per outer key and a column per inner key
  (``:transpose:`` swaps them);
* a dict of scalars: a two-column table of key and value;
* anything else: its scalar entries as a key/value table, then each nested entry under
  a rubric with its key, recursively.

A file or path that is not there gives a one-line note instead of a table.
Numbers print with ``:digits:`` significant digits (default 4); a list of more than
four numbers as ``mean (min-max), n``; ``null`` as an em dash. ``:exclude:`` drops keys
at every level. The page is rebuilt when the file changes.

``defaults-table``: the keyword defaults of the functions named (public dotted paths),
read from their signatures, each function linked to its API entry.
"""

from __future__ import annotations

import inspect
import json
import math
import os
from typing import Any

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx import addnodes
from sphinx.util.docutils import SphinxDirective

Scalar = (str, int, float, bool, type(None))


def _is_scalar(x: Any) -> bool:
    return isinstance(x, Scalar) or (isinstance(x, list) and all(isinstance(v, Scalar) for v in x))


def _fmt(x: Any, digits: int) -> str:
    if x is None:
        return "\u2014"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, int):
        return f"{x:,}" if abs(x) >= 10000 else str(x)
    if isinstance(x, float):
        if math.isnan(x) or math.isinf(x):
            return str(x)
        if x == 0:
            return "0"
        if 1e-3 <= abs(x) < 1e6:
            text = f"{x:.{digits}g}"
            return text if "e" not in text else f"{x:.{max(digits - 4, 0)}f}"
        return f"{x:.{digits - 1}e}"
    if isinstance(x, list):
        numbers = [v for v in x if isinstance(v, (int, float)) and not isinstance(v, bool)]
        if len(x) > 4 and len(numbers) == len(x):
            mean = sum(numbers) / len(numbers)
            return (
                f"{_fmt(float(mean), digits)} "
                f"({_fmt(min(numbers), digits)}\u2013{_fmt(max(numbers), digits)}), n={len(numbers)}"
            )
        return ", ".join(_fmt(v, digits) for v in x) if x else "\u2014"
    return str(x)


def _table(header: list[str], rows: list[list[str]]) -> nodes.table:
    table = nodes.table(classes=["bench-table"])
    group = nodes.tgroup(cols=len(header))
    table += group
    for _ in header:
        group += nodes.colspec(colwidth=1)
    head = nodes.thead()
    group += head
    body = nodes.tbody()
    group += body
    for target, cells in ((head, [header]), (body, rows)):
        for cells_of_row in cells:
            row = nodes.row()
            for cell in cells_of_row:
                entry = nodes.entry()
                entry += nodes.paragraph(text=cell)
                row += entry
            target += row
    return table


class BenchTable(SphinxDirective):
    required_arguments = 1
    has_content = False
    option_spec = {
        "path": directives.unchanged,
        "columns": directives.unchanged,
        "exclude": directives.unchanged,
        "transpose": directives.flag,
        "digits": directives.positive_int,
        "caption": directives.unchanged,
    }

    def run(self) -> list[nodes.Node]:
        folder = self.config.bench_results_dir
        filename = os.path.join(folder, self.arguments[0])
        if not os.path.exists(filename):
            return [nodes.paragraph(text=f"({self.arguments[0]} is not present in bench/.)")]
        self.env.note_dependency(os.path.abspath(filename))
        with open(filename, encoding="utf-8") as f:
            data = json.load(f)
        path = self.options.get("path", "")
        try:
            for key in [k for k in path.split("/") if k]:
                data = data[int(key)] if isinstance(data, list) else data[key]
        except (KeyError, IndexError, ValueError):  # the benchmark's layout changed: say so
            return [nodes.paragraph(text=f"({self.arguments[0]} holds no {path}.)")]
        self.digits = self.options.get("digits", 4)
        self.exclude = {k.strip() for k in self.options.get("exclude", "").split(",") if k.strip()}
        columns = [c.strip() for c in self.options.get("columns", "").split(",") if c.strip()]
        out: list[nodes.Node] = []
        if "caption" in self.options:
            out.append(nodes.paragraph(text=self.options["caption"], classes=["bench-caption"]))
        source = f"{self.arguments[0]}" + (f" \u2192 {path}" if path else "")
        out += self.render(data, columns, depth=0)
        out.append(nodes.paragraph(text=f"Source: bench/{source}", classes=["bench-source"]))
        return out

    def render(self, data: Any, columns: list[str], depth: int) -> list[nodes.Node]:
        d = self.digits
        if isinstance(data, list) and data and all(isinstance(r, dict) for r in data):
            keys = columns or list(dict.fromkeys(k for r in data for k in r if k not in self.exclude))
            return [_table(keys, [[_fmt(r.get(k), d) for k in keys] for r in data])]
        if _is_scalar(data):
            return [nodes.paragraph(text=_fmt(data, d))]
        items = {k: v for k, v in data.items() if k not in self.exclude}
        if items and all(
            isinstance(v, dict) and all(_is_scalar(x) for x in v.values()) for v in items.values()
        ):
            inner = columns or list(
                dict.fromkeys(k for v in items.values() for k in v if k not in self.exclude)
            )
            outer = list(items)
            if "transpose" in self.options:
                header = ["", *outer]
                rows = [[k, *[_fmt(items[o].get(k), d) for o in outer]] for k in inner]
            else:
                header = ["", *inner]
                rows = [[o, *[_fmt(items[o].get(k), d) for k in inner]] for o in outer]
            return [_table(header, rows)]
        scalars = {k: v for k, v in items.items() if _is_scalar(v) and (not columns or k in columns)}
        out: list[nodes.Node] = []
        if scalars:
            out.append(_table(["field", "value"], [[k, _fmt(v, d)] for k, v in scalars.items()]))
        for key, value in items.items():
            if key in scalars or _is_scalar(value):
                continue
            out.append(nodes.rubric(text=key))
            out += self.render(value, [], depth + 1)
        return out


class DefaultsTable(SphinxDirective):
    """``defaults-table``: the keyword defaults of the functions named (dotted public paths)."""

    required_arguments = 1
    optional_arguments = 50
    has_content = False

    def run(self) -> list[nodes.Node]:
        import divtools_api

        rows: list[list[nodes.Node]] = []
        for path in self.arguments:
            signature = inspect.signature(divtools_api.resolve(path))
            first = True
            for parameter in signature.parameters.values():
                if parameter.default is inspect.Parameter.empty:
                    continue
                text = repr(parameter.default)
                text = text if len(text) <= 60 else text[:57] + "..."
                if first:
                    ref = addnodes.pending_xref(
                        "", refdomain="py", reftype="func", reftarget=path, refexplicit=False
                    )
                    ref += nodes.literal(text=f"{path}()")
                    name: nodes.Node = nodes.paragraph("", "", ref)
                else:
                    name = nodes.paragraph(text="")
                first = False
                rows.append(
                    [
                        name,
                        nodes.paragraph("", "", nodes.literal(text=parameter.name)),
                        nodes.paragraph("", "", nodes.literal(text=text)),
                    ]
                )
        table = nodes.table(classes=["defaults-table"])
        group = nodes.tgroup(cols=3)
        table += group
        for _ in range(3):
            group += nodes.colspec(colwidth=1)
        head, body = nodes.thead(), nodes.tbody()
        group += head
        group += body
        row = nodes.row()
        for title in ("function", "parameter", "default"):
            entry = nodes.entry()
            entry += nodes.paragraph(text=title)
            row += entry
        head += row
        for cells in rows:
            row = nodes.row()
            for cell in cells:
                entry = nodes.entry()
                entry += cell
                row += entry
            body += row
        return [table]


def setup(app):
    app.add_config_value("bench_results_dir", "", "env")
    app.add_directive("bench-table", BenchTable)
    app.add_directive("defaults-table", DefaultsTable)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
