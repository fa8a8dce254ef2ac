"""Troop-number phrases in Indonesian, Malay and English: parse one, or find them all.

Both public functions run on one tokeniser and one set of word tables, so a
phrase that :func:`find_quantities` marks in running text is exactly what
:func:`parse_quantity` reads. Values follow the table in ``ANNOTATION.md``:
points, hedged points, open lower/upper bounds, ranges and vague plurals.

Digit groups are read by language *and* shape: Indonesian writes ``2.600`` and
``1,5 juta``; English and Malay write ``2,600`` and ``1.5 million``. When the
language's reading gives a fraction of a person (``2,600`` in Indonesian text),
the other reading is used, since a count of people is a whole number.

``diperkirakan``/``kemungkinan`` (and their Malay/English kin) hedge a number
from outside the phrase: they set ``approx`` but stay out of the span, as the
gold spans do (``kemungkinan lima`` is marked ``lima``).
"""
from __future__ import annotations

import re
from fractions import Fraction
from functools import lru_cache
from typing import NamedTuple

from nkclaims.schema import Quantity

__all__ = ["LANGS", "find_quantities", "parse_quantity"]

LANGS: tuple[str, ...] = ("id", "ms", "en")

# ---------------------------------------------------------------- word tables
_Entry = tuple[str, Fraction]


def _phrases(spec: str) -> list[tuple[str, ...]]:
    """Split ``"a b|c"`` into word tuples ``[("a", "b"), ("c",)]``."""
    return [tuple(p.split()) for p in spec.split("|")]


_EN_UNITS = ("one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
             "fifteen sixteen seventeen eighteen nineteen").split()
_EN_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_ID_UNITS = "satu dua tiga empat lima enam tujuh delapan sembilan".split()
_SCALES = {"ribu|rb|thousand": 1000, "juta|jt|million": 10**6,
           "miliar|milyar|bilion|billion": 10**9}

# Number words as (kind, value); kinds drive the accumulator in _number().
_ATOMS: dict[tuple[str, ...], _Entry] = {}
for _i, _w in enumerate(_ID_UNITS + _EN_UNITS):
    _ATOMS[(_w,)] = ("n", Fraction(_i % 9 + 1 if _i < 9 else _i - 8))
for _i, _w in enumerate(_EN_TENS):
    _ATOMS[(_w,)] = ("n", Fraction(20 + 10 * _i))
    for _j, _u in enumerate(_EN_UNITS[:9]):
        _ATOMS[(f"{_w}-{_u}",)] = ("n", Fraction(21 + 10 * _i + _j))
for _spec, _scale in _SCALES.items():
    for _key in _phrases(_spec):
        _ATOMS[_key] = ("scale", Fraction(_scale))
_ATOMS.update({
    ("lapan",): ("n", Fraction(8)), ("sepuluh",): ("n", Fraction(10)),
    ("sebelas",): ("n", Fraction(11)), ("belas",): ("belas", Fraction(10)),
    ("puluh",): ("puluh", Fraction(10)), ("ratus",): ("hundred", Fraction(100)),
    ("hundred",): ("hundred", Fraction(100)), ("seratus",): ("hundred1", Fraction(100)),
    ("seribu",): ("scale1", Fraction(1000)), ("sejuta",): ("scale1", Fraction(10**6)),
    ("semiliar",): ("scale1", Fraction(10**9)), ("dozen",): ("dozen", Fraction(12)),
    ("setengah",): ("half", Fraction(1, 2)), ("half", "a"): ("half", Fraction(1, 2)),
    ("and", "a", "half"): ("half", Fraction(1, 2)), ("a",): ("a", Fraction(1)),
    ("and",): ("and", Fraction(0)),
})

# Vague plurals as (low, high) before any following multiplier.
_VAGUE: dict[tuple[str, ...], tuple[int, int]] = {}
for _spec, _bounds in {
    "belasan": (11, 19), "puluhan|tens|berpuluh-puluh": (20, 99), "dozens": (24, 99),
    "ratusan|hundreds|beratus-ratus": (200, 999), "ribuan|thousands|beribu-ribu": (2000, 9999),
    "jutaan|millions|berjuta-juta": (2 * 10**6, 10**7 - 1),
}.items():
    _VAGUE.update(dict.fromkeys(_phrases(_spec), _bounds))
_SEVERAL = dict.fromkeys(_phrases("beberapa|several"), "several")
# Multipliers after a vague plural: `puluhan ribu`, `tens of thousands`.
_VSCALE = {k: v for k, (kind, v) in _ATOMS.items() if kind == "scale"}
_VSCALE.update({("thousands",): Fraction(1000), ("millions",): Fraction(10**6),
                ("billions",): Fraction(10**9)})

_QUALIFIERS: dict[tuple[str, ...], str] = {}
for _kind, _spec in {
    "point": "sebanyak|mencapai|seramai|sejumlah|berjumlah|a total of|totalling|totaling",
    "hedge": "sekitar|sekira|kurang lebih|lebih kurang|kira-kira|kira kira|hampir|nyaris|"
             "about|around|nearly|almost|approximately|roughly|some|an estimated|estimated|"
             "close to",
    "lower": "lebih dari|lebih daripada|melebihi|setidaknya|sedikitnya|paling sedikit|"
             "sekurang-kurangnya|minimal|minimum|more than|over|well over|at least|surpassed|"
             "exceeded|in excess of|upwards of",
    "upper": "hingga|sampai|sampai dengan|kurang dari|kurang daripada|maksimal|maksimum|"
             "paling banyak|sebanyak-banyaknya|up to|less than|fewer than|under|no more than|"
             "at most",
    "between": "antara|between",
}.items():
    _QUALIFIERS.update(dict.fromkeys(_phrases(_spec), _kind))
_RANGE_TO = dict.fromkeys(_phrases("-|–|—|hingga|sampai|sampai dengan|s/d|s.d|s.d.|to"), "to")
_RANGE_AND = {**_RANGE_TO, **dict.fromkeys(_phrases("dan|and"), "to")}
# Postposed lower bound: `10.000 lebih`, `10,000 or more`; not comparatives (`lebih banyak`).
_POST = dict.fromkeys(_phrases("lebih|atau lebih|or more"), "lower")
_POST_BLOCK = frozenset(
    "dari daripada banyak sedikit besar kecil tinggi rendah lama cepat dulu".split())
_DETACHED = frozenset(
    "diperkirakan kemungkinan kemungkinannya dianggarkan possibly perhaps".split())
_CURRENCY = frozenset("rp rm idr usd eur $ € £ ¥".split())
_MS_ONLY = frozenset({"lapan"})  # LAPAN is an Indonesian agency, not 8
_SUFFIX = {"k": Fraction(1000), "rb": Fraction(1000), "jt": Fraction(10**6)}
_DECIMAL_MARK = {"id": ",", "ms": ".", "en": "."}
_ZERO, _TEN = Fraction(0), Fraction(10)


class _Table(dict):
    """A phrase table that also lists, per first word, the phrase lengths to try.

    Looking a phrase up by its first word keeps :func:`_match` at one dict
    probe for the tokens that start no phrase, which is nearly all of them.
    """

    def __init__(self, entries: dict) -> None:
        super().__init__(entries)
        lengths: dict[str, set[int]] = {}
        for key in self:
            lengths.setdefault(key[0], set()).add(len(key))
        self.lengths = {w: tuple(sorted(ns, reverse=True)) for w, ns in lengths.items()}


_ATOMS, _VAGUE, _SEVERAL, _VSCALE, _QUALIFIERS, _RANGE_TO, _RANGE_AND, _POST = map(
    _Table, (_ATOMS, _VAGUE, _SEVERAL, _VSCALE, _QUALIFIERS, _RANGE_TO, _RANGE_AND, _POST))
# Only these words (or a digit token) can open a phrase; find_quantities skips the rest.
_STARTERS = frozenset(w for t in (_QUALIFIERS, _VAGUE, _SEVERAL, _ATOMS) for w in t.lengths)
_PHRASE_KINDS = frozenset({"word", "dash"})

# Words that tell the language when the caller does not.
_LANG_WORDS = {
    "id": frozenset("yang dan di dari ke dengan untuk ini itu tentara pasukan prajurit ribu juta "
                    "miliar sekitar sebanyak lebih hingga menurut kata telah akan orang".split()),
    "ms": frozenset("tentera askar seramai bilion kerana iaitu lapan".split()),
    "en": frozenset("the of and to in a is was were said troops soldiers thousand million billion "
                    "about around more than least some".split()),
}

# ------------------------------------------------------------------- tokens
_TOKEN = re.compile(r"""
 (?P<date>(?<![0-9])(?:[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}|[0-9]{1,2}[/.-][0-9]{1,2}[/.-][0-9]{2,4}
          |[0-9]{1,2}:[0-9]{2})(?![0-9]))
|(?P<num>(?<![\w.,$€£¥/])(?<![^\W\d_]-)
          (?:[0-9]{1,3}(?:[ \u00a0\u202f\u2009][0-9]{3})+(?![0-9])|[0-9]+(?:[.,][0-9]+)*)
          (?P<suf>(?i:k|rb|jt))?(?![\w%/]|[.,][0-9]))
|(?P<word>(?i:s[/.]d\.?)(?!\w)|[^\W\d_]+(?:-[^\W\d_]+)*)
|(?P<dash>[-–—])
|(?P<other>[^\w\s\-–—]+|\S)
""", re.VERBOSE)
_SPACES = re.compile(r"[ \u00a0\u202f\u2009]")
_MAX_DIGITS = 15  # longer digit runs are ids or noise, not counts


class _Tok(NamedTuple):
    kind: str  # "num", "word", "dash" or "x" (ends any phrase)
    low: str  # lower-cased surface; digits as written for "num"
    start: int
    end: int
    suffix: str = ""  # multiplier glued to a "num": 10k, 5rb


def _tokens(text: str) -> list[_Tok]:
    """Split ``text`` into tokens with offsets; money, dates and times become ``x``.

    Neighbouring ``x`` tokens merge into one that keeps the last one's text
    (the only part ever read: ``$`` before a number), so a megabyte of
    punctuation costs one token, not a million.
    """
    toks: list[_Tok] = []
    for m in _TOKEN.finditer(text):
        kind, low, suffix = m.lastgroup, m.group(0), ""
        if kind == "num":
            suffix = (m.group("suf") or "").lower()
            low = low[: len(low) - len(suffix)]
            money = bool(toks) and toks[-1].low in _CURRENCY
            if money or (len(low) > _MAX_DIGITS and sum(c.isdigit() for c in low) > _MAX_DIGITS):
                kind = "x"
        elif kind == "other":  # a run of one-character tokens: its last one borders the next
            kind, low = "x", low[-1].lower()
        else:
            kind, low = {"date": "x"}.get(kind, kind), low.lower()
        if kind == "x" and toks and toks[-1].kind == "x":
            toks[-1] = _Tok("x", low, toks[-1].start, m.end(), suffix)
        else:
            toks.append(_Tok(kind, low, m.start(), m.end(), suffix))
    return toks


def _match(table: _Table, toks: list[_Tok], k: int) -> tuple[object, int] | None:
    """Longest phrase of ``table`` starting at ``toks[k]``, as ``(entry, n_tokens)``."""
    if k >= len(toks) or toks[k].kind not in _PHRASE_KINDS:
        return None
    for n in table.lengths.get(toks[k].low, ()):
        span = toks[k : k + n]
        if len(span) == n and all(t.kind in _PHRASE_KINDS for t in span):
            entry = table.get(tuple(t.low for t in span))
            if entry is not None:
                return entry, n
    return None


def _guess_lang(toks: list[_Tok]) -> str | None:
    """Guess id/ms/en from the function and number words present; None on a tie."""
    words = [t.low for t in toks if t.kind == "word"]
    hits = {lang: sum(w in vocab for w in words) for lang, vocab in _LANG_WORDS.items()}
    if hits["id"] + hits["ms"] == hits["en"]:
        return None
    if hits["en"] > hits["id"] + hits["ms"]:
        return "en"
    return "ms" if hits["ms"] else "id"


# ------------------------------------------------------------------ numbers
def _readings(raw: str, lang: str | None) -> list[Fraction]:
    """Possible values of a digit string, the likeliest first (by language, then shape)."""
    s = _SPACES.sub("", raw)
    marks = set(re.findall(r"[.,]", s))
    if not marks:
        return [Fraction(int(s))]
    if len(marks) == 2:  # 1.234,5 or 1,234.5: the last mark is the decimal one
        dec = s[max(s.rfind("."), s.rfind(","))]
        head, _, tail = s.rpartition(dec)
        groups = head.split(({".", ","} - {dec}).pop())
        if dec in head or not (len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])):
            return []
        return [Fraction("".join(groups) + "." + tail)]
    mark = marks.pop()
    parts = s.split(mark)
    out = []
    if len(parts[0]) <= 3 and all(len(p) == 3 for p in parts[1:]):
        out.append(Fraction("".join(parts)))
    if len(parts) == 2:
        out.append(Fraction(parts[0] + "." + parts[1]))
    decimal_first = mark == _DECIMAL_MARK.get(lang or "", "") or len(parts[-1]) != 3
    return out[::-1] if decimal_first else out


# Digit strings repeat (years, round numbers), and a document made of one
# number repeated must not re-parse it each time.
@lru_cache(maxsize=4096)
def _digit_value(raw: str, lang: str | None, mult: Fraction | int) -> Fraction | None:
    """The reading of ``raw`` to use before multiplier ``mult``: whole after it, if any is."""
    readings = _readings(raw, lang)
    if not readings:
        return None
    if mult == 1 and len(readings) == 2:
        # `10,000` in Indonesian text is English-style grouping: no one counts troops to three decimals
        return max(readings)
    return next((r for r in readings if (r * mult).denominator == 1), readings[0])


def _number(
    toks: list[_Tok], j: int, lang: str | None
) -> tuple[int, Fraction, Fraction | None] | None:
    """Read a number (digits or words, with multipliers) at ``toks[j]``.

    Returns ``(end, value, last multiplier)``; the value may be fractional
    (``1,5`` before ``-2 juta``), the caller decides.
    """
    total = hund = small = last = _ZERO
    slot: Fraction | None = None  # words added next must be below this (dua puluh *lima*)
    scale: Fraction | None = None
    prev, good, before_and = "", None, None
    k = j
    if j < len(toks) and toks[j].kind == "num":
        t = toks[j]
        after = _match(_ATOMS, toks, j + 1)
        mult = _SUFFIX.get(t.suffix) or (
            after[0][1] if after and after[0][0] in ("scale", "hundred", "dozen") else 1)
        small = _digit_value(t.low, lang, mult)
        if small is None:
            return None
        prev, slot, k = "dig", _ZERO, j + 1
        if t.suffix:
            total, small, scale, slot, prev = small * mult, _ZERO, mult, mult, "scale"
        good = (k, total if t.suffix else small, scale)
    blocked = ""  # kind of the number word the loop stopped at, if any
    while k < len(toks) and (hit := _match(_ATOMS, toks, k)) is not None:
        (kind, v), n = hit
        blocked = kind
        if ((prev == "a" and kind not in ("hundred", "scale", "dozen"))
                or (prev == "half" and kind != "scale")
                or (prev == "and" and kind not in ("n", "hundred1"))):
            break
        if kind == "n":
            if (slot is not None and v >= slot) or (lang == "id" and toks[k].low in _MS_ONLY):
                break
            small += v
            slot = _TEN if 20 <= v < 100 and v % 10 == 0 else _ZERO
        elif kind in ("belas", "puluh"):
            if prev != "n" or last >= 10 or small != last:
                break
            if kind == "belas":
                small, slot = small + 10, _ZERO
            else:
                small, slot = small * 10, _TEN
        elif kind == "hundred":
            if small == 0 or hund or prev == "half":
                break
            hund, small, slot = small * 100, _ZERO, v
        elif kind == "hundred1":
            if hund or small or (slot is not None and slot <= 100):
                break
            hund, slot = v, v
        elif kind in ("scale", "scale1"):
            if (scale is not None and v >= scale) or (kind == "scale") != bool(hund + small):
                break
            total += (hund + small) * v if kind == "scale" else v
            hund = small = _ZERO
            scale = slot = v
        elif kind == "half":
            if hund or small >= 10 or prev not in ("", "n") or (n == 3 and not small):
                break
            small += v
        elif kind == "a":
            if prev:
                break
            small = v
        elif kind == "and":
            if prev not in ("hundred", "hundred1"):
                break
            before_and = good
        elif kind == "dozen":
            if small == 0 or hund or prev not in ("n", "a", "dig"):
                break
            small, slot = small * v, _ZERO
        prev, last, k, blocked = kind, v, k + n, ""
        if kind not in ("a", "and", "half"):
            good = (k, total + hund + small, scale)
    # `two hundred and three hundred`: the `and` joined two numbers, not one
    if before_and and blocked in ("hundred", "scale"):
        return before_and
    return good


def _vague(toks: list[_Tok], j: int) -> tuple[int, Fraction, Fraction] | None:
    """Read a vague plural (``puluhan ribu``, ``several hundred``) at ``toks[j]``."""
    hit = _match(_VAGUE, toks, j)
    if hit:
        (lo, hi), k = hit[0], j + hit[1]
    else:
        several = _match(_SEVERAL, toks, j)
        mult = several and _match(_ATOMS, toks, j + several[1])
        if not (several and mult and mult[0][0] in ("puluh", "hundred", "scale")):
            return None
        m = mult[0][1]
        lo, hi, k = 2 * m, 10 * m - 1, j + several[1] + mult[1]
    of = int(k < len(toks) and toks[k].low == "of")
    scaled = _match(_VSCALE, toks, k + of)
    if scaled and scaled[0] > hi:
        s = scaled[0]
        lo, hi, k = lo * s, (hi + 1) * s - 1, k + of + scaled[1]
    return k, Fraction(lo), Fraction(hi)


def _core(toks: list[_Tok], j: int, lang: str | None):
    """A vague plural or a number: ``(end, low, high, vague, multiplier)`` or None."""
    vague = _vague(toks, j)
    if vague:
        return (*vague, True, None)
    num = _number(toks, j, lang)
    return num and (num[0], num[1], num[1], False, num[2])


def _phrase(toks: list[_Tok], i: int, lang: str | None):
    """The quantity phrase starting at ``toks[i]``: ``(end, value, low, high, approx)``."""
    qual = _match(_QUALIFIERS, toks, i)
    kind, j = (qual[0], i + qual[1]) if qual else ("", i)
    core = _core(toks, j, lang)
    if not core:
        return None
    end, lo, hi, approx, scale = core
    ranged = False
    conn = _match(_RANGE_AND if kind == "between" else _RANGE_TO, toks, end)
    top = conn and _core(toks, end + conn[1], lang)
    if top:
        end2, lo2, hi2, _, scale2 = top
        if not approx and scale is None and scale2 and lo * scale2 <= hi2:  # 10-12 ribu
            lo = lo * scale2
        if lo < hi2:
            end, hi, approx, ranged = end2, hi2, True, True
    if kind == "between" and not ranged:
        return None
    post = not ranged and kind in ("", "point") and _match(_POST, toks, end)
    if post and not (end + post[1] < len(toks) and toks[end + post[1]].low in _POST_BLOCK):
        kind, end = "lower", end + post[1]
    approx = approx or kind in ("hedge", "lower", "upper") or (
        i > 0 and toks[i - 1].low in _DETACHED)
    low = None if kind == "upper" else lo
    high = None if kind == "lower" else hi
    if any(b is not None and b.denominator != 1 for b in (low, high)):
        return None
    value = low if low is not None else high
    return (end, int(value), None if low is None else int(low),
            None if high is None else int(high), approx)


# --------------------------------------------------------------- public API
def _check(text: object, lang: object) -> str | None:
    """Validate the arguments; return the normalised language code."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    if lang is None:
        return None
    if not isinstance(lang, str) or lang.lower() not in LANGS:
        raise ValueError(f"unsupported lang {lang!r}: expected one of {', '.join(LANGS)} or None")
    return lang.lower()


def find_quantities(text: str, lang: str | None = None) -> list[tuple[int, int, Quantity]]:
    """Find every maximal quantity phrase in running text, left to right.

    A phrase is an optional qualifier, a number or vague plural with its
    multiplier, and an optional range end; the head noun is never included.
    Offsets are half-open on ``text``, so ``text[start:end] == quantity.text``.
    Time and memory grow linearly with ``len(text)``, whatever the text.

    Args:
        text: Any text.
        lang: ``"id"``, ``"ms"``, ``"en"`` or None to guess from the words present.

    Returns:
        ``(start, end, Quantity)`` triples, non-overlapping, in text order.

    Raises:
        TypeError: ``text`` is not a str.
        ValueError: ``lang`` is not a supported code.

    >>> text = "Menurut Budanov, sekitar 11.000 prajurit tiba"
    >>> [(text[s:e], q.value) for s, e, q in find_quantities(text)]
    [('sekitar 11.000', 11000)]
    """
    lang = _check(text, lang)
    toks = _tokens(text)
    lang = lang or _guess_lang(toks)
    found: list[tuple[int, int, Quantity]] = []
    i = 0
    while i < len(toks):
        tok = toks[i]
        if tok.kind != "num" and not (tok.kind in _PHRASE_KINDS and tok.low in _STARTERS):
            i += 1
            continue
        hit = _phrase(toks, i, lang)
        if hit is None:
            i += 1
            continue
        end, value, low, high, approx = hit
        start, stop = toks[i].start, toks[end - 1].end
        found.append((start, stop, Quantity(value, low, high, approx, text[start:stop])))
        i = end
    return found


def parse_quantity(text: str, lang: str | None = None) -> Quantity | None:
    """Parse the (first) quantity phrase in ``text``.

    Args:
        text: A quantity phrase such as ``"lebih dari 600.000"``; extra words
            around it are ignored.
        lang: ``"id"``, ``"ms"``, ``"en"`` or None to guess from the words present.

    Returns:
        The :class:`~nkclaims.schema.Quantity`, or None when there is no count
        (``seorang tentara``, ``a soldier``, text without a number).

    Raises:
        TypeError: ``text`` is not a str.
        ValueError: ``lang`` is not a supported code.

    >>> parse_quantity("10-12 ribu")
    Quantity(value=10000, low=10000, high=12000, approx=True, text='10-12 ribu')
    >>> parse_quantity("more than 2,600", "en")
    Quantity(value=2600, low=2600, high=None, approx=True, text='more than 2,600')
    """
    found = find_quantities(text, lang)
    return found[0][2] if found else None
