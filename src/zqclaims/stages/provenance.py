"""Stage ``provenance``: every archived text matches the hash recorded for it
in articles.csv and in the descriptor, and its recorded character count."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from ..findings import Finding
from ..package import Package, UnsafePath, read_bytes
from . import descriptor

ID = "provenance"
CHECKS = {
    "provenance-hash": "an archived text's sha256 differs from articles.csv",
    "provenance-descriptor-hash": "articles.csv and the descriptor record different hashes for a text",
    "provenance-char-count": "an archived text's character count differs from articles.csv",
    "provenance-unlisted-text": "an article's text_path is not a text resource in the descriptor, or the reverse",
}
HINT_EVIDENCE = ("archived texts are evidence and must stay byte-identical to the source; "
                 "restore the file from version control")


def run(pkg: Package) -> Iterator[Finding]:
    if descriptor.unsafe(pkg) or "articles" not in pkg.resources:
        return
    table = pkg.path_of("articles")
    df = pkg.frame("articles")
    by_path = {pkg.resources[n]["path"]: pkg.resources[n] for n in pkg.texts()}
    listed = set(df.get("text_path", []))
    for path in sorted(set(by_path) - listed):
        yield Finding("datapackage.json", None, "resources", "provenance-unlisted-text",
                      f"text resource '{path}' has no row in articles.csv",
                      "add the article to articles.csv or remove the resource")
    for row, rec in df.iterrows():
        path = rec.get("text_path", "")
        res = by_path.get(path)
        if res is None:
            yield Finding(table, int(row), "text_path", "provenance-unlisted-text",
                          f"'{path}' is not a text resource in datapackage.json",
                          "add a resource of type 'text' with this path, then run 'zqclaims fmt'")
            continue
        try:
            data = read_bytes(pkg.root, path)
        except UnsafePath:
            continue
        digest = hashlib.sha256(data).hexdigest()
        if digest != rec.get("sha256"):
            yield Finding(table, int(row), "sha256", "provenance-hash",
                          f"{path} has sha256 {digest}, articles.csv records {rec.get('sha256')}", HINT_EVIDENCE)
        if res.get("hash", "").removeprefix("sha256:") != rec.get("sha256"):
            yield Finding(table, int(row), "sha256", "provenance-descriptor-hash",
                          f"datapackage.json records {res.get('hash')} for {path}",
                          "if the text is intact, run 'zqclaims fmt' to refresh the descriptor")
        chars = len(data.decode("utf-8", errors="replace"))
        if str(chars) != rec.get("char_count"):
            yield Finding(table, int(row), "char_count", "provenance-char-count",
                          f"{path} has {chars} characters, articles.csv records {rec.get('char_count')}",
                          HINT_EVIDENCE)
