"""Stage ``values``: each claim's numbers agree with its quote and with each other.

- the number in ``value`` is written in the quote (Arabic digits, Chinese
  numerals, 万/亿 multipliers, N分之M, 成, 半);
- ``value`` x the unit's multiplier (resources/units.csv) = ``value_base``, and
  ``unit_base`` is the unit's base;
- ``lower``/``upper`` and their inclusivity follow the interval rule
  (:func:`zqclaims.numbers.interval`, README "The interval rule").
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction

from ..findings import Finding
from ..numbers import cell_fraction, fmt_decimal, interval, numbers_in, parse_value
from ..package import Package

ID = "values"
CHECKS = {
    "value-not-in-quote": "the claim's value is not a number written in its quote",
    "value-unparseable": "value is not a decimal or ratio, or its unit is not in units.csv",
    "value-base": "value x unit multiplier differs from value_base, or unit_base differs from the unit's",
    "value-interval": "lower/upper or their inclusivity differ from the interval rule",
}
REL_TOL = Fraction(1, 10**9)
COLUMNS = {"claims": ["value", "unit", "quote", "value_base", "unit_base", "qualifier", "indicator_id", "lower",
                      "upper", "lower_inclusive", "upper_inclusive"],
           "units": ["unit", "unit_base", "multiplier"], "indicators": ["indicator_id", "kind"]}


def _close(cell: str, want: Fraction | None) -> bool:
    if want is None:
        return cell == ""
    try:
        got = cell_fraction(cell)
    except (ValueError, ZeroDivisionError):
        return False
    return abs(got - want) <= max(abs(want) * REL_TOL, Fraction(1, 10**9))


def run(pkg: Package) -> Iterator[Finding]:
    if pkg.lacks(COLUMNS):
        return  # the tables stage reports missing resources and damaged headers
    claims, path = pkg.frame("claims"), pkg.path_of("claims")
    units = pkg.frame("units").drop_duplicates("unit").set_index("unit")  # a duplicate is a table-primary-key
    kinds = dict(zip(pkg.frame("indicators")["indicator_id"], pkg.frame("indicators")["kind"]))
    # Set-based join of claims with their units and indicator kinds.
    joined = claims.join(units[["unit_base", "multiplier"]].rename(
        columns={"unit_base": "u_base", "multiplier": "u_mult"}), on="unit")
    joined["kind"] = joined["indicator_id"].map(kinds)
    for row, rec in joined.iterrows():
        row = int(row)
        try:
            value = parse_value(rec["value"])
            mult = cell_fraction(rec["u_mult"])
        except (ValueError, TypeError, ZeroDivisionError):
            yield Finding(path, row, "value", "value-unparseable",
                          f"value {rec['value']!r} with unit {rec['unit']!r} cannot be read",
                          "write value as a decimal (24.5) or ratio (1/3), and use a unit from resources/units.csv")
            continue
        if value not in numbers_in(rec["quote"]):
            yield Finding(path, row, "value", "value-not-in-quote",
                          f"value {rec['value']} is not written in the quote {rec['quote']!r}",
                          "value is the number as stated; correct it or the quote")
        base = value * mult
        if not _close(rec["value_base"], base):
            yield Finding(path, row, "value_base", "value-base",
                          f"{rec['value']} x {rec['u_mult']} ({rec['unit']}) = {fmt_decimal(base)}, "
                          f"not {rec['value_base']}", "value_base is derived: value x the unit's multiplier")
        if rec["unit_base"] != rec["u_base"]:
            yield Finding(path, row, "unit_base", "value-base",
                          f"unit {rec['unit']!r} has base {rec['u_base']!r}, not {rec['unit_base']!r}",
                          "unit_base must match resources/units.csv")
        try:
            lo, lo_inc, hi, hi_inc = interval(rec["value"], mult, rec["u_base"], rec["qualifier"],
                                              rec["kind"] == "share")
        except ValueError:
            continue  # unknown qualifier: the tables stage reports the enum violation
        want = {"lower": (lo, lo_inc), "upper": (hi, hi_inc)}
        for side, (bound, inc) in want.items():
            if not _close(rec[side], bound):
                yield Finding(path, row, side, "value-interval",
                              f"{rec['qualifier']} {rec['value']} {rec['unit']} gives {side} "
                              f"{fmt_decimal(bound) or '(unbounded)'}, not {rec[side] or '(unbounded)'}",
                              "see README 'The interval rule'")
            elif bound is not None and rec[f"{side}_inclusive"] != ("true" if inc else "false"):
                yield Finding(path, row, f"{side}_inclusive", "value-interval",
                              f"{side} bound {fmt_decimal(bound)} should be "
                              f"{'inclusive' if inc else 'exclusive'}", "see README 'The interval rule'")
