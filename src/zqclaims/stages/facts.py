"""Stage ``facts``: mentions of one quantity form one fact, and facts are told apart.

- ``claims.fact_id`` and ``resources/facts.csv`` are derived from the
  ``same_fact`` relations (:mod:`zqclaims.facts`); a cell that differs from the
  derivation is reported (``zqclaims fmt`` rewrites both);
- the mentions of one fact agree on subject, indicator, scope, modality, period
  and unit base (their values are compared by the ``same_fact`` relation);
- two different facts never share subject, indicator, scope, modality and
  period: an analyst grouping by those columns would add them up as one figure;
- the part and the whole of a ``subset`` or ``share`` relation differ in those
  columns (a part needs a scope, or a subject of its own);
- a share's ``base_claim_id`` names a figure that is not itself a share, and the
  whole of the share's ``share`` relation when it has one.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

from .. import facts
from ..findings import Finding
from ..package import Package

ID = "facts"
CHECKS = {
    "fact-id": "a claim's fact_id is not the one derived from the same_fact relations",
    "facts-derived": "resources/facts.csv is not the table derived from claims and same_fact relations",
    "fact-dimensions": "two mentions of one fact differ in subject, indicator, scope, modality, period, unit base or base",
    "fact-key-collision": "two different facts share subject, indicator, scope, modality and period",
    "part-whole-key": "the part and the whole of a subset or share relation share subject, indicator, scope, "
                      "modality and period",
    "share-base": "base_claim_id is set on a claim that is not a share (an indicator of kind share), names a share "
                  "or a mention of the claim's own fact, or differs from the whole of the claim's share relation",
}
COLUMNS = {"claims": facts.CLAIM_COLUMNS, "relations": ["relation_id", "relation_type"],
           "relation_members": ["relation_id", "role", "claim_id"]}
HINT_FMT = "fact_id and facts.csv are derived from the same_fact relations: run 'zqclaims fmt'"
#: Roles that are the part and the whole of a part-of-whole relation.
PART_WHOLE = {"subset": ("part", "whole"), "share": ("part", "whole")}


def run(pkg: Package) -> Iterator[Finding]:
    if pkg.lacks(COLUMNS):
        return
    claims = pkg.frame("claims")
    first = facts.first_claims(claims, pkg.frame("relations"), pkg.frame("relation_members"))
    derived = facts.fact_of(first)
    path = pkg.path_of("claims")
    if "fact_id" in claims.columns:
        for line in claims.index[claims["fact_id"] != derived]:
            yield Finding(path, int(line), "fact_id", "fact-id",
                          f"fact_id is {claims.at[line, 'fact_id']!r}; the same_fact relations make it "
                          f"{derived[line]!r}", HINT_FMT)
    claims = facts.with_base_fact(claims, first)
    table = facts.facts_table(claims, first)
    if "facts" in pkg.resources and not pkg.lacks({"facts": facts.COLUMNS}):
        yield from _compare(pkg, table)
    yield from _dimensions(path, claims, first)
    if not pkg.lacks({"indicators": ["indicator_id", "kind"]}):  # else the tables stage reports the column
        yield from _bases(pkg, path, claims, derived)
    yield from _collisions(path, claims, first)
    yield from _part_whole(pkg, path, claims)


def _compare(pkg: Package, want: pd.DataFrame) -> Iterator[Finding]:
    have = pkg.frame("facts")
    path = pkg.path_of("facts")
    first_line = have.reset_index().drop_duplicates("fact_id").set_index("fact_id")["index"]
    extra = have[~have["fact_id"].isin(want.index)]
    for line, fid in zip(extra.index, extra["fact_id"]):
        yield Finding(path, int(line), "fact_id", "facts-derived",
                      f"fact {fid!r} is not a fact of claims.csv", HINT_FMT)
    missing = want.index[~want.index.isin(have["fact_id"])]
    for fid in missing:
        yield Finding(path, None, "fact_id", "facts-derived",
                      f"fact {fid} (claims {want.at[fid, 'claim_ids']}) has no row", HINT_FMT)
    both = want.index[want.index.isin(first_line.index)]
    got = have.loc[first_line[both].to_numpy(), facts.COLUMNS].set_axis(both)
    exp = want.loc[both, facts.COLUMNS]
    differs = got != exp
    for fid in both[differs.any(axis=1).to_numpy()]:
        col = differs.columns[differs.loc[fid].to_numpy()][0]
        yield Finding(path, int(first_line[fid]), col, "facts-derived",
                      f"{col} is {got.at[fid, col]!r}; derived from claims.csv it is {exp.at[fid, col]!r}",
                      HINT_FMT)


def _dimensions(path: str, claims: pd.DataFrame, first: pd.Series) -> Iterator[Finding]:
    """Each mention against its fact's first claim, one column at a time."""
    rep = claims.drop_duplicates("claim_id").set_index("claim_id")
    others = claims[claims["claim_id"] != first]
    lead = first[others.index]
    for col in facts.DIMENSIONS:
        want = lead.map(rep[col])
        for line in others.index[others[col] != want]:
            yield Finding(path, int(line), col, "fact-dimensions",
                          f"{col} is {others.at[line, col]!r} but {lead[line]}, a mention of the same fact, "
                          f"has {want[line]!r}",
                          "mentions of one fact (linked by a same_fact relation) must agree on every dimension: "
                          "correct the row, or remove the relation if they are different quantities")


def _key_frame(claims: pd.DataFrame) -> pd.DataFrame:
    return claims[facts.KEY].astype(str)


def _describe(row: pd.Series) -> str:
    period = f"{row['period_start'] or '…'}–{row['period_end'] or '…'}" if row["period_start"] or row[
        "period_end"] else "no period"
    return (f"subject {row['subject_id']}, indicator {row['indicator_id']}, scope {row['scope'] or '(none)'}, "
            f"modality {row['modality']}, {period}")


def _collisions(path: str, claims: pd.DataFrame, first: pd.Series) -> Iterator[Finding]:
    """Facts grouped by their key: a group of more than one fact is reported on every
    fact after the first, naming the first."""
    reps = claims[claims["claim_id"] == first].drop_duplicates("claim_id")
    keyed = _key_frame(reps).assign(claim_id=reps["claim_id"], rank=facts.id_order(reps["claim_id"]))
    keyed = keyed.sort_values("rank", kind="stable")
    dup = keyed.duplicated(facts.KEY, keep=False)
    if not dup.any():
        return
    clash = keyed[dup]
    lead = clash.groupby(facts.KEY, sort=False)["claim_id"].transform("first")
    for line in clash.index[clash["claim_id"] != lead]:
        yield Finding(path, int(line), "scope", "fact-key-collision",
                      f"{clash.at[line, 'claim_id']} and {lead[line]} are different facts with the same "
                      f"{_describe(clash.loc[line])}",
                      "tell them apart by the dimension the text gives (a scope from resources/scopes.csv, "
                      "a subject or a period); if they are the same quantity, link them with a same_fact relation")


def _part_whole(pkg: Package, path: str, claims: pd.DataFrame) -> Iterator[Finding]:
    rel = pkg.frame("relations")
    mem = pkg.frame("relation_members")
    types = mem["relation_id"].map(rel.drop_duplicates("relation_id").set_index("relation_id")["relation_type"])
    by_id = claims.drop_duplicates("claim_id").set_index("claim_id")
    key = _key_frame(by_id)
    keys = key[facts.KEY[0]].str.cat([key[c] for c in facts.KEY[1:]], sep="\x1f")
    for rtype, (part_role, whole_role) in sorted(PART_WHOLE.items()):
        sel = mem[(types == rtype) & mem["claim_id"].isin(by_id.index)]
        parts = sel[sel["role"] == part_role][["relation_id", "claim_id"]]
        wholes = sel[sel["role"] == whole_role][["relation_id", "claim_id"]]
        pairs = parts.reset_index().merge(wholes, on="relation_id", suffixes=("", "_whole"))
        same = pairs[pairs["claim_id"].map(keys).to_numpy() == pairs["claim_id_whole"].map(keys).to_numpy()]
        for rec in same.itertuples():
            yield Finding(pkg.path_of("relation_members"), int(rec.index), "claim_id", "part-whole-key",
                          f"{rtype} relation {rec.relation_id}: part {rec.claim_id} and whole {rec.claim_id_whole} "
                          f"have the same {_describe(by_id.loc[rec.claim_id])}",
                          "give the part the scope (resources/scopes.csv) or subject that the text restricts it to")


HINT_BASE = ("base_claim_id names the claim whose figure is the share's denominator, only when the text states "
             "that whole and says which it is (docs/data.md); otherwise leave it empty and say why in the note")


def _bases(pkg: Package, path: str, claims: pd.DataFrame, fact: pd.Series) -> Iterator[Finding]:
    """A base only on a share (an indicator of kind share), never a share or a mention of the
    claim's own fact; the whole of a share relation is its share's base."""
    kind = pkg.frame("indicators").drop_duplicates("indicator_id").set_index("indicator_id")["kind"]
    rows = claims.assign(fact=fact.to_numpy(), line=claims.index, share=claims["indicator_id"].map(kind) == "share")
    by_id = rows.drop_duplicates("claim_id").set_index("claim_id")
    has = rows["base_claim_id"] != ""
    for rec in rows[has & ~rows["share"]].itertuples():
        yield Finding(path, int(rec.line), "base_claim_id", "share-base",
                      f"{rec.claim_id} has a base but is not a share (indicator {rec.indicator_id!r} is not of "
                      "kind share)", HINT_BASE)
    named = has & rows["base_claim_id"].isin(by_id.index)
    bad = named & (rows["base_claim_id"].map(by_id["share"]).eq(True) | (rows["base_fact_id"] == rows["fact"]))
    for rec in rows[bad].itertuples():
        yield Finding(path, int(rec.line), "base_claim_id", "share-base",
                      f"{rec.claim_id}'s base {rec.base_claim_id} is a share or a mention of the same fact, not "
                      "the whole it is a share of", HINT_BASE)
    mem = pkg.frame("relation_members")
    rel = pkg.frame("relations").drop_duplicates("relation_id").set_index("relation_id")["relation_type"]
    sel = mem[(mem["relation_id"].map(rel) == "share") & mem["claim_id"].isin(by_id.index)]
    pairs = sel[sel["role"] == "share"][["relation_id", "claim_id"]].merge(
        sel[sel["role"] == "whole"][["relation_id", "claim_id"]], on="relation_id", suffixes=("", "_whole"))
    pairs = pairs.assign(want=pairs["claim_id_whole"].map(by_id["fact"]), got=pairs["claim_id"].map(by_id["base_fact_id"]))
    for rec in pairs[pairs["want"] != pairs["got"]].itertuples():
        yield Finding(path, int(by_id.at[rec.claim_id, "line"]), "base_claim_id", "share-base",
                      f"{rec.claim_id} is the share of relation {rec.relation_id}, whose whole "
                      f"{rec.claim_id_whole} is fact {rec.want}; its base is {rec.got or '(empty)'}",
                      f"set base_claim_id to {rec.claim_id_whole}, the whole of {rec.relation_id}")
