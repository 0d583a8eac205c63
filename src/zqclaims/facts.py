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

import numpy as np
import pandas as pd

from .numbers import cell_fraction

#: Columns that identify a fact: two different facts must not share all of them.
KEY = ["subject_id", "indicator_id", "scope", "modality", "period_start", "period_end"]
#: Columns every mention of one fact must agree on (``base_fact_id`` is derived per mention
#: from its ``base_claim_id``: see :func:`with_base_fact`).
DIMENSIONS = [*KEY, "unit_base", "base_fact_id"]
#: The columns of facts.csv, in order.
COLUMNS = ["fact_id", *DIMENSIONS, "value_base", "lower", "lower_inclusive", "upper", "upper_inclusive",
           "mentions", "claim_ids", "article_ids", "statement_en"]
#: Claims columns the derivation reads.
CLAIM_COLUMNS = ["claim_id", "article_id", "statement_en", *KEY, "unit_base", "base_claim_id", "value_base",
                 "lower", "lower_inclusive", "upper", "upper_inclusive"]


#: Ids are sorted as a fixed-width numpy array (C comparisons, about three times faster than
#: sorting Python strings) when that array takes at most this many bytes (4 per character of the
#: longest id, for every id); otherwise as strings, so a hostile long id costs no more memory.
FAST_ID_BYTES = 64 * 1024 * 1024


def id_order(ids: pd.Series) -> pd.Series:
    """Rank of each id in (length, text) order: zero-padded ids of any width sort numerically.
    Equal ids keep their order."""
    lengths = ids.str.len()
    if len(ids) and 4 * int(lengths.max()) * len(ids) <= FAST_ID_BYTES:
        # numpy compares fixed-width strings as if padded with NUL, which for ids of one length
        # (the second key decides only among those) is exactly Python's order
        order = np.lexsort((np.array(ids.to_numpy(dtype=object), dtype="U"), lengths.to_numpy()))
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        return pd.Series(rank, index=ids.index)
    key = pd.DataFrame({"n": lengths, "s": ids})
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
    label = pd.Series(rank.to_numpy(copy=True), index=ids.to_numpy())  # updated below: never a view of rank
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


def _ranks(lower: pd.Series, upper: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Both bound columns as integer ranks in one exact order (each distinct cell parsed to a
    Fraction once, then sorted once), so that group maxima and minima are integer group-bys.
    An unreadable cell is -1; an empty upper is unbounded."""
    values: dict[str, Fraction] = {}
    for cell in pd.unique(pd.concat([lower, upper], ignore_index=True)):
        try:
            values[cell] = cell_fraction(cell)
        except (ValueError, TypeError, ZeroDivisionError, ArithmeticError):
            continue
    order = {cell: i for i, cell in enumerate(sorted(values, key=values.__getitem__))}
    rank = {cell: order[cell] for cell in values}
    # equal numbers written differently ('70', '70.0') share the rank of the first in order
    ordered = sorted(values, key=values.__getitem__)
    for prev, cell in zip(ordered, ordered[1:]):
        if values[cell] == values[prev]:
            rank[cell] = rank[prev]
    return (lower.map(rank).fillna(-1).astype("int64"), upper.map(rank).fillna(-1).astype("int64"))


def _joined(df: pd.DataFrame, column: str, index: pd.Index) -> pd.Series:
    """The column's cells of each fact joined by spaces, in row order; a fact of one row
    takes its cell as it is (only facts of several rows are grouped in Python)."""
    size = df.groupby("fact_id", sort=False)[column].transform("size")
    out = df.loc[size == 1].set_index("fact_id")[column]
    many = df.loc[size > 1]
    if len(many):
        out = pd.concat([out, many.groupby("fact_id", sort=False)[column].agg(" ".join)])
    return out.reindex(index)


def with_base_fact(claims: pd.DataFrame, first: pd.Series) -> pd.DataFrame:
    """The claims frame with ``base_fact_id``: the fact of the claim each row's ``base_claim_id``
    names ('' when empty; the id as written when it names no claim, which the foreign key reports)."""
    firsts = pd.Series(first.to_numpy(), index=claims["claim_id"].to_numpy())
    firsts = firsts[~firsts.index.duplicated()]
    base = claims["base_claim_id"]
    named = base.map(firsts)
    fact = fact_of(named.where(named.notna(), base).astype(str))
    return claims.assign(base_fact_id=fact.where(base != "", "").to_numpy())


def facts_table(claims: pd.DataFrame, first: pd.Series) -> pd.DataFrame:
    """One row of strings per fact (indexed by fact_id, columns :data:`COLUMNS`),
    from the claims frame and each row's first claim (:func:`first_claims`)."""
    if "base_fact_id" not in claims.columns:
        claims = with_base_fact(claims, first)
    df = claims[[*CLAIM_COLUMNS, "base_fact_id"]].assign(first=first.to_numpy(), fact_id=fact_of(first).to_numpy())
    df = df[~df["claim_id"].duplicated()]  # a repeated id is a table-primary-key finding
    df["rank"] = id_order(df["claim_id"]).to_numpy()
    df = df.sort_values("rank", kind="stable")
    rep = df[df["claim_id"] == df["first"]].set_index("fact_id")
    out = rep[["first", *DIMENSIONS, "value_base", "statement_en"]].copy()
    fact = df["fact_id"]

    lo, hi = _ranks(df["lower"], df["upper"])
    unbounded = df["upper"] == ""
    readable = (lo >= 0) & ((hi >= 0) | unbounded)
    # The intersection: the greatest lower bound (inclusive only if every mention at it
    # is), the least upper bound (likewise; an empty upper is unbounded).
    lo_max = lo.groupby(fact).transform("max")
    at_lo = lo == lo_max
    lo_inc = ((df["lower_inclusive"] == "true") | ~at_lo).groupby(fact).all()
    lo_cell = df["lower"][at_lo].groupby(fact[at_lo]).first()
    hi_b = hi.where(~unbounded, pd.NA).astype("Int64")
    hi_min = hi_b.groupby(fact).transform("min")
    at_hi = (hi_b == hi_min).fillna(False).astype(bool)
    hi_inc = ((df["upper_inclusive"] == "true") | ~at_hi).groupby(fact).all().reindex(out.index)
    hi_cell = df["upper"][at_hi].groupby(fact[at_hi]).first().reindex(out.index).fillna("")
    lo_top = lo_max.groupby(fact).first().reindex(out.index)
    hi_top = hi_min.groupby(fact).first().reindex(out.index)
    lo_inc = lo_inc.reindex(out.index)
    meets = (hi_top.isna() | (lo_top < hi_top) | ((lo_top == hi_top) & lo_inc & hi_inc)).fillna(False).astype(bool)
    ok = readable.groupby(fact).all().reindex(out.index) & meets
    # mentions that do not meet (a violated same_fact) or cannot be read leave the interval empty
    out["lower"] = lo_cell.reindex(out.index).where(ok, "")
    out["lower_inclusive"] = lo_inc.map(_flag).where(ok, "")
    out["upper"] = hi_cell.where(ok, "")
    out["upper_inclusive"] = hi_inc.map(_flag).where(ok & (hi_cell != ""), "")
    out["mentions"] = fact.value_counts().reindex(out.index).astype(str)
    out["claim_ids"] = _joined(df, "claim_id", out.index)
    arts = df.drop_duplicates(["fact_id", "article_id"]).sort_values(["fact_id", "article_id"], kind="stable")
    out["article_ids"] = _joined(arts, "article_id", out.index)
    out.index.name = "fact_id"
    return out.reset_index()[COLUMNS].set_index("fact_id", drop=False)


def _flag(value: object) -> str:
    return "true" if bool(value) else "false"
