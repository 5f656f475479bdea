"""Command line: ``python -m divtools compare P Q``.

Prints every divergence of the generator table between two distributions
given as comma-separated numbers, in nats and (for the information
divergences) in bits. ``--counts`` accepts counts or weights and normalises
them. Bad input exits with status 2 and a one-line message.

Example::

    $ python -m divtools compare 0.5,0.3,0.2 0.1,0.6,0.3
"""

from __future__ import annotations

import argparse
import json
import math
import sys

import numpy as np

import divtools


def _parse(text: str, name: str) -> np.ndarray:
    try:
        values = [float(x) for x in text.replace(" ", "").split(",") if x != ""]
    except ValueError:
        raise ValueError(f"{name}: expected comma-separated numbers, got {text!r}") from None
    if not values:
        raise ValueError(f"{name}: no numbers given")
    return np.array(values, dtype=np.float64)


def compare(p: np.ndarray, q: np.ndarray, normalize: bool) -> list[dict]:
    """One row per table entry: name, nats (or plain value), bits, description."""
    rows = []
    for name, gen in divtools.GENERATORS.items():
        value = float(divtools.f_divergence(p, q, name, normalize=normalize))
        bits = value / math.log(2) if gen.logarithmic else None
        rows.append(dict(name=name, value=value, bits=bits, f=gen.formula))
    value = float(divtools.bhattacharyya(p, q, normalize=normalize))
    rows.append(dict(name="bhattacharyya", value=value, bits=value / math.log(2), f="-log sum sqrt(pq)"))
    return rows


def _fmt(x, digits: int) -> str:
    if x is None:
        return "-"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return f"{x:.{digits}g}"


def _table(rows: list[dict], digits: int) -> str:
    head = ("divergence", "nats / value", "bits", "generator f(t)")
    body = [(r["name"], _fmt(r["value"], digits), _fmt(r["bits"], digits), r["f"]) for r in rows]
    widths = [max(len(str(c)) for c in col) for col in zip(head, *body)]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    out = [line.format(*head), line.format(*("-" * w for w in widths))]
    out += [line.format(*r) for r in body]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m divtools",
        description="Exact divergences between discrete distributions.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    cmp_ = sub.add_parser("compare", help="every divergence of the table between P and Q")
    cmp_.add_argument("p", help="comma-separated probabilities of P, e.g. 0.5,0.3,0.2")
    cmp_.add_argument("q", help="comma-separated probabilities of Q")
    cmp_.add_argument(
        "--counts", action="store_true", help="P and Q are counts or weights: divide each by its sum"
    )
    cmp_.add_argument("--digits", type=int, default=10, help="significant digits (default 10)")
    cmp_.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    if not 1 <= args.digits <= 17:
        parser.error(f"--digits: expected an integer from 1 to 17, got {args.digits}")
    try:
        p = _parse(args.p, "P")
        q = _parse(args.q, "Q")
        if p.size != q.size:
            raise ValueError(f"P has {p.size} outcomes and Q has {q.size}")
        rows = compare(p, q, normalize=args.counts)
    except (ValueError, TypeError) as exc:
        msg = str(exc)
        if msg[:3] in ("p: ", "q: "):
            msg = msg[0].upper() + msg[1:]
        msg = msg.replace("pass normalize=True to divide by the sum", "pass --counts to normalise")
        print(f"error: {msg}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        scale = "counts normalised" if args.counts else "probabilities"
        print(f"P = {args.p}   Q = {args.q}   ({scale}; natural log unless bits)")
        print(_table(rows, args.digits))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
