"""Derived normal forms of the archived texts. The archive is never edited:
these functions compute Simplified script with inserted pinyin removed."""

from __future__ import annotations

import re
from functools import lru_cache

#: Pinyin that the Traditional-script sources insert after a character, e.g.
#: 經(jīng): a parenthesised run of Latin letters with at least one tone mark.
PINYIN = re.compile(r"\((?=[a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ])[a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)")


@lru_cache(maxsize=1)
def _converter():
    from opencc import OpenCC

    return OpenCC("t2s")


def strip_pinyin(text: str) -> str:
    return PINYIN.sub("", text)


def to_simplified(text: str) -> str:
    """Simplified script with inserted pinyin removed (mojibake is kept as is)."""
    return _converter().convert(strip_pinyin(text))


@lru_cache(maxsize=1)
def _convertible():
    """A pattern matching any character that starts a key of the conversion's dictionaries:
    a text without one converts to itself (no dictionary entry can match in it)."""
    converter = _converter()
    converter.convert("")  # loads the dictionaries
    starts: set[str] = set()
    for group in converter._dict_chain_data:
        for _max_len, _min_len, mapping in group:
            starts.update(key[0] for key in mapping if key)
    return re.compile("[" + "".join(re.escape(c) for c in sorted(starts)) + "]")


def to_simplified_all(texts: list[str]) -> list[str]:
    """:func:`to_simplified` of each text; the dictionary walk runs only on texts with a
    character that can convert (the others are already Simplified)."""
    convertible = _convertible()
    out = []
    for text in texts:
        stripped = strip_pinyin(text)
        out.append(_converter().convert(stripped) if convertible.search(stripped) else stripped)
    return out
