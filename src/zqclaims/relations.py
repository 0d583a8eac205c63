"""Relations between claims, evaluated with exact interval arithmetic.

A relation (``resources/relations.csv``) has members in roles
(``resources/relation_members.csv``). Evaluation turns every relation into two
intervals:

- ``derived``: what the input claims imply (a part over a whole, a sum of
  components, the prior value behind a growth rate, the count of listed items);
- ``admissible``: what the stated claim allows (its own interval, narrowed by
  the relation's tolerance when one is set).

The relation *holds* when the two intervals meet, and, where the derived
quantity is a count of things, when they meet at a whole number. See docs/methods.md,
"Relations", for the rule of each type.

Bounds are ``fractions.Fraction`` (exact); an unbounded side is ``±math.inf``.
Evaluation is set-based: one grouped pass over all relations of a type, never a
loop over pairs of rows.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pandas as pd

from .claimvalues import claim_numbers
from .numbers import cell_fraction, fmt_decimal
from .package import Package

INF = math.inf
NAN = math.nan
YI = Fraction(10**8)
#: Types that always constrain their claims (they can never be informational).
CONSTRAINTS = {"share", "sum", "subset", "same_fact", "enumeration"}

#: Roles each type needs: role -> (minimum, maximum or None for unlimited).
ROLE_RULES: dict[str, dict[str, tuple[int, int | None]]] = {
    "share": {"part": (1, 1), "whole": (1, 1), "share": (1, 1)},
    "sum": {"component": (2, None), "total": (1, 1)},
    "subset": {"part": (1, None), "whole": (1, 1)},
    "same_fact": {"statement": (2, None)},
    "growth": {"current": (1, 1), "rate": (1, 1), "prior": (0, 1)},
    "implied_total": {"part": (1, 1), "share": (1, 1), "total": (0, 1)},
    "enumeration": {"count": (1, 1), "item": (1, None)},
    "target_vs_actual": {"target": (1, 1), "actual": (1, 1)},
}
#: Roles whose claim must be a percentage; every other claim role of a relation shares one unit.
PERCENT_ROLES = {("share", "share"), ("growth", "rate"), ("implied_total", "share")}
#: The role a relation's tolerance applies to (the figure the others are checked against).
STATED_ROLE = {"share": "share", "sum": "total", "subset": "whole", "growth": "prior",
               "implied_total": "total", "enumeration": "count"}
#: The columns evaluation reads, per resource.
COLUMNS = {
    "relations": ["relation_id", "relation_type", "expected", "tolerance", "items_complete", "statement_en"],
    "relation_members": ["relation_id", "role", "claim_id", "item"],
    "claims": ["claim_id", "value", "unit", "qualifier", "indicator_id"],
    "units": ["unit", "unit_base", "multiplier"],
    "indicators": ["indicator_id", "kind"],
}
#: Verdicts that agree with the record; the others ("newly violated", "no longer
#: violated", "not evaluable") are failures.
AGREEING = ("holds", "violated (as recorded)", "informational")
#: Failures the verdict expectation reports ("not evaluable" has its own expectation).
CONTRADICTING = ("newly violated", "no longer violated")
BOUNDS = ["lo", "lo_inc", "hi", "hi_inc"]


# -- claim intervals --------------------------------------------------------

def claim_intervals(pkg: Package) -> pd.DataFrame:
    """Exact interval of every claim, from the numbers computed once per run
    (:func:`zqclaims.claimvalues.claim_numbers`).

    Indexed by claim_id: lo, lo_inc, hi, hi_inc, point, unit_base. Claims whose
    value cannot be read get missing bounds (the ``values`` stage reports them).
    """
    nums = claim_numbers(pkg)
    nums = nums[~nums["claim_id"].duplicated()]
    ok = (nums["readable"] & nums["qualified"]).to_numpy(dtype=bool)
    hi = nums["hi"].to_numpy()
    unbounded = pd.isna(hi)  # None: no upper bound (rows that are not ok are masked below)
    point = np.full(len(nums), NAN, dtype=object)
    point[ok] = nums["value_f"].to_numpy()[ok] * nums["mult_f"].to_numpy()[ok]  # Fractions, elementwise
    out = pd.DataFrame({
        "lo": np.where(ok, nums["lo"].to_numpy(), NAN),
        "lo_inc": ok & nums["lo_inc"].to_numpy(dtype=bool),
        "hi": np.where(ok, np.where(unbounded, INF, hi), NAN),
        "hi_inc": ok & (unbounded | nums["hi_inc"].to_numpy(dtype=bool)),
        "point": point,
    }, index=nums["claim_id"].to_numpy())
    for col in ("lo", "hi", "point"):
        out[col] = out[col].astype(object)
    out["unit_base"] = nums["u_base"].to_numpy()
    return out


# -- structure --------------------------------------------------------------

def members(pkg: Package) -> pd.DataFrame:
    """relation_members joined with their relation's type and claim intervals."""
    rel = pkg.frame("relations")
    mem = pkg.frame("relation_members").reset_index(names="row")
    mem = mem.merge(rel[["relation_id", "relation_type"]].drop_duplicates("relation_id"), on="relation_id", how="left")
    mem = mem.merge(claim_intervals(pkg), left_on="claim_id", right_index=True, how="left", indicator="_found")
    mem["claim_found"] = mem.pop("_found").eq("both").to_numpy()
    return mem


def structure_problems(pkg: Package, mem: pd.DataFrame | None = None) -> pd.DataFrame:
    """Relations whose members do not fit their type: one row per problem
    (relation_id, field, message), set-based over all relations. ``mem`` is
    :func:`members` (computed when not given)."""
    rel = pkg.frame("relations")[["relation_id", "relation_type"]].drop_duplicates("relation_id")
    mem = members(pkg) if mem is None else mem
    rules = pd.DataFrame([(t, r, lo, hi) for t, roles in ROLE_RULES.items() for r, (lo, hi) in roles.items()],
                         columns=["relation_type", "role", "min", "max"])
    counts = mem.groupby(["relation_id", "role"]).size().rename("n").reset_index()
    # every (relation, role its type needs) with the number of members it has
    need = rel.merge(rules, on="relation_type").merge(counts, on=["relation_id", "role"], how="left")
    need["n"] = need["n"].fillna(0).astype(int)
    few = need[need["n"] < need["min"]]
    many = need[need["max"].notna() & (need["n"] > need["max"].fillna(0))]
    # roles a type does not use
    extra = counts.merge(rel, on="relation_id", how="left").merge(rules, on=["relation_type", "role"], how="left")
    extra = extra[extra["min"].isna()]
    probs = [
        pd.DataFrame({"relation_id": few["relation_id"], "field": "role",
                      "message": few["relation_type"] + " needs at least " + few["min"].astype(str) + " member(s) in role '"
                      + few["role"] + "', has " + few["n"].astype(str)}),
        pd.DataFrame({"relation_id": many["relation_id"], "field": "role",
                      "message": many["relation_type"] + " allows at most " + many["max"].astype(int).astype(str)
                      + " member(s) in role '" + many["role"] + "', has " + many["n"].astype(str)}),
        pd.DataFrame({"relation_id": extra["relation_id"], "field": "role",
                      "message": extra["relation_type"].fillna("(unknown type)") + " has no role '" + extra["role"] + "'"}),
    ]
    return pd.concat(probs, ignore_index=True).sort_values(["relation_id", "message"]).reset_index(drop=True)


def unit_problems(pkg: Package, mem: pd.DataFrame | None = None) -> pd.DataFrame:
    """Relations mixing units: shares and rates must be percentages, and the
    other claims of a relation must share one unit base."""
    mem = members(pkg) if mem is None else mem
    mem = mem[(mem["role"] != "item") & mem["unit_base"].notna()]
    pct = pd.Series([(t, r) in PERCENT_ROLES for t, r in zip(mem["relation_type"], mem["role"])], index=mem.index,
                    dtype=bool)
    not_pct = mem[pct & (mem["unit_base"] != "percent")]
    same = mem[~pct].groupby("relation_id")["unit_base"].agg(lambda s: sorted(set(s)))
    mixed = same[same.map(len) > 1]
    return pd.concat([
        pd.DataFrame({"relation_id": not_pct["relation_id"], "field": "claim_id",
                      "message": "the " + not_pct["role"] + " " + not_pct["claim_id"] + " is in '"
                      + not_pct["unit_base"] + "', not a percentage"}),
        pd.DataFrame({"relation_id": mixed.index, "field": "claim_id",
                      "message": "members are in different units: " + mixed.map(", ".join).astype(str)}),
    ], ignore_index=True).sort_values(["relation_id", "message"]).reset_index(drop=True)


# -- interval arithmetic (element-wise on columns) ---------------------------

def _mul(a, b):
    return a.combine(b, lambda x, y: x * y if x and y else Fraction(0))


def _div(a, b):
    """a / b for non-negative bounds: x / 0 is +inf, x / inf is 0."""
    def div(x, y):
        if y == 0:
            return INF if x else Fraction(0)
        if y == INF:
            return Fraction(0) if x != INF else INF
        return x / y if x != INF else INF
    return a.combine(b, div)


def _one(mem: pd.DataFrame, role: str, index: pd.Index) -> pd.DataFrame:
    """The single member in ``role`` of each relation, aligned on ``index`` (all columns of ``mem``)."""
    sel = mem[mem["role"] == role].drop_duplicates("relation_id").set_index("relation_id")
    return sel.reindex(index)


def _everything(index: pd.Index) -> pd.DataFrame:
    return pd.DataFrame({"lo": -INF, "lo_inc": True, "hi": INF, "hi_inc": True}, index=index)


def _or(stated: pd.DataFrame, fallback: pd.DataFrame) -> pd.DataFrame:
    out = stated[BOUNDS].copy()
    missing = out["lo"].isna()
    out.loc[missing, BOUNDS] = fallback.loc[missing, BOUNDS]
    return out


def _ratio(num: pd.DataFrame, den: pd.DataFrame, scale: int) -> pd.DataFrame:
    """scale * num / den on non-negative intervals."""
    s = pd.Series(Fraction(scale), index=num.index, dtype=object)
    return pd.DataFrame({"lo": _div(_mul(num["lo"], s), den["hi"]), "lo_inc": num["lo_inc"] & den["hi_inc"],
                         "hi": _div(_mul(num["hi"], s), den["lo"]), "hi_inc": num["hi_inc"] & den["lo_inc"]})


def _summed(mem: pd.DataFrame, role: str, index: pd.Index) -> pd.DataFrame:
    sel = mem[mem["role"] == role]
    g = sel.groupby("relation_id")
    out = pd.DataFrame({"lo": g["lo"].agg(lambda s: sum(s, Fraction(0))), "lo_inc": g["lo_inc"].all(),
                        "hi": g["hi"].agg(lambda s: sum(s, Fraction(0))), "hi_inc": g["hi_inc"].all()})
    return out.reindex(index)


def _common(mem: pd.DataFrame, role: str, index: pd.Index) -> pd.DataFrame:
    """Intersection of the intervals in ``role``: the largest lower and smallest upper
    bound, exclusive when any bound at that value is exclusive."""
    sel = mem[mem["role"] == role].copy()
    g = sel.groupby("relation_id")
    lo, hi = g["lo"].max(), g["hi"].min()
    sel["at_lo"], sel["at_hi"] = sel["lo"] == sel["relation_id"].map(lo), sel["hi"] == sel["relation_id"].map(hi)
    lo_inc = (~sel["at_lo"] | sel["lo_inc"].astype(bool)).groupby(sel["relation_id"]).all()
    hi_inc = (~sel["at_hi"] | sel["hi_inc"].astype(bool)).groupby(sel["relation_id"]).all()
    return pd.DataFrame({"lo": lo, "lo_inc": lo_inc, "hi": hi, "hi_inc": hi_inc}).reindex(index)


def _tolerant(stated: pd.DataFrame, tolerance: pd.Series) -> pd.DataFrame:
    """Replace the stated interval by point x [1 - t, 1 + t] where a tolerance is set."""
    out = stated[BOUNDS].copy()
    has = tolerance.notna() & stated["point"].notna()
    if has.any():
        t, p = tolerance[has], stated.loc[has, "point"]
        out.loc[has, "lo"] = [v * (1 - f) for v, f in zip(p, t)]
        out.loc[has, "hi"] = [v * (1 + f) for v, f in zip(p, t)]
        out.loc[has, ["lo_inc", "hi_inc"]] = True
    return out


def _derive(rtype: str, rel: pd.DataFrame, mem: pd.DataFrame,
            stated: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series, str]:
    """(derived, admissible, integer_required, what the derived interval is) for all relations of one type.
    ``stated`` is the member in the type's STATED_ROLE, aligned on ``rel``."""
    idx = rel.index
    mem = mem[mem["relation_id"].isin(idx)]
    stated_b = _tolerant(stated, rel["tolerance_f"])
    no_int = pd.Series(False, index=idx)
    if rtype == "share":
        return _ratio(_one(mem, "part", idx), _one(mem, "whole", idx), 100), stated_b, no_int, "part / whole"
    if rtype == "sum":
        return _summed(mem, "component", idx), stated_b, no_int, "sum of components"
    if rtype == "subset":
        whole = stated_b.copy()
        whole["lo"], whole["lo_inc"] = -INF, True
        return _summed(mem, "part", idx), whole, no_int, "sum of parts (must not exceed the whole)"
    if rtype == "same_fact":
        return _common(mem, "statement", idx), _everything(idx), no_int, "common part of the statements"
    if rtype == "growth":
        cur, rate = _one(mem, "current", idx), _one(mem, "rate", idx)
        factor = pd.DataFrame({"lo": rate["lo"].map(lambda r: 1 + r / 100), "lo_inc": rate["lo_inc"],
                               "hi": rate["hi"].map(lambda r: 1 + r / 100), "hi_inc": rate["hi_inc"]})
        counts = cur["unit_base"] == "count"
        return _ratio(cur, factor, 1), _or(stated_b, _everything(idx)), counts, "implied prior value"
    if rtype == "implied_total":
        part = _one(mem, "part", idx)
        floor = _everything(idx)
        floor["lo"], floor["lo_inc"] = part["lo"], part["lo_inc"]
        counts = part["unit_base"] == "count"
        return _ratio(part, _one(mem, "share", idx), 100), _or(stated_b, floor), counts, "implied total"
    if rtype == "enumeration":
        n = mem[mem["role"] == "item"].groupby("relation_id").size().reindex(idx).fillna(0).astype(int)
        n = n.map(Fraction)
        complete = rel["items_complete"] == "true"
        derived = pd.DataFrame({"lo": n, "lo_inc": True, "hi": n.where(complete, INF), "hi_inc": True})
        return derived, stated_b, no_int, "items listed"
    if rtype == "target_vs_actual":
        return (_ratio(_one(mem, "actual", idx), _one(mem, "target", idx), 100), _everything(idx), no_int,
                "actual / target")
    raise ValueError(rtype)


#: The role whose claim carries the unit of the derived interval.
_FIRST_ROLE = {"sum": "component", "subset": "part", "same_fact": "statement", "growth": "current",
               "implied_total": "part"}


# -- verdicts ---------------------------------------------------------------

def meets(df: pd.DataFrame) -> pd.Series:
    """Whether derived and admissible intervals meet (and at a whole number where
    ``integer`` is set). Columns d_lo, d_lo_inc, d_hi, d_hi_inc, a_lo, ... integer."""
    cols = [df[c].to_numpy() for c in ("d_lo", "d_lo_inc", "d_hi", "d_hi_inc", "a_lo", "a_lo_inc", "a_hi", "a_hi_inc",
                                       "integer")] if len(df) else []
    return pd.Series([_meets(*r) for r in zip(*cols)], index=df.index, dtype=object)


def _meets(d_lo, d_lo_inc, d_hi, d_hi_inc, a_lo, a_lo_inc, a_hi, a_hi_inc, integer) -> bool | None:
    if any(b is None or (isinstance(b, float) and math.isnan(b)) for b in (d_lo, d_hi, a_lo, a_hi)):
        return None
    lo, lo_inc = _pick(d_lo, d_lo_inc, a_lo, a_lo_inc, higher=True)
    hi, hi_inc = _pick(d_hi, d_hi_inc, a_hi, a_hi_inc, higher=False)
    if lo > hi or (lo == hi and not (lo_inc and hi_inc)):
        return False
    if not bool(integer) or hi == INF or lo == -INF:
        return True
    first = math.floor(lo) + 1 if (not lo_inc and lo == math.floor(lo)) else math.ceil(lo)
    return first < hi or (first == hi and bool(hi_inc))


def _pick(a, a_inc, b, b_inc, higher: bool):
    if a == b:
        return a, bool(a_inc) and bool(b_inc)
    return (a, bool(a_inc)) if (a > b) == higher else (b, bool(b_inc))


def verdicts(df: pd.DataFrame, ok: pd.Series | None = None) -> pd.Series:
    """The verdict of each evaluated relation (see :data:`AGREEING`). ``ok`` is
    :func:`meets` of ``df`` when the caller has it already."""
    ok = meets(df) if ok is None else ok
    expected = df["expected"]
    out = pd.Series("not evaluable", index=df.index, dtype=object)
    known = ok.notna()
    okb = ok.where(known, False).astype(bool)
    out[known & (expected == "holds") & okb] = "holds"
    out[known & (expected == "holds") & ~okb] = "newly violated"
    out[known & (expected == "violated") & ~okb] = "violated (as recorded)"
    out[known & (expected == "violated") & okb] = "no longer violated"
    out[known & (expected == "informational")] = "informational"
    return out


def verdict_matches(df: pd.DataFrame) -> pd.Series:
    """False where a verdict contradicts the record (the GX expectation's condition).
    Relations that cannot be evaluated are another expectation's concern."""
    return ~verdicts(df).isin(CONTRADICTING)


def agrees(ev: pd.DataFrame) -> bool:
    """Every verdict agrees with the record (none newly violated, no longer violated or not evaluable)."""
    return bool(ev["verdict"].isin(AGREEING).all())


# -- evaluation -------------------------------------------------------------

def evaluate(pkg: Package, mem: pd.DataFrame | None = None, details: bool = True) -> pd.DataFrame:
    """One row per relation, in relation_id order: the derived and admissible
    intervals, whether a whole number is required, the verdict and a readable
    account of the numbers (``detail``, unless ``details`` is False). ``row`` is the
    relation's line in relations.csv."""
    rel = pkg.frame("relations").reset_index(names="row").drop_duplicates("relation_id").set_index("relation_id")
    rel["tolerance_f"] = rel["tolerance"].map(lambda t: cell_fraction(t) if _is_number(t) else None)
    mem = members(pkg) if mem is None else mem
    parts = []
    for rtype, group in rel.groupby("relation_type", sort=True):
        if rtype not in ROLE_RULES:
            continue
        stated = _one(mem, STATED_ROLE.get(rtype, ""), group.index)
        derived, admissible, integer, what = _derive(rtype, group, mem, stated)
        part = pd.concat([derived[BOUNDS].add_prefix("d_"), admissible[BOUNDS].add_prefix("a_")], axis=1)
        part["integer"] = integer.fillna(False).astype(bool)
        part["derived_as"] = what
        part["unit"] = "percent" if rtype in ("share", "target_vs_actual") else "count" if rtype == "enumeration" \
            else _one(mem, _FIRST_ROLE[rtype], group.index)["unit_base"]
        part["constrained"] = (rtype in CONSTRAINTS) | stated["claim_id"].notna() | part["integer"]
        parts.append(part)
    cols = [f"{p}_{b}" for p in "da" for b in BOUNDS] + ["integer", "derived_as", "unit", "constrained"]
    ev = pd.concat(parts) if parts else pd.DataFrame(columns=cols)
    ev = rel[["row", "relation_type", "expected", "statement_en"]].join(ev, how="left")
    for col in ("integer", "constrained"):
        ev[col] = ev[col].map(lambda v: bool(v) if isinstance(v, (bool, np.bool_)) else False)
    ev["unit"] = ev["unit"].fillna("")
    # Marked informational although it constrains its claims (a column, so that the
    # suite needs no row condition, which GX would evaluate as code).
    ev["informational_but_constrained"] = (ev["expected"] == "informational") & ev["constrained"]
    claim_ids = mem[mem["role"] != "item"].groupby("relation_id")["claim_id"].agg(lambda s: " ".join(s))
    ev["claims"] = claim_ids.reindex(ev.index).fillna("")
    ev["why"] = _why_not_evaluable(mem).reindex(ev.index).fillna("")
    ev = ev.sort_index()
    ev["meets"] = meets(ev)
    ev["verdict"] = verdicts(ev, ev["meets"])
    if details:  # the validator writes them only for the relations it reports (:func:`detail`)
        ev["detail"] = [_detail(r) for r in ev.itertuples()]
    return ev.reset_index()


def _why_not_evaluable(mem: pd.DataFrame) -> pd.Series:
    """relation_id -> why its members give no interval: claims that are missing or unreadable."""
    bad = mem[(mem["role"] != "item") & mem["lo"].isna() & (mem["claim_id"] != "")]
    if bad.empty:
        return pd.Series(dtype=object)
    found = bad["claim_found"] if "claim_found" in bad else pd.Series(True, index=bad.index)
    claim = bad["role"] + " " + bad["claim_id"]
    reason = claim.where(~found, claim + " has a value that cannot be read").where(found, claim + " is not in claims.csv")
    return reason.groupby(bad["relation_id"]).agg("; ".join)


def detail(row: pd.Series) -> str:
    """The readable account of one evaluated relation (a row of :func:`evaluate`)."""
    return _detail(row)


def _is_number(text: str) -> bool:
    try:
        cell_fraction(text)
        return True
    except (ValueError, TypeError, ZeroDivisionError):
        return False


def show(x, unit: str = "") -> str:
    """A bound for people: 4 decimal places; amounts in 亿元 (10^8 yuan)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "?"
    if x in (INF, -INF):
        return "∞" if x > 0 else "-∞"
    return fmt_decimal(Fraction(x) / YI if unit == "CNY" else Fraction(x), 4)


def show_interval(lo, lo_inc, hi, hi_inc, unit: str = "") -> str:
    if lo is None or (isinstance(lo, float) and math.isnan(lo)):
        return "(not evaluable)"
    left = "[" if lo_inc and lo != -INF else "("
    right = "]" if hi_inc and hi != INF else ")"
    suffix = {"CNY": " 亿元", "percent": "%"}.get(unit, f" {unit}" if unit and unit != "count" else "")
    return f"{left}{show(lo, unit)}, {show(hi, unit)}{right}{suffix}"


def _detail(r) -> str:
    if r.d_lo is None or (isinstance(r.d_lo, float) and math.isnan(r.d_lo)):
        why = getattr(r, "why", "") or "a role its type needs has no member (see relation-members)"
        return f"not evaluable: {why} (claims {r.claims})"
    d = show_interval(r.d_lo, r.d_lo_inc, r.d_hi, r.d_hi_inc, r.unit)
    if r.expected == "informational":
        return f"{r.derived_as} {d} (claims {r.claims})"
    if r.a_lo == -INF and r.a_hi == INF:
        need = "must contain a whole number" if r.integer else "must not be empty"
        return f"{r.derived_as} {d} {need} (claims {r.claims})"
    a = show_interval(r.a_lo, r.a_lo_inc, r.a_hi, r.a_hi_inc, r.unit)
    whole = " at a whole number" if r.integer else ""
    return f"{r.derived_as} {d} must meet {a}{whole} (claims {r.claims})"


def as_records(ev: pd.DataFrame) -> list[dict]:
    """JSON-ready records: bounds as numbers (10 decimal places) and as exact fractions
    (``*_exact``, strings), nulls for unbounded sides; ``why`` says why a relation is not evaluable."""
    def bound(x):
        if x is None or (isinstance(x, float) and (math.isnan(x) or math.isinf(x))):
            return None
        text = fmt_decimal(Fraction(x))  # 10 decimal places, then a JSON number
        return int(text) if "." not in text else float(text)

    def exact(x):
        return None if bound(x) is None else str(Fraction(x))
    out = []
    for r in ev.itertuples():
        out.append({
            "relation_id": r.relation_id, "relation_type": r.relation_type, "expected": r.expected,
            "verdict": r.verdict, "claims": r.claims.split(), "derived_as": r.derived_as,
            "derived": _side(r.d_lo, r.d_lo_inc, r.d_hi, r.d_hi_inc, bound, exact),
            "admissible": _side(r.a_lo, r.a_lo_inc, r.a_hi, r.a_hi_inc, bound, exact),
            "unit": r.unit, "whole_number_required": bool(r.integer), "statement_en": r.statement_en,
            "detail": r.detail, "why": r.why,
        })
    return out


def _side(lo, lo_inc, hi, hi_inc, bound, exact) -> dict:
    lower, upper = bound(lo), bound(hi)
    return {"lower": lower, "lower_exact": exact(lo), "lower_inclusive": bool(lo_inc) if lower is not None else None,
            "upper": upper, "upper_exact": exact(hi), "upper_inclusive": bool(hi_inc) if upper is not None else None}
