"""The SQLite database and its Datasette metadata, made with sqlite-utils.

One STRICT table per tabular resource, typed from its Table Schema (integer ->
INTEGER, number -> REAL, boolean -> INTEGER 0/1, date -> TEXT in ISO form,
everything else TEXT; an empty cell is NULL), with the schema's primary and
foreign keys, an index on every foreign-key column, and FTS5 full-text search
(trigram tokens, so that Chinese text is searchable too) on the quotes and the
English statements. The archived texts are in ``article_texts``.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import sqlite_utils

from .dataset import Dataset

SQL_TYPES = {"integer": int, "number": float, "boolean": int}  # sqlite3 stores True/False as 1/0
#: Columns searched by full text, per table (those the table has).
FTS = {
    "claims": ["quote", "quote_zh_hans", "statement_en"],
    "facts": ["statement_en"],
    "events": ["quote", "quote_zh_hans", "statement_en"],
    "exclusions": ["text", "reason"],
    "relations": ["statement_en", "note"],
    "glossary": ["term_zh", "name_en"],
    "article_texts": ["text"],
}
#: The column Datasette shows in place of a foreign key's value.
LABELS = {"entities": "name_en", "indicators": "label_en", "scopes": "label_en", "articles": "title_en",
          "facts": "statement_en"}
TEXTS_TABLE = "article_texts"


def write(path: Path, ds: Dataset) -> None:
    """Write the database to ``path`` (replacing it)."""
    path.unlink(missing_ok=True)
    conn = sqlite3.connect(str(path), isolation_level=None)
    try:
        db = sqlite_utils.Database(conn)
        # Keys are checked once, after every row is in (PRAGMA foreign_key_check below): checked row
        # by row, a table that refers to itself would need its rows in parent-first order.
        for name in _creation_order(ds):
            schema = ds.schemas[name]
            columns = {f["name"]: SQL_TYPES.get(f.get("type", "string"), str) for f in schema.get("fields", [])}
            db[name].create(columns, pk=_pk(schema), foreign_keys=_fks(name, schema), strict=True,
                            not_null=[f["name"] for f in schema["fields"]
                                      if f.get("constraints", {}).get("required")])
        for name in _creation_order(ds):
            db[name].insert_all(_records(ds, name), batch_size=1000)
        _texts(db, ds)
        db.index_foreign_keys()
        for table, cols in FTS.items():
            present = [c for c in cols if c in db[table].columns_dict] if db[table].exists() else []
            if present:
                db[table].enable_fts(present, tokenize="trigram")
        problems = list(db.execute("PRAGMA foreign_key_check").fetchall())
        if problems:
            raise ValueError(f"foreign_key_check found {len(problems)} dangling keys, e.g. {problems[0]}")
        db.execute("PRAGMA optimize")
        db.vacuum()
    finally:
        conn.close()


def _pk(schema: dict):
    pk = schema.get("primaryKey")
    if isinstance(pk, str):
        return pk
    return pk[0] if isinstance(pk, list) and len(pk) == 1 else tuple(pk or ()) or None


def _fks(name: str, schema: dict) -> list[tuple[str, str, str]]:
    out = []
    for fk in schema.get("foreignKeys", []):
        fields, ref = fk["fields"], fk["reference"]
        fields = [fields] if isinstance(fields, str) else fields
        ref_fields = [ref["fields"]] if isinstance(ref["fields"], str) else ref["fields"]
        target = ref.get("resource") or name  # "" is the table itself (Table Schema)
        out.extend((f, target, r) for f, r in zip(fields, ref_fields))
    return out


def _creation_order(ds: Dataset) -> list[str]:
    """Tables ordered so that every table comes after those its foreign keys name."""
    order: list[str] = []
    deps = {n: {t for _, t, _ in _fks(n, ds.schemas[n]) if t != n and t in ds.tables} for n in ds.tables}
    while len(order) < len(deps):
        ready = [n for n in deps if n not in order and deps[n] <= set(order)]
        if not ready:  # a cycle: the rest in descriptor order (foreign keys are checked at the end)
            ready = [n for n in deps if n not in order]
        order.extend(ready)
    return order


def _records(ds: Dataset, table: str):
    """Rows as dicts of typed values (:meth:`Dataset.columns`); dates as ISO text."""
    cols = ds.columns(table)
    kinds = {f["name"]: f.get("type", "string") for f in ds.schemas[table].get("fields", [])}
    for name, kind in kinds.items():
        if kind == "date":
            cols[name] = [None if d is None else d.isoformat() for d in cols[name]]
    names = list(cols)
    return (dict(zip(names, row)) for row in zip(*cols.values()))


def _texts(db: sqlite_utils.Database, ds: Dataset) -> None:
    articles = ds.tables.get("articles")
    if articles is None or not ds.texts:
        return
    paths = dict(zip(articles["article_id"], articles["text_path"]))
    db[TEXTS_TABLE].create({"article_id": str, "text_path": str, "text": str}, pk="article_id",
                           foreign_keys=[("article_id", "articles", "article_id")], strict=True)
    db[TEXTS_TABLE].insert_all({"article_id": a, "text_path": paths.get(a, ""), "text": t}
                               for a, t in sorted(ds.texts.items()))


def metadata(ds: Dataset, db_name: str) -> dict:
    """Datasette's metadata.json: title, licence, source, and every table and column described."""
    tables = {}
    for name, schema in ds.schemas.items():
        columns = {f["name"]: _column_text(f) for f in schema.get("fields", [])}
        entry = {"description": ds.description(name), "columns": columns}
        if name in LABELS and LABELS[name] in columns:
            entry["label_column"] = LABELS[name]
        tables[name] = entry
    if ds.texts:
        tables[TEXTS_TABLE] = {"description": "The archived text of each article, byte for byte as in "
                                              "resources/articles/ (UTF-8); offsets in other tables count "
                                              "characters of this text.",
                               "columns": {"article_id": "The article (articles.article_id).",
                                           "text_path": "Where the text is in the data package.",
                                           "text": "The archived text."}}
    for name in FTS:
        if name in tables:
            tables[name]["description"] += " Full-text search (trigram: at least three characters)."
    sources = ds.descriptor.get("sources") or []
    return {
        "title": ds.title,
        "description": str(ds.descriptor.get("description", "")),
        "license": ds.license["name"],
        "license_url": ds.license["path"],
        "source": "; ".join(str(s.get("title", "")) for s in sources if isinstance(s, dict)),
        "about": f"{ds.name} {ds.version}",
        "databases": {db_name: {"description": f"{ds.title}, version {ds.version}.", "tables": tables}},
    }


def _column_text(field: dict) -> str:
    text = str(field.get("description", "")).strip()
    kind = field.get("type", "string")
    extra = {"boolean": " (stored as 1 for true, 0 for false)", "date": " (ISO date text, YYYY-MM-DD)"}
    return f"{text} [{kind}]{extra.get(kind, '')}".strip()


def write_metadata(path: Path, ds: Dataset, db_name: str) -> None:
    path.write_text(json.dumps(metadata(ds, db_name), ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                    encoding="utf-8")
