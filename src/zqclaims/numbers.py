"""Numbers as the articles write them, and the interval rule.

Everything here is exact (``fractions.Fraction``); floats appear only when a
value is written to or compared with a CSV cell.
"""

from __future__ import annotations

import re
from decimal import Decimal, localcontext
from fractions import Fraction

import re2

_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
          "六": 6, "七": 7, "八": 8, "九": 9}
_SMALL = {"十": 10, "百": 100, "千": 1000}
_BIG = {"万": 10_000, "亿": 100_000_000}
_TRAD = str.maketrans({"萬": "万", "億": "亿", "兩": "两"})
# Quotes and texts are untrusted: their patterns run with RE2, in linear time.
CN_RUN = re2.compile(r"[零〇一二两三四五六七八九十百千万亿]+")
ARABIC = re2.compile(r"[0-9\x{ff10}-\x{ff19}]+(?:\.[0-9\x{ff10}-\x{ff19}]+)?")
FRACTION = re2.compile(r"([零〇一二两三四五六七八九十百]{1,12})分之([零〇一二两三四五六七八九十百]{1,12})")
RATIONAL = re.compile(r"^([0-9]+(?:\.[0-9]+)?)(?:/([0-9]+))?$")
_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")
#: The longest Chinese numeral read as a number (一千二百三十四万五千六百七十八亿 has 16 characters).
MAX_CN_RUN = 24
#: The most digits of an Arabic number read as a number.
MAX_DIGITS = 60


def parse_cn(run: str) -> int:
    """Parse a Chinese numeral such as 三, 十四, 二百五十, 千, 万, 一万二千."""
    total, section, digit = 0, 0, None
    for ch in run.translate(_TRAD):
        if ch in _DIGIT:
            digit = _DIGIT[ch]
        elif ch in _SMALL:
            section += (1 if digit is None else digit) * _SMALL[ch]
            digit = None
        elif ch in _BIG:
            section += digit or 0
            if section == 0 and total:  # 万亿: a big unit scaling the one before it
                total *= _BIG[ch]
            else:
                total = (total + (section or 1)) * _BIG[ch]
            section, digit = 0, None
        else:
            raise ValueError(f"not a Chinese numeral: {run!r}")
    return total + section + (digit or 0)


def cell_fraction(text: object) -> Fraction:
    """A number cell (``value_base``, ``lower``, ``multiplier``, ``tolerance``) as an exact
    Fraction, or ValueError. Bounded: at most :data:`MAX_DIGITS` characters and an exponent
    within ±100, so a cell such as ``1e999999999`` is refused instead of built."""
    if not isinstance(text, str) or not text or len(text) > MAX_DIGITS:
        raise ValueError(f"{str(text)[:40]!r} is not a number of at most {MAX_DIGITS} characters")
    try:
        d = Decimal(text) if "/" not in text else None
    except ArithmeticError:
        raise ValueError(f"{text!r} is not a number") from None
    if d is not None and (not d.is_finite() or abs(d.adjusted()) > 100):
        raise ValueError(f"{text!r} is not a finite number between 1e-100 and 1e100")
    return Fraction(d) if d is not None else parse_value(text)


def parse_value(text: str) -> Fraction:
    """Parse a ``value`` cell: a decimal ('24.5') or a ratio ('1/3'), at most
    :data:`MAX_DIGITS` characters."""
    m = RATIONAL.match(text or "") if len(text or "") <= MAX_DIGITS else None
    if not m:
        raise ValueError(f"value {str(text)[:40]!r} is not a decimal such as 24.5 or a ratio such as 1/3 "
                         f"(at most {MAX_DIGITS} characters)")
    num = Fraction(Decimal(m.group(1)))
    return num / int(m.group(2)) if m.group(2) else num


def numbers_in(quote: str) -> set[Fraction]:
    """Every number a quote writes: Arabic figures, Chinese numerals (with and
    without a trailing 万/亿 that belongs to the unit), N分之M and 半."""
    q = quote.translate(_TRAD)
    found: set[Fraction] = {Fraction(Decimal(m.translate(_FULLWIDTH))) for m in ARABIC.findall(q)
                             if len(m) <= MAX_DIGITS}
    for den, num in FRACTION.findall(q):
        if parse_cn(den):
            found.add(Fraction(parse_cn(num), parse_cn(den)))
    for run in CN_RUN.findall(q):
        if len(run) > MAX_CN_RUN:
            continue  # no article writes a numeral this long: not a number
        if all(ch in _BIG for ch in run):  # 万亿元 written without a leading 一
            found.add(Fraction(1))
        stem = run
        while stem:
            try:
                found.add(Fraction(parse_cn(stem)))
            except ValueError:
                pass
            if stem[-1] not in _BIG:
                break
            stem = stem[:-1]
    if "半" in q:
        found.add(Fraction(1, 2))
    return found


def precision(text: str) -> Fraction:
    """One unit of the last written digit of a value cell ('24.5' -> 1/10, '1/3' -> 1/3)."""
    m = RATIONAL.match(text)
    if not m:
        raise ValueError(text)
    decimals = len(m.group(1).partition(".")[2])
    p = Fraction(1, 10 ** decimals)
    return p / int(m.group(2)) if m.group(2) else p


def leading_unit(text: str) -> Fraction:
    """One unit of the last significant digit of an integer: 1200 -> 100, 80 -> 10, 7 -> 1."""
    m = RATIONAL.match(text)
    digits = m.group(1).partition(".")[0] if m else text
    stripped = digits.rstrip("0")
    return Fraction(10 ** (len(digits) - len(stripped))) if stripped else Fraction(1)


#: Relative tolerance for 约 (approx) and 近 (nearly): 10 % of the value, but
#: never less than half a unit of the last written digit.
APPROX = Fraction(1, 10)

QUALIFIERS = ("exact", "approx", "nearly", "more_than", "at_least", "plus", "less_than", "at_most")


def interval(value: str, multiplier: Fraction, unit_base: str, qualifier: str,
             bounded_share: bool) -> tuple[Fraction | None, bool, Fraction | None, bool]:
    """The interval (lower, lower_inclusive, upper, upper_inclusive) a claim allows.

    ``None`` as a bound means unbounded. See docs/methods.md, "The interval rule".
    """
    v = parse_value(value) * multiplier
    half = precision(value) * multiplier / 2
    tol = max(abs(v) * APPROX, half)
    cap = Fraction(100) if bounded_share else None
    floor = Fraction(1) if unit_base == "rank" else Fraction(0)  # ranks start at 1 (全球前三: 1 to 3)
    exact_count = unit_base == "count" and multiplier == 1 and v.denominator == 1 and precision(value) == 1
    if qualifier == "exact":
        return (v, True, v, True) if exact_count else (v - half, True, v + half, True)
    if qualifier == "approx":
        return (max(v - tol, floor), True, v + tol if cap is None else min(v + tol, cap), True)
    if qualifier == "nearly":
        return (max(v - tol, floor), True, v, False)
    if qualifier == "more_than":
        return (v, False, cap, cap is not None)
    if qualifier == "at_least":
        return (v, True, cap, cap is not None)
    if qualifier == "plus":
        return (v, True, v + leading_unit(value) * multiplier, False)
    if qualifier == "less_than":
        return (floor, True, v, False)
    if qualifier == "at_most":
        return (floor, True, v, True)
    raise ValueError(f"unknown qualifier {qualifier!r}")


def fmt_decimal(x: Fraction | None, places: int = 10) -> str:
    """Write a Fraction as a plain decimal string (no exponent), rounded to ``places``."""
    if x is None:
        return ""
    digits = len(str(abs(x.numerator) // x.denominator)) + places + 2
    with localcontext() as ctx:
        ctx.prec = digits
        d = (Decimal(x.numerator) / Decimal(x.denominator)).quantize(Decimal(1).scaleb(-places))
        s = format(d.normalize(), "f")
    return s
