"""Stage ``provenance``: every archived text matches the hash recorded for it
in articles.csv and in the descriptor, and its recorded character count."""

from __future__ import annotations

from collections.abc import Iterator

from ..findings import Finding
from .. import limits
from ..findings import CouldNotRun
from ..package import Package, TooLarge, UnsafePath

ID = "provenance"
CHECKS = {
    "provenance-hash": "an archived text's sha256 differs from articles.csv",
    "provenance-descriptor-hash": "articles.csv and the descriptor record different hashes for a text",
    "provenance-char-count": "an archived text's character count differs from articles.csv",
    "provenance-unlisted-text": "an article's text_path is not a text resource in the descriptor, or the reverse",
    "provenance-missing-text": "an article's archived text file does not exist",
}
HINT_EVIDENCE = ("archived texts are evidence and must stay byte-identical to the source; "
                 "restore the file from version control")


def run(pkg: Package) -> Iterator[Finding]:
    if pkg.lacks({"articles": ["text_path", "sha256", "char_count"]}):
        return  # the tables stage reports missing resources and damaged headers
    table = pkg.path_of("articles")
    df = pkg.frame("articles")
    by_path = {pkg.path_of(n): pkg.resources[n] for n in pkg.texts()}
    listed = set(df.get("text_path", []))
    for path in sorted(set(by_path) - listed):
        yield Finding("datapackage.json", None, "resources", "provenance-unlisted-text",
                      f"text resource '{path}' has no row in articles.csv",
                      "add the article to articles.csv or remove the resource")
    measured: dict[str, tuple[str, int]] = {}  # path -> (sha256, characters), each text measured once
    for row, path, sha, char_count in zip(df.index, df["text_path"], df["sha256"], df["char_count"]):
        res = by_path.get(path)
        if res is None:
            yield Finding(table, int(row), "text_path", "provenance-unlisted-text",
                          f"'{path}' is not a text resource in datapackage.json",
                          "add a resource of type 'text' with this path, then run 'zqclaims fmt'")
            continue
        try:
            if path not in measured:  # the digest is shared with the release stage (Package.digest)
                data = pkg.read(path, limits.MAX_TEXT_BYTES)
                measured[path] = (pkg.digest(path, limits.MAX_TEXT_BYTES),
                                  len(data.decode("utf-8", errors="replace")))
        except (UnsafePath, TooLarge):
            continue  # the descriptor and limits stages report these
        except CouldNotRun as exc:
            yield Finding(table, int(row), "text_path", "provenance-missing-text", exc.message,
                          "restore the archived text from the release; texts are evidence")
            continue
        digest, chars = measured[path]
        if digest != sha:
            yield Finding(table, int(row), "sha256", "provenance-hash",
                          f"{path} has sha256 {digest}, articles.csv records {sha}", HINT_EVIDENCE)
        if str(res.get("hash", "")).removeprefix("sha256:") != sha:
            yield Finding(table, int(row), "sha256", "provenance-descriptor-hash",
                          f"datapackage.json records {res.get('hash')} for {path}",
                          "check that the text is intact (compare with the release) before refreshing the descriptor with 'zqclaims fmt'")
        if str(chars) != char_count:
            yield Finding(table, int(row), "char_count", "provenance-char-count",
                          f"{path} has {chars} characters, articles.csv records {char_count}",
                          HINT_EVIDENCE)
