"""Derived normal forms of the archived texts. The archive is never edited:
these functions compute Simplified script with inserted pinyin and HTML markup removed."""

from __future__ import annotations

import re
from functools import lru_cache

#: Pinyin that the Traditional-script sources insert after a character, e.g.
#: 經(jīng): a parenthesised run of Latin letters with at least one tone mark.
PINYIN = re.compile(r"\((?=[a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ])[a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)")

#: An HTML tag left in an archived page (``<strong>``, ``</p>``, ``<br/>``): a tag name
#: right after ``<`` or ``</``, bounded attributes, no nested angle brackets. A ``<``
#: that does not open a tag (``<5%``) is kept.
TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]{0,15}(?:\s[^<>]{0,200})?/?>")


@lru_cache(maxsize=1)
def _converter():
    from opencc import OpenCC

    return OpenCC("t2s")


def strip_pinyin(text: str) -> str:
    return PINYIN.sub("", text)


def strip_markup(text: str) -> str:
    return TAG.sub("", text)


def to_simplified(text: str) -> str:
    """Simplified script with inserted pinyin and HTML tags removed (mojibake is kept as is)."""
    return _converter().convert(strip_pinyin(strip_markup(text)))

