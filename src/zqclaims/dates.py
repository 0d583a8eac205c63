"""Whether an event's date is written in its quote, or derived by a named rule.

An event's ``date`` (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` by its precision)
must trace to the text, like every value. Each part the precision needs is
written in the quote (``2022年``, ``5月``, ``30日``/``30号``, Arabic digits or
Chinese numerals such as 二〇二二年, 五月, 三十日), unless the row names one of
these rules in ``date_rule``:

``publication_year``
    the year is not written (今年, 今年以来, 新年伊始): it is the year of the
    article's ``published`` date, which must be known; month and day, where the
    precision needs them, are still written in the quote.
``context_year``
    the year is written elsewhere in the same article (去年 in a review of 2022,
    a paragraph that opens with the year); month and day as above. The note
    says where.
``same_date_as``
    the quote refers back to another event's day (当天, 同日): ``date_source``
    names that event, and the two dates and precisions are equal.
"""

from __future__ import annotations

import re

RULES = ("publication_year", "context_year", "same_date_as")
DATE = re.compile(r"^([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?$")
NEEDS = {"year": 1, "month": 2, "day": 3}
_WIDE = str.maketrans("０１２３４５６７８９", "0123456789")
_CN_DIGITS = "〇一二三四五六七八九"
_CN_NUMERAL = "〇零一二三四五六七八九十两"


def parts(date: str) -> tuple[int, ...] | None:
    """(year, month, day) as far as the date gives them, or None when it is not a date."""
    m = DATE.match(date or "")
    return tuple(int(g) for g in m.groups() if g is not None) if m else None


def _cn(n: int) -> str:
    """1..31 in Chinese numerals as dates write them: 五, 十, 十二, 二十, 三十一."""
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else "十" if tens == 1 else _CN_DIGITS[tens] + "十"
    return head + (_CN_DIGITS[ones] if ones else "") if n >= 10 else _CN_DIGITS[n]


def _year_forms(year: int) -> list[str]:
    digits = str(year)
    cn = "".join(_CN_DIGITS[int(d)] for d in digits)
    return [digits, cn, cn.replace("〇", "零")]


def _written(text: str, forms: list[str], suffix: str, numeral_before: str) -> bool:
    for form in forms:
        before = numeral_before if not form[0].isdigit() else "0-9"
        lead = "0?" if form.isdigit() and len(form) < 3 else ""
        if re.search(f"(?<![{before}]){lead}{re.escape(form)}[{suffix}]", text):
            return True
    return False


def year_written(text: str, year: int) -> bool:
    return _written(text.translate(_WIDE), _year_forms(year), "年", _CN_NUMERAL)


def missing_in_quote(quote: str, date: tuple[int, ...], rule: str) -> list[str]:
    """The parts of ``date`` the quote should write but does not ('year', 'month', 'day')."""
    text = quote.translate(_WIDE)
    out = []
    if rule == "same_date_as":
        return out
    if not rule and not year_written(text, date[0]):
        out.append("year")
    if len(date) > 1 and not _written(text, [str(date[1]), _cn(date[1])], "月", _CN_NUMERAL):
        out.append("month")
    if len(date) > 2 and not _written(text, [str(date[2]), _cn(date[2])], "日号", _CN_NUMERAL):
        out.append("day")
    return out
