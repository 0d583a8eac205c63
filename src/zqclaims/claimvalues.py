"""Each claim's numbers, computed once per run and shared.

The ``values`` stage checks them against the cells, ``relations`` evaluates
relations on them, and the relation suite reads the evaluation: all three use
the exact Fractions computed here, once per claim (cached on the package).
"""

from __future__ import annotations

from fractions import Fraction

import pandas as pd

from .numbers import cell_fraction, interval, parse_value
from .package import Package

def claim_numbers(pkg: Package) -> pd.DataFrame:
    """One row per claims row (indexed like the claims frame): claim_id, the unit's base
    and multiplier cell (``u_base``, ``u_mult``) and the indicator ``kind``, with exact numbers:
    ``value_f`` (the value), ``mult_f`` (the unit's multiplier), the interval
    (``lo``, ``lo_inc``, ``hi``, ``hi_inc``; ``hi`` None when unbounded).
    ``readable`` is False where value or multiplier cannot be read; ``qualified``
    is False where the qualifier is unknown (no interval)."""
    cache = pkg.__dict__.setdefault("_derived", {})
    if "claim_numbers" not in cache:
        cache["claim_numbers"] = _compute(pkg)
    return cache["claim_numbers"]


def _compute(pkg: Package) -> pd.DataFrame:
    claims = pkg.frame("claims")
    units = pkg.frame("units").drop_duplicates("unit").set_index("unit")  # a duplicate is a table-primary-key
    kinds = dict(zip(pkg.frame("indicators")["indicator_id"], pkg.frame("indicators")["kind"]))
    u_base = claims["unit"].map(units["unit_base"])
    u_mult = claims["unit"].map(units["multiplier"]).astype(object).fillna("")  # an unknown unit: no multiplier
    kind = claims["indicator_id"].map(kinds)
    mults: dict[object, Fraction | None] = {}  # one parse per unit, not per claim
    for m in pd.unique(u_mult):
        try:
            mults[m] = cell_fraction(m)
        except (ValueError, TypeError, ZeroDivisionError):
            mults[m] = None
    rows = []
    for value, qualifier, base, mult_cell, k in zip(claims["value"].to_numpy(), claims["qualifier"].to_numpy(),
                                                    u_base.to_numpy(), u_mult.to_numpy(), kind.to_numpy()):
        mult = mults[mult_cell]
        try:
            v = parse_value(value)
        except (ValueError, TypeError, ZeroDivisionError):
            v = None
        if v is None or mult is None:
            rows.append((None, mult, None, False, None, False, False, False))
            continue
        try:
            lo, lo_inc, hi, hi_inc = interval(value, mult, base, qualifier, k == "share")
        except ValueError:
            rows.append((v, mult, None, False, None, False, True, False))
            continue
        rows.append((v, mult, lo, lo_inc, hi, hi_inc, True, True))
    out = pd.DataFrame(rows, columns=["value_f", "mult_f", "lo", "lo_inc", "hi", "hi_inc", "readable", "qualified"],
                       index=claims.index, dtype=object)
    out.insert(0, "kind", kind.to_numpy())
    out.insert(0, "u_mult", u_mult.to_numpy())
    out.insert(0, "u_base", u_base.to_numpy())
    out.insert(0, "claim_id", claims["claim_id"].to_numpy())
    return out
