"""Rule tagger: TROOPS, LOC, SRC, CUE and DATE spans by lexicon and pattern.

The deterministic baseline every model must beat, and the weak labeller for
training data, so it prefers precision to recall for SRC and LOC. It follows
``ANNOTATION.md``: a source is found only in an attribution slot next to a
cue (``menurut X``, ``..., kata X``, ``X mengatakan``, ``dikutip X``), a place
is a LOC only in locative use (``di Kursk``, ``wilayah Kursk``), and the
generic heads, titles, determiners and pronouns stay out of the spans.

Every step is a left-to-right scan with bounded look-around, so tagging is
linear in the text length.

>>> text = "Menurut Budanov, sekitar 11.000 prajurit tiba di wilayah Kursk pada Rabu (23/10/2024)."
>>> [(s.label, text[s.start:s.end]) for s in tag(text)]  # doctest: +NORMALIZE_WHITESPACE
[('CUE', 'Menurut'), ('SRC', 'Budanov'), ('TROOPS', 'sekitar 11.000'), ('LOC', 'Kursk'),
 ('DATE', 'Rabu (23/10/2024)')]
"""
from __future__ import annotations

import bisect
import functools
import re

from nkclaims import lexicon as lx
from nkclaims.quantity import find_quantities
from nkclaims.schema import Span

__all__ = ["tag"]

# Overlaps are settled in this order: a number beats a date beats a cue ...
_PRIORITY = {"TROOPS": 0, "DATE": 1, "CUE": 2, "SRC": 3, "LOC": 4}
_PHRASE_MAX = 8  # tokens in one source phrase
_QUOTE_COMMA = set(',”"’\'“—–')
_VERB_PREFIXES = ("me", "ber", "di", "ter", "per")
_SPACES = re.compile(r"[^\S\r\n]*")
_INITIAL_GAP = re.compile(r"\.[^\S\r\n]{1,2}")
_PLACE, _ORG = "PLACE", "ORG"


class _Phrases(dict):
    """Word-tuple phrases (lowercased) mapped to a value, with the longest length."""

    def __init__(self, items) -> None:
        super().__init__((k, v) for k, v in items if k)
        self.maxlen = max(map(len, self), default=0)


def _phrases(words) -> _Phrases:
    return _Phrases((tuple(lx.word_tokens(w.lower())), w) for w in words)


class _Lex:
    """Everything the tagger needs for one language, built once per language."""

    def __init__(self, lang: str) -> None:
        def w(section: str, *also: str) -> frozenset[str]:
            return lx.words(section, lang).union(*(lx.words(section, code) for code in also))

        cues: dict[tuple[str, ...], set[str]] = {}
        for kind, phrases in lx.cue_lexicon(lang).items():
            for p in phrases:
                cues.setdefault(tuple(lx.word_tokens(p.lower())), set()).add(kind)
        self.cues = _Phrases((k, frozenset(v)) for k, v in cues.items())
        places = [(tuple(lx.word_tokens(p.name if p.case_sensitive else p.name.lower())), _PLACE) for p in lx.GAZETTEER]
        # organisations match as written: "Antara" the agency, not "antara" (between)
        self.places = _Phrases(places + [(tuple(lx.word_tokens(o)), _ORG) for o in lx.ORGANISATIONS])
        self.adverbs, self.loc_before = _phrases(w("cue_adverbs")), _phrases(w("locative_before"))
        self.troop, self.qual = _phrases(w("troop_nouns")), _phrases(w("troop_qualifiers", "en"))
        self.lead = _phrases(w("source_lead_strip") | w("determiners"))
        self.negations, self.outlets = _phrases(w("negations")), _phrases(w("outlet_nouns"))
        self.speaker = frozenset(t for p in w("speaker_nouns") for t in p.split())
        self.titles, self.org_words = w("titles", "en"), w("org_words", "en")
        self.heads, self.blockers, self.pronouns = w("place_heads"), w("count_blockers"), w("pronouns")
        self.determiners, self.function, self.connectors = w("determiners"), w("function_words"), w("name_connectors")
        self.joiners, self.labels = w("list_joiners"), w("headline_labels")
        self.dates = lx.date_patterns(lang)


_lex = functools.cache(_Lex)


class _Doc:
    """The text as words, with per-word facts the rules share."""

    def __init__(self, text: str, lex: _Lex) -> None:
        self.text, self.lex = text, lex
        words = list(lx.WORD_RE.finditer(text))
        self.start = [m.start() for m in words]
        self.end = [m.end() for m in words]
        self.word = [m.group() for m in words]
        self.low = [re.sub(r"['’]s$", "", w.lower()) for w in self.word]
        self.cap = [w[:1].isupper() for w in self.word]
        n = len(words)
        # tight[i]: only blanks (no newline, no punctuation) between word i and i+1
        self.tight = [bool(_SPACES.fullmatch(text, self.end[i], self.start[i + 1])) or self._initial(i)
                      for i in range(n - 1)] + [False]
        self.taken: list[tuple[int, int, str] | None] = [None] * n  # DATE/TROOPS/CUE span over the word
        self.unit: dict[int, tuple[int, str]] = {}  # place/org: first word -> (end word, kind)
        self.unit_end: dict[int, int] = {}  # last word -> first word

    def _initial(self, i: int) -> bool:
        """An initial inside a name: "S. Budi Rochadi", "Miranda S. Goeltom"."""
        w = self.word[i]
        return (len(w) == 1 and w.isupper() and self.word[i + 1][:1].isupper()
                and bool(_INITIAL_GAP.fullmatch(self.text, self.end[i], self.start[i + 1])))

    def __len__(self) -> int:
        return len(self.start)

    def match_at(self, table: _Phrases, i: int, key=None) -> int:
        """End (exclusive) of the longest table phrase starting at word ``i``, else ``i``."""
        key = key or self.low
        for size in range(min(table.maxlen, len(self) - i), 0, -1):
            if tuple(key[i : i + size]) in table and all(self.tight[i : i + size - 1]):
                return i + size
        return i

    def match_before(self, table: _Phrases, j: int) -> int:
        """Start of the longest table phrase ending just before word ``j``, else ``j``."""
        for size in range(min(table.maxlen, j), 0, -1):
            if tuple(self.low[j - size : j]) in table and all(self.tight[j - size : j - 1]):
                return j - size
        return j

    def words_in(self, start: int, end: int) -> range:
        return range(bisect.bisect_left(self.start, start), bisect.bisect_left(self.start, end))

    def mark(self, start: int, end: int, label: str) -> None:
        for k in self.words_in(start, end):
            self.taken[k] = (start, end, label)

    def prev_char(self, i: int) -> str:
        stripped = self.text[max(0, self.start[i] - 8) : self.start[i]].rstrip()
        return stripped[-1:] if stripped else "\n"

    def line_start(self, i: int) -> bool:
        s = self.start[i]
        seg = self.text[max(0, s - 200) : s]  # bounded look-back keeps tagging linear
        k = seg.rfind("\n")
        return not seg[k + 1 :].strip() and (k >= 0 or s <= 200)


def _dates(doc: _Doc) -> list[tuple[int, int]]:
    main, bare, prep = doc.lex.dates
    found = [m.span() for m in main.finditer(doc.text)] + [m.span() for m in bare.finditer(doc.text)]
    found += [m.span(1) for m in prep.finditer(doc.text)]
    return _non_overlapping(found)


def _non_overlapping(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans, key=lambda x: (x[0], -x[1])):
        if not out or s >= out[-1][1]:
            out.append((s, e))
    return out


def _troops(doc: _Doc, lang: str) -> list[tuple[int, int]]:
    """Quantity phrases followed by a troop head, maybe with qualifiers between."""
    lex, out = doc.lex, []
    for s, e, _q in find_quantities(doc.text, lang):
        k, b = bisect.bisect_left(doc.start, e), bisect.bisect_left(doc.start, s) - 1
        if b >= 0 and doc.tight[b] and doc.low[b] in lex.blockers:
            continue  # "salah satu tentara": one of the soldiers
        if k >= len(doc) or not _SPACES.fullmatch(doc.text, e, doc.start[k]):
            continue
        for _ in range(3):  # "1.000 orang tentara", "10,000 North Korean troops"
            q = doc.match_at(lex.qual, k)
            if doc.match_at(lex.troop, k) > k or q == k or q >= len(doc) or not doc.tight[q - 1]:
                break
            k = q
        j = doc.match_at(lex.troop, k)
        if j > k and _troop_head_ok(doc, k, j):
            out.append((s, e))
    return out


def _troop_head_ok(doc: _Doc, k: int, j: int) -> bool:
    if j - k > 1 or doc.low[k] not in lx.AMBIGUOUS_TROOP_NOUNS:
        return True
    if j >= len(doc) or not doc.tight[j - 1]:
        return True
    nxt = doc.low[j]
    return doc.cap[j] or nxt in lx.AMBIGUOUS_TROOP_FOLLOWERS or nxt in doc.lex.function or nxt in lx.TROOP_NOUNS


def _cues(doc: _Doc) -> list[tuple[int, int, frozenset[str]]]:
    lex, out, i = doc.lex, [], 0
    while i < len(doc):
        j = doc.match_at(lex.cues, i) if doc.taken[i] is None else i
        kinds = set(lex.cues[tuple(doc.low[i:j])]) if j > i else set()
        if "post" in kinds and doc.prev_char(i) not in _QUOTE_COMMA:
            kinds.discard("post")  # "kata" is a cue only after a quote or comma
        negated = i > 0 and doc.tight[i - 1] and doc.match_before(lex.negations, i) < i
        if kinds & {"verb", "passive"} and negated:
            kinds -= {"verb", "passive"}  # "tidak menyebutkan berapa": nothing is attributed
        after = doc.text[doc.end[j - 1] : doc.end[j - 1] + 4].lstrip(" \t")
        if "colon" in kinds and not (after[:1] == ":" and doc.line_start(i)):
            kinds.discard("colon")  # "Sumber: X" is a byline only at the start of a line
        if not kinds:
            i += 1
            continue
        out.append((i, j, frozenset(kinds)))
        doc.mark(doc.start[i], doc.end[j - 1], "CUE")
        i = j
    return out


def _units(doc: _Doc) -> None:
    """Gazetteer places and organisations, longest first, left to right."""
    lex, i = doc.lex, 0
    while i < len(doc):
        j = max(doc.match_at(lex.places, i), doc.match_at(lex.places, i, doc.word))
        if j > i and all(doc.taken[k] is None for k in range(i, j)):
            key = tuple(doc.word[i:j])
            kind = lex.places.get(key) or lex.places[tuple(doc.low[i:j])]
            doc.unit[i], doc.unit_end[j - 1] = (j, kind), i
            i = j
        else:
            i += 1


def _kind(doc: _Doc, i: int) -> str:
    """Role of word ``i`` inside a source phrase."""
    if i in doc.unit:
        return doc.unit[i][1]
    low, lex = doc.low[i], doc.lex
    if low in lex.connectors:
        return "CONN"
    if low in lex.titles:
        return "TITLE"
    if low in lex.speaker:
        return "SPEAKER"
    if doc.word[i].isupper() and len(doc.word[i]) > 1 and i + 1 < len(doc) and doc.tight[i] and doc.cap[i + 1] \
            and not doc.word[i + 1].isupper():
        return _ORG  # an acronym before a name: "Gubernur BI Aslim Tadjuddin"
    return "NAME" if doc.cap[i] else "LOWER"


def _source_span(doc: _Doc, first: int, last: int) -> tuple[int, int] | None:
    """The source inside words ``first..last``: a trailing personal name or the whole phrase."""
    lex = doc.lex
    while first <= last:  # strip determiners and statement nouns at the edges
        lead = doc.match_at(lex.lead, first)
        if lead > first and lead <= last:
            first = lead
        elif doc.low[last] in lex.determiners:
            last -= 1
        else:
            break
    if first > last or doc.low[first] in lex.pronouns:
        return None
    if not doc.cap[first] and doc.low[first] not in lex.speaker:
        return None  # "pasukan Korea Utara": a modifier, not a speaker
    if last not in doc.unit_end and not doc.cap[last] and doc.match_before(lex.loc_before, last + 1) <= last:
        return None  # "Basra, Irak selatan, ...": a place, not a speaker
    units, k = [], first
    while k <= last:
        end = doc.unit[k][0] if k in doc.unit else k + 1
        units.append((k, end, _kind(doc, k)))
        k = end
    # a personal name follows a place, organisation, title or lowercase word, not an org-name word
    cuts = [n for n, (k, _, kind) in enumerate(units)
            if kind != "NAME" and not (kind == "SPEAKER" and doc.cap[k]) and doc.low[k] not in lex.heads]
    split = cuts[-1] if cuts else -1
    if (0 <= split < len(units) - 1 and (split > 0 or units[split][2] in ("TITLE", "LOWER"))
            and doc.low[units[split + 1][0]] not in lex.org_words):
        first = units[split + 1][0]  # "kepala ... Ukraina Kyrilo Budanov" -> "Kyrilo Budanov"
    elif len(units) > 1 and units[-1][2] == _ORG and (
            units[-2][2] == _PLACE or doc.match_before(lex.outlets, units[-1][0]) < units[-1][0]):
        first = units[-1][0]  # "kantor berita Korea Selatan Yonhap" -> "Yonhap"; "juru bicara NATO" stays
    return doc.start[first], doc.end[last]


def _phrase_word_ok(doc: _Doc, k: int) -> bool:
    lex, low = doc.lex, doc.low[k]
    if doc.taken[k] is not None or low in lex.function:
        return False
    if doc.cap[k] or low in lex.speaker or low in lex.titles or low in lex.determiners:
        return True
    return not (len(low) >= 6 and low.startswith(_VERB_PREFIXES)) and not low.endswith("nya")


def _connector_ok(doc: _Doc, k: int) -> bool:
    return (doc.low[k] in doc.lex.connectors and 0 < k < len(doc) - 1 and doc.cap[k - 1] and doc.cap[k + 1]
            and doc.tight[k - 1] and doc.tight[k])


def _forward(doc: _Doc, k: int) -> tuple[int, int] | None:
    """Source phrase starting at word ``k`` (after ``menurut``, ``kata``, ``dikutip``)."""
    last, seen_cap = None, False
    p = k
    while p < len(doc) and p - k < _PHRASE_MAX:
        if p > k and not doc.tight[p - 1]:
            break
        if p in doc.unit:
            last, seen_cap, p = doc.unit[p][0] - 1, True, doc.unit[p][0]
            continue
        if _connector_ok(doc, p) and last is not None:
            p += 1
            continue
        lex, low = doc.lex, doc.low[p]
        if not _phrase_word_ok(doc, p) or (seen_cap and not doc.cap[p] and low not in lex.determiners
                                           and low not in lex.speaker and low not in lex.titles):
            break  # a plain lowercase word after a name ends the phrase ("Ukraine's military chief" goes on)
        seen_cap |= doc.cap[p]
        last, p = p, p + 1
    if last is None:
        return None
    if _kind(doc, k) in ("TITLE", "SPEAKER", "LOWER") and last + 1 < len(doc):
        return _apposition(doc, last + 1) or _source_span(doc, k, last)
    return _source_span(doc, k, last)


def _apposition(doc: _Doc, k: int) -> tuple[int, int] | None:
    """A name set off by commas after a describing phrase: "kantor berita negara Korut, KCNA, ..."."""
    if doc.text[doc.end[k - 1] : doc.start[k]].strip() != "," or not doc.cap[k]:
        return None
    j = k
    while j < len(doc) and j - k < 4 and doc.cap[j] and doc.taken[j] is None and (j == k or doc.tight[j - 1]):
        j = doc.unit[j][0] if j in doc.unit else j + 1
    ends = doc.text[doc.end[j - 1] : doc.end[j - 1] + 1] in (",", ".", ")", "") or (
        j < len(doc) and doc.tight[j - 1] and doc.low[j] in doc.lex.function)
    if j == k or doc.unit.get(k) == (j, _PLACE) or not ends:
        return None
    return _source_span(doc, k, j - 1)


def _backward(doc: _Doc, i: int) -> tuple[int, int] | None:
    """Source phrase ending before the verb cue at word ``i``, skipping adverbs and dates."""
    lex, text = doc.lex, doc.text
    pos, p, comma, pp_skipped = doc.start[i], i - 1, False, False
    while p >= 0:  # skip adverbs, dates and commas between the source and its verb
        gap = text[doc.end[p] if doc.taken[p] is None else doc.taken[p][1] : pos]
        if gap.strip() == ")" and doc.word[p].isupper() and text[doc.start[p] - 2 : doc.start[p]] == " (":
            pos, p = doc.start[p] - 2, p - 1  # "Badan Intelijen Nasional (NIS) menyebutkan"
            continue
        if "\n" in gap or gap.strip() not in ("", ","):
            return None
        comma |= "," in gap
        if doc.taken[p] is not None and doc.taken[p][2] == "DATE":
            pos = doc.taken[p][0]
            p = bisect.bisect_left(doc.start, pos) - 1
            continue
        q = doc.match_before(lex.adverbs, p + 1)
        if q > p:
            break
        pos, p = doc.start[q], q - 1
    while True:
        last, first = p, None
        while p >= 0 and last - p < _PHRASE_MAX and (p == last or doc.tight[p]):
            if p in doc.unit_end:
                first = p = doc.unit_end[p]
            elif _connector_ok(doc, p) and first is not None:
                pass
            elif _phrase_word_ok(doc, p):
                first = p
            else:
                break
            p -= 1
        if first is None:
            return None
        before = first - 1
        single_place = first in doc.unit and doc.unit[first] == (last + 1, _PLACE)
        if single_place and before >= 0 and doc.tight[before]:
            prep = doc.match_before(lex.loc_before, first)
            if prep < first:  # "perwakilan X di New York pekan lalu menyebut": look past "di New York"
                if pp_skipped or prep == 0 or not doc.tight[prep - 1]:
                    return None
                pp_skipped, p = True, prep - 1
                continue
        if comma and before >= 0 and doc.tight[before]:
            return None  # an apposition needs punctuation on both sides
        return _source_span(doc, first, last)


def _sources(doc: _Doc, cues) -> list[tuple[int, int]]:
    out = []
    for i, j, kinds in cues:
        span = None
        if kinds & {"pre", "colon"}:
            span = _forward(doc, j) if j < len(doc) and "\n" not in doc.text[doc.end[j - 1] : doc.start[j]] else None
        if span is None and "verb" in kinds:
            span = _backward(doc, i)
        if span is None and "post" in kinds and j < len(doc) and doc.tight[j - 1]:
            span = _forward(doc, j)
        if span:
            out.append(span)
    return out


def _headline_sources(doc: _Doc) -> list[tuple[int, int]]:
    """``NATO: ...``, ``..., Putin: “...”``: a capitalised speaker before a headline colon."""
    out, lex, i = [], doc.lex, 0
    while i < len(doc):
        j = i
        while j < len(doc) and j - i < 4 and doc.cap[j] and doc.taken[j] is None and (j == i or doc.tight[j - 1]):
            j += 1
        after = doc.text[doc.end[j - 1] : doc.end[j - 1] + 2] if j > i else ""
        label = " ".join(doc.low[i:j])
        if (j > i and after[:1] == ":" and after[1:2].isspace() and (doc.line_start(i) or doc.prev_char(i) in ":,")
                and label not in lex.labels and doc.low[i] not in lex.labels):
            span = _source_span(doc, i, j - 1)
            if span:
                out.append(span)
        i = max(j, i + 1)
    return out


def _locations(doc: _Doc, blocked: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Places in locative use; a list of places shares the use of any member."""
    lex, text = doc.lex, doc.text
    starts = [s for s, _ in blocked]
    units = []  # [start, end, locative?, country?]
    for i, (j, kind) in sorted(doc.unit.items()):
        s, e = doc.start[i], doc.end[j - 1] - (2 if re.search(r"['’]s$", doc.word[j - 1]) else 0)
        b = bisect.bisect_right(starts, s) - 1
        if kind != _PLACE or (b >= 0 and blocked[b][1] > s):
            continue
        place = lx.find_place(text[s:e])
        prep = doc.match_before(lex.loc_before, i) if i > 0 and doc.tight[i - 1] else i
        if prep < i and doc.taken[prep] is not None:
            prep = i  # the "to" of "according to" is a cue, not a direction
        if 0 < prep < i and doc.tight[prep - 1] and doc.low[prep] in lex.heads and doc.low[prep - 1] in lex.titles:
            prep = i  # "Wali kota Kharkiv": part of a title
        locative = prep < i or (
            doc.line_start(i) and text[s:e].isupper() and e - s > 1
            and text[e : e + 2] in (", ", " (", ",\t"))  # dateline "KURSK, KOMPAS.TV -"
        units.append([s, e, locative, bool(place and place.kind == "country")])
    joined = []
    for a, b in zip(units, units[1:]):
        between = text[a[1] : b[0]]
        words, punct = lx.word_tokens(between.lower()), re.sub(r"[\w\s]", "", between)
        possessive = bool(re.fullmatch(r"['’]s[^\S\r\n]+", between))  # "Russia's Kursk"
        link = possessive or (len(between) <= 12 and "\n" not in between and punct in ("", ",") and len(words) <= 1
                              and all(w in lex.joiners for w in words) and bool(words or punct or (b[3] and not a[3])))
        if link and punct == "," and not words and b[3] and not a[3]:
            a[2] = b[2] = True  # an address: "Bryansk, Rusia"
        joined.append(link)
    for order in (range(len(joined)), reversed(range(len(joined)))):
        for n in order:
            if joined[n] and (units[n][2] or units[n + 1][2]):
                units[n][2] = units[n + 1][2] = True
    return [(u[0], u[1]) for u in units if u[2]]


def tag(text: str, lang: str = "id") -> list[Span]:
    """Tag TROOPS, LOC, SRC, CUE and DATE spans in ``text`` by rule.

    Args:
        text: Any text; offsets refer to it unchanged.
        lang: ``"id"`` (Indonesian), ``"en"`` or ``"ms"``; picks the cue and calendar words.

    Returns:
        Non-overlapping spans sorted by start; ``text[s.start:s.end]`` is the surface.

    Raises:
        TypeError: ``text`` is not a str.
        ValueError: ``lang`` is not supported.

    >>> t = "Rusia mengatakan 3.000 tentara tiba di Kursk pekan lalu."
    >>> [(s.label, t[s.start:s.end]) for s in tag(t)]  # doctest: +NORMALIZE_WHITESPACE
    [('SRC', 'Rusia'), ('CUE', 'mengatakan'), ('TROOPS', '3.000'), ('LOC', 'Kursk'), ('DATE', 'pekan lalu')]
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    doc = _Doc(text, _lex(lx.check_lang(lang)))
    spans = [(s, e, "TROOPS") for s, e in _troops(doc, lang)]
    for s, e, label in spans:
        doc.mark(s, e, label)
    for s, e in _dates(doc):
        if not any(doc.taken[k] for k in doc.words_in(s, e)):
            spans.append((s, e, "DATE"))
            doc.mark(s, e, "DATE")
    cues = _cues(doc)
    spans += [(doc.start[i], doc.end[j - 1], "CUE") for i, j, _ in cues]
    _units(doc)
    sources = _sources(doc, cues) + _headline_sources(doc)
    spans += [(s, e, "SRC") for s, e in sources]
    spans += [(s, e, "LOC") for s, e in _locations(doc, sorted(sources))]
    return _resolve(spans, len(text))


def _resolve(spans: list[tuple[int, int, str]], size: int) -> list[Span]:
    """Keep the highest-priority, then longest, of overlapping spans."""
    used, kept = bytearray(size), []
    for s, e, label in sorted(set(spans), key=lambda x: (_PRIORITY[x[2]], x[0] - x[1], x[0])):
        if s < e and used.find(1, s, e) < 0:
            used[s:e] = b"\x01" * (e - s)
            kept.append(Span(s, e, label))
    return sorted(kept, key=lambda sp: sp.start)
