"""Facts: the mentions of one quantity, derived from ``same_fact`` relations.

``claims.csv`` has one row per mention; a quantity stated twice (in the lead and
the body, or in two articles) is two rows. The single source of truth for which
mentions are one fact is the ``same_fact`` relations: a fact is a connected set
of claims linked by them (a claim in no such relation is a fact of its own).
From that, code derives

* ``claims.fact_id``: ``F`` followed by the digits of the fact's first claim id
  (ids compared by length, then as text, so ``C9999`` comes before ``C10000``);
* ``resources/facts.csv``: one row per fact with its dimensions, the
  intersection of its mentions' intervals, a representative value and statement
  (those of its first claim), the mention count and the claim and article ids.

Both are written by ``zqclaims fmt`` and recomputed by ``validate``; neither is
typed by hand. Everything here is column operations on frames of strings (the
cells as read), so ``fmt`` and ``validate`` share one implementation.
"""

from __future__ import annotations

from fractions import Fraction

import pandas as pd

from .numbers import cell_fraction

#: Columns that identify a fact: two different facts must not share all of them.
KEY = ["subject_id", "indicator_id", "scope", "modality", "period_start", "period_end"]
#: Columns every mention of one fact must agree on.
DIMENSIONS = [*KEY, "unit_base"]
#: The columns of facts.csv, in order.
COLUMNS = ["fact_id", *DIMENSIONS, "value_base", "lower", "lower_inclusive", "upper", "upper_inclusive",
           "mentions", "claim_ids", "article_ids", "statement_en"]
#: Claims columns the derivation reads.
CLAIM_COLUMNS = ["claim_id", "article_id", "statement_en", *DIMENSIONS, "value_base", "lower",
                 "lower_inclusive", "upper", "upper_inclusive"]


def id_order(ids: pd.Series) -> pd.Series:
    """Rank of each id in (length, text) order: zero-padded ids of any width sort numerically."""
    key = pd.DataFrame({"n": ids.str.len(), "s": ids})
    return key.sort_values(["n", "s"], kind="stable").assign(r=range(len(ids)))["r"].reindex(key.index)


def fact_of(claim_ids: pd.Series) -> pd.Series:
    """The fact id named after a claim id: ``C0093`` -> ``F0093``."""
    return "F" + claim_ids.str.slice(1).where(claim_ids.str.startswith("C"), claim_ids)


def first_claims(claims: pd.DataFrame, relations: pd.DataFrame, members: pd.DataFrame) -> pd.Series:
    """For each claims row, the first claim id of its fact (itself when it is in no
    ``same_fact`` relation). Connected components by label propagation: each round
    is two group-bys, and rounds are bounded by the number of relations."""
    ids = pd.Series(pd.unique(claims["claim_id"]))
    rank = id_order(ids)
    label = pd.Series(rank.to_numpy(), index=ids.to_numpy())
    same = relations.loc[relations["relation_type"] == "same_fact", "relation_id"]
    links = members.loc[members["relation_id"].isin(same) & members["claim_id"].isin(ids),
                        ["relation_id", "claim_id"]].drop_duplicates()
    for _ in range(links["relation_id"].nunique() + 1):
        if links.empty:
            break
        least = links["claim_id"].map(label).groupby(links["relation_id"].to_numpy()).transform("min")
        best = least.groupby(links["claim_id"].to_numpy()).min()
        lower = best[best.to_numpy() < label[best.index].to_numpy()]
        if lower.empty:
            break
        label[lower.index] = lower.to_numpy()
    by_rank = pd.Series(ids.to_numpy(), index=rank.to_numpy())
    return claims["claim_id"].map(pd.Series(by_rank[label.to_numpy()].to_numpy(), index=label.index))


def fact_ids(claims: pd.DataFrame, relations: pd.DataFrame, members: pd.DataFrame) -> pd.Series:
    """The derived ``fact_id`` of each claims row."""
    return fact_of(first_claims(claims, relations, members))


def _bounds(cells: pd.Series) -> pd.Series:
    """Number cells as Fractions, parsed once per distinct cell; None where unreadable."""
    out: dict[str, Fraction | None] = {}
    for cell in pd.unique(cells):
        try:
            out[cell] = cell_fraction(cell)
        except (ValueError, TypeError, ZeroDivisionError, ArithmeticError):
            out[cell] = None
    return cells.map(out)


def facts_table(claims: pd.DataFrame, first: pd.Series) -> pd.DataFrame:
    """One row of strings per fact (indexed by fact_id, columns :data:`COLUMNS`),
    from the claims frame and each row's first claim (:func:`first_claims`)."""
    df = claims[CLAIM_COLUMNS].assign(first=first.to_numpy(), fact_id=fact_of(first).to_numpy())
    df = df[~df["claim_id"].duplicated()]  # a repeated id is a table-primary-key finding
    df["rank"] = id_order(df["claim_id"]).to_numpy()
    df = df.sort_values("rank", kind="stable")
    groups = df.groupby("fact_id", sort=False)
    rep = df[df["claim_id"] == df["first"]].set_index("fact_id")
    out = rep[["first", *DIMENSIONS, "value_base", "statement_en"]].copy()

    lo, hi = _bounds(df["lower"]), _bounds(df["upper"])
    readable = lo.notna() & (hi.notna() | (df["upper"] == ""))
    lo_v = lo.where(readable, Fraction(0))
    hi_v = hi.where(df["upper"] != "", None).where(readable, None)
    # The intersection: the greatest lower bound (inclusive only if every mention at it
    # is), the least upper bound (likewise; empty upper = unbounded).
    lo_max = lo_v.groupby(df["fact_id"]).transform("max")
    at_lo = lo_v == lo_max
    lo_inc = ((df["lower_inclusive"] == "true") | ~at_lo).groupby(df["fact_id"]).all()
    lo_cell = df["lower"][at_lo].groupby(df["fact_id"][at_lo]).first()
    bounded = hi_v.notna()
    hi_min = hi_v[bounded].groupby(df["fact_id"][bounded]).transform("min")
    at_hi = pd.Series(False, index=df.index)
    at_hi[bounded] = hi_v[bounded] == hi_min
    hi_inc = ((df["upper_inclusive"] == "true") | ~at_hi).groupby(df["fact_id"]).all()
    hi_cell = df["upper"][at_hi].groupby(df["fact_id"][at_hi]).first()
    lo_num = lo_v.groupby(df["fact_id"]).max()
    hi_num = hi_v[bounded].groupby(df["fact_id"][bounded]).min().reindex(out.index)
    hi_cell = hi_cell.reindex(out.index).fillna("")
    hi_inc_cell = pd.Series("", index=out.index).where(hi_cell == "", hi_inc.reindex(out.index).map(_flag))
    known = readable.groupby(df["fact_id"]).all().reindex(out.index)
    meets = pd.Series([_meets(a, ai, b, bi) for a, ai, b, bi in
                       zip(lo_num.reindex(out.index), lo_inc.reindex(out.index), hi_num, hi_inc.reindex(out.index))],
                      index=out.index, dtype=bool)
    ok = known & meets  # mentions that do not meet (a violated same_fact) leave the interval empty
    out["lower"] = lo_cell.reindex(out.index).where(ok, "")
    out["lower_inclusive"] = lo_inc.reindex(out.index).map(_flag).where(ok, "")
    out["upper"] = hi_cell.where(ok, "")
    out["upper_inclusive"] = hi_inc_cell.where(ok, "")
    out["mentions"] = groups.size().reindex(out.index).astype(str)
    out["claim_ids"] = groups["claim_id"].agg(" ".join).reindex(out.index)
    arts = df.drop_duplicates(["fact_id", "article_id"]).sort_values(["fact_id", "article_id"])
    out["article_ids"] = arts.groupby("fact_id")["article_id"].agg(" ".join).reindex(out.index)
    out.index.name = "fact_id"
    return out.reset_index()[COLUMNS].set_index("fact_id", drop=False)


def _flag(value: object) -> str:
    return "true" if bool(value) else "false"


def _meets(lo: object, lo_inc: object, hi: object, hi_inc: object) -> bool:
    if hi is None or (isinstance(hi, float) and pd.isna(hi)):
        return True
    return bool(lo < hi or (lo == hi and lo_inc and hi_inc))  # type: ignore[operator]
