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

