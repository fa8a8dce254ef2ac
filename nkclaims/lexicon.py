"""Word lists and the place gazetteer, loaded once from ``nkclaims/resources``.

The data lives in ``resources/lexicon.json`` (word lists per language),
``resources/dates.json`` (calendar words) and ``resources/gazetteer.tsv``
(places); this module only reads and indexes it. Everything is lowercase
except the organisation names, which are matched as written. Multi-word
entries are space-separated strings (``"bala bantuan"``); compare them with
:func:`word_tokens` of the text, lowercased.

Malay (``ms``) entries extend the Indonesian ones: ``words(section, "ms")``
is the union of both. Module constants such as :data:`TROOP_NOUNS` are the
union over all languages, for callers that do not care about language.

>>> "tentara" in TROOP_NOUNS and "askar" in TROOP_NOUNS
True
>>> find_place("korea utara").canonical
'North Korea'
"""
from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any, Mapping

LANGS: tuple[str, ...] = ("id", "en", "ms")

# A word: letters/digits, joined by inner hyphens, apostrophes or dots
# ("Kim Jong-un", "Sana'a", "KOMPAS.TV"); never starts or ends with punctuation.
# The inner group needs a separator before each repeat, so matching is linear.
WORD_RE = re.compile(r"[^\W_]+(?:['’.\-][^\W_]+)*")


def word_tokens(text: str) -> list[str]:
    """Split ``text`` into words the way the rule tagger does.

    >>> word_tokens("Kim Jong-un, KOMPAS.TV!")
    ['Kim', 'Jong-un', 'KOMPAS.TV']
    """
    return WORD_RE.findall(text)


def check_lang(lang: str) -> str:
    """Return ``lang`` if it is a supported language code, else raise ``ValueError``.

    >>> check_lang("ms")
    'ms'
    """
    if lang not in LANGS:
        raise ValueError(f"unsupported lang {lang!r}: expected one of {', '.join(LANGS)}")
    return lang


@functools.cache
def load_resource(name: str) -> Any:
    """Parse a JSON file from ``nkclaims/resources`` (cached).

    >>> "cues" in load_resource("lexicon.json")
    True
    """
    with resources.files("nkclaims").joinpath("resources", name).open(encoding="utf-8") as f:
        return json.load(f)


def _section(data: Mapping[str, Any], section: str) -> Mapping[str, Any]:
    try:
        return data[section]
    except KeyError:
        raise KeyError(f"no word list {section!r} in the lexicon resources") from None


@functools.cache
def words(section: str, lang: str | None = None, source: str = "lexicon.json") -> frozenset[str]:
    """Entries of one word list, for one language or (``lang=None``) all of them.

    Args:
        section: top-level key in the resource file (``"troop_nouns"``, ``"pronouns"``, ...).
        lang: ``"id"``, ``"en"``, ``"ms"`` or ``None``; ``"ms"`` includes the Indonesian entries.
        source: resource file name (``"lexicon.json"`` or ``"dates.json"``).

    >>> sorted(words("pronouns", "en"))[:2]
    ['he', 'her']
    >>> "para" in words("determiners", "ms")
    True
    """
    entries = _section(load_resource(source), section)
    if lang is not None:
        check_lang(lang)
    if isinstance(entries, list):
        return frozenset(entries)
    langs = LANGS if lang is None else (("id", "ms") if lang == "ms" else (lang,))
    out: set[str] = set(entries.get("all", ()))
    for code in langs:
        out.update(entries.get(code, ()))
    return frozenset(out)


@functools.cache
def cue_lexicon(lang: str) -> Mapping[str, frozenset[str]]:
    """Attribution cues of one language by kind.

    Kinds: ``pre`` (source follows: ``menurut X``), ``post`` (source follows a
    quote or comma: ``..., kata X``), ``verb`` (source precedes: ``X
    mengatakan``), ``passive`` (no source slot: ``dilaporkan``), ``nya`` (the
    cue carries a pronoun: ``katanya``) and ``colon`` (line-initial ``Sumber: X``).
    Malay adds its own cues to the Indonesian ones.

    >>> sorted(cue_lexicon("id"))
    ['colon', 'nya', 'passive', 'post', 'pre', 'verb']
    >>> "according to" in cue_lexicon("en")["pre"]
    True
    """
    check_lang(lang)
    table = _section(load_resource("lexicon.json"), "cues")
    langs = ("id", "ms") if lang == "ms" else (lang,)
    return {kind: frozenset(w for code in langs for w in table[code][kind]) for kind in CUE_KINDS}


@dataclass(frozen=True, slots=True)
class Place:
    """One gazetteer row: a place name as written, its canonical name and kind.

    ``kind`` is ``country``, ``city``, ``region``, ``ru-oblast``, ``ru-place``,
    ``ua-oblast``, ``ua-place`` or ``kr-place``. A ``case_sensitive`` name is
    an ordinary word when lowercased (``Lima``, ``AS``) and matches only as written.
    """

    name: str
    canonical: str
    kind: str
    case_sensitive: bool = False


@functools.cache
def load_gazetteer() -> tuple[Place, ...]:
    """Read ``resources/gazetteer.tsv`` (name, canonical, kind, flags).

    >>> len(load_gazetteer()) > 500
    True
    """
    places = []
    text = resources.files("nkclaims").joinpath("resources", "gazetteer.tsv").read_text(encoding="utf-8")
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) < 3:
            raise ValueError(f"gazetteer.tsv line {n}: expected name, canonical, kind[, flags]; got {line!r}")
        places.append(Place(cols[0], cols[1], cols[2], len(cols) > 3 and "cs" in cols[3].split(",")))
    return tuple(places)


@functools.cache
def _place_index() -> Mapping[str, Place]:
    return {p.name.lower(): p for p in load_gazetteer() if not p.case_sensitive} | {
        p.name: p for p in load_gazetteer() if p.case_sensitive
    }


def find_place(name: str) -> Place | None:
    """Look a place name up in the gazetteer (case-insensitive unless the entry is case-sensitive).

    >>> find_place("Kyiv").canonical, find_place("lima") is None
    ('Kyiv', True)
    """
    index = _place_index()
    return index.get(name) or index.get(name.lower())


def _alt(words) -> str:
    """Regex alternation of phrases, longest first, spaces as bounded blanks."""
    return "|".join(re.escape(w).replace(r"\ ", _S) for w in sorted(words, key=len, reverse=True))


_S = r"[^\S\r\n]{1,3}"  # bounded run of blanks keeps every regex linear


@functools.cache
def date_patterns(lang: str) -> tuple[re.Pattern, re.Pattern, re.Pattern]:
    """Compile the calendar words of ``dates.json`` into three DATE patterns (cached).

    ``main`` (case-insensitive) finds full dates, ``Rabu (23/10/2024)``, ``awal
    November``, ``pekan lalu``, ``beberapa tahun terakhir``, ``last week``;
    ``bare`` finds capitalised weekdays and English ``October 4, 2024``;
    ``prep`` finds a bare month or year after ``sejak``/``in`` (group 1 is the
    date, the preposition stays out). English words are always included: news
    text in any language dates with them. Blanks between words are bounded
    runs, so no pattern backtracks more than a few characters.

    >>> main, bare, prep = date_patterns("id")
    >>> main.search("tiba pada bulan Agustus lalu").group(), prep.search("sejak 2022 ini").group(1)
    ('bulan Agustus lalu', '2022')
    """
    check_lang(lang)

    def w(section: str) -> frozenset[str]:
        return words(section, lang, "dates.json") | words(section, "en", "dates.json")

    months, days = w("months"), w("weekdays")
    amb_m = words("bare_month_ambiguous", None, "dates.json")
    amb_d = words("bare_weekday_ambiguous", None, "dates.json")
    M, W = f"(?:{_alt(months)})(?:\\.(?={_S}\\d))?", f"(?:{_alt(days)})"
    MF = f"(?:{_alt(months - amb_m)})"  # full month names, safe next to "lalu"/"last"
    D, Y = r"(?:[12]\d|3[01]|0?[1-9])(?!\d)", r"(?:1[89]\d\d|2[01]\d\d)(?![\w])(?![.,]\d)"
    NUM = r"\((?:[^\S\r\n]?\d{1,2}/\d{1,2}(?:/\d{2,4})?[^\S\r\n]?)\)"
    TZ = _alt(words("timezones", None, "dates.json"))
    TIME = rf"(?:,?{_S}(?:(?:{_alt(w('clock_words'))}){_S})?\d{{1,2}}[:.]\d{{2}}(?:{_S}(?:{TZ})(?!\w))?)"
    DMY = rf"{D}{_S}{M}(?:,?{_S}{Y})?"
    PER, REL = _alt(w("periods")), _alt(w("relative_after"))
    PART, FEW = _alt(w("month_parts")), _alt(w("few"))
    REL_BEFORE, DAYWORD = _alt(w("relative_before")), _alt(w("day_words"))
    RELDAY, MONTHWORD, YEARWORD = _alt(w("relative_days")), _alt(w("month_words")), _alt(w("year_words"))
    pieces = [
        rf"(?:{DAYWORD}{_S})?{W},?{_S}?{NUM}",
        rf"(?:{RELDAY}){_S}?(?:{NUM}|\({DMY}\))",
        rf"(?:{W},?{_S})?(?:(?:{DAYWORD}){_S})?{DMY}{TIME}?",
        rf"(?:{PART}){_S}(?:(?:{MONTHWORD}){_S})?{MF}(?:{_S}{Y})?",
        rf"(?:{PART}){_S}(?:{PER})(?:{_S}(?:{REL}|{Y}))?",
        rf"(?:{MONTHWORD}){_S}{M}(?:{_S}(?:{REL}|{Y}))?",
        rf"{MF}{_S}(?:{REL})", rf"{M}{_S}{Y}",
        rf"(?:{FEW}|\d{{1,3}}){_S}(?:{PER})s?{_S}(?:{REL})",
        rf"(?:{REL_BEFORE}){_S}(?:{PER}|{W}|{MF})",
        rf"(?:{PER}|{W}){_S}(?:{REL})",
        rf"(?:{DAYWORD}){_S}{W}", rf"(?:{YEARWORD}){_S}{Y}", RELDAY,
    ]
    # the guard up front rejects non-word-starts before any alternative is tried
    main = re.compile(rf"(?<!\w)(?=\w)(?:{'|'.join(pieces)})(?!\w)", re.IGNORECASE)

    def cased(ws) -> str:
        return _alt({x.capitalize() for x in ws} | {x.upper() for x in ws})

    CM, CW = cased(months - amb_m), cased(days - amb_d)
    EN_MD = rf"(?:{cased(days)},?{_S})?(?:{cased(months)}){_S}{D}(?:,?{_S}{Y})?"
    bare = re.compile(rf"(?<!\w)(?=[^\W\d_])(?:{EN_MD}|{CW})(?!\w)")
    prep = re.compile(rf"(?<!\w)(?=[^\W\d_])(?i:{_alt(w('date_preps'))}){_S}({CM}|{Y})(?!\w)")
    return main, bare, prep


CUE_KINDS: tuple[str, ...] = ("pre", "post", "verb", "passive", "nya", "colon")

#: Head nouns of troop counts (``tentara``, ``soldiers``, ``askar``, ``bala bantuan``), all languages.
TROOP_NOUNS: frozenset[str] = words("troop_nouns")
#: Words allowed between a number and its troop noun (``orang``, ``North Korean``).
TROOP_QUALIFIERS: frozenset[str] = words("troop_qualifiers")
#: Cue lexicon by language, then by kind: ``CUES["id"]["verb"]``.
CUES: Mapping[str, Mapping[str, frozenset[str]]] = {code: cue_lexicon(code) for code in LANGS}
#: Pronouns; never a source on their own (``Dia``, ``Mereka``, ``He``).
PRONOUNS: frozenset[str] = words("pronouns")
#: Determiners stripped from source phrases (``para``, ``seorang``, ``tersebut``, ``itu``).
DETERMINERS: frozenset[str] = words("determiners")
#: Generic place heads, never inside a LOC span (``wilayah``, ``kota``, ``region``).
PLACE_HEADS: frozenset[str] = words("place_heads")
#: Words right before a place that make it locative (``di``, ``ke``, ``wilayah``, ``in``).
LOCATIVE_BEFORE: frozenset[str] = words("locative_before")
#: Nouns that head a describing source phrase (``pejabat``, ``juru bicara``, ``officials``).
SPEAKER_NOUNS: frozenset[str] = words("speaker_nouns")
#: Titles and office words in front of a personal name (``presiden``, ``menteri``, ``gubernur``).
TITLES: frozenset[str] = words("titles")
#: Adverbs and auxiliaries around a cue, never part of it (``telah``, ``juga``).
CUE_ADVERBS: frozenset[str] = words("cue_adverbs")
#: News outlets and organisations as written (``KCNA``, ``Yonhap``, ``NATO``, ``Kyiv Independent``).
ORGANISATIONS: frozenset[str] = words("organisations")
#: The gazetteer rows.
GAZETTEER: tuple[Place, ...] = load_gazetteer()
#: Month names and abbreviations, all languages (``oktober``, ``okt``, ``october``).
MONTHS: frozenset[str] = words("months", source="dates.json")
#: Weekday names, all languages (``senin``, ``monday``).
WEEKDAYS: frozenset[str] = words("weekdays", source="dates.json")
#: Troop nouns that also count things (``unit``, ``divisi``): a troop head only before one of
#: :data:`AMBIGUOUS_TROOP_FOLLOWERS`, a function word, a capitalised word or punctuation.
AMBIGUOUS_TROOP_NOUNS: frozenset[str] = frozenset(load_resource("lexicon.json")["troop_noun_ambiguous"]["heads"])
#: Words that confirm an ambiguous troop noun (``lima unit militer``).
AMBIGUOUS_TROOP_FOLLOWERS: frozenset[str] = frozenset(
    load_resource("lexicon.json")["troop_noun_ambiguous"]["followers"]
)
