"""Assemble claims from tagged spans: one claim per TROOPS span, linked by a few general rules.

Everything here is a pure function of the text and its spans. Sentences come
from :func:`nkclaims.sentences.split_sentences`; "near" below means a small
number of words in the same sentence.

Numbers. ``value``/``low``/``high``/``approx`` come from
:func:`nkclaims.quantity.parse_quantity` on the span surface. A hedge earlier
in the sentence (``kemungkinan``, ``diperkirakan``, ``estimated``) also makes
the claim approximate: the annotation counts those hedges although they sit
outside the span.

Unit. The troop noun (``nkclaims.lexicon.TROOP_NOUNS``, longest match) right
after the number, past up to three ``TROOP_QUALIFIERS`` (``18 orang tentara``,
``10,000 North Korean soldiers``), else the next word. Punctuation stops the search.

Attribution. Each CUE is linked to a SRC in its sentence by direction, from
its kind in ``nkclaims.lexicon.CUES`` (a cue not listed there is a pronoun cue
when it ends in ``-nya``, a passive when it starts with ``di-``, else a verb):

1. Prepositions and post-quote verbs (``menurut``, ``according to``, ``kata``,
   ``ujar``, ``Sumber:``) take the SRC after them, titles allowed in between.
2. Relay cues (``dikutip``, ``dilansir dari``, ``quoted by``) and other
   passives (``dilaporkan oleh``) take the SRC right after them, or none.
3. Citing cues (``mengutip``, ``citing``) take the SRC after them as the
   inner speaker and the SRC before them as the outer one.
4. Other verbs (``mengatakan``, ``said``, ``melaporkan``) take the nearest SRC
   before them (their subject), skipping one spoken to (``kepada Reuters``);
   right after a closing quote or a comma, the SRC right after comes first
   (``..., said Rutte``).
5. A pronoun cue (``katanya``, ``Menurutnya``, ``Dia mengatakan``,
   ``kata dia``, ``he said``) takes the last named speaker before it that
   is not a mere relay.

A claim takes the links of its own sentence: a citing link first (its
speaker is the innermost), then a speaker link, then a relay link, then a
bare cue, the nearest to the number within each kind; a relay or outer
speaker in the same sentence becomes ``via``. A sentence with no cue at all
inherits an attribution when it plainly continues one: it sits inside a
quotation whose attribution is in another sentence, or it opens on a
reference to the previous number (``Dari jumlah tersebut``, ``Of these``), in
which case it takes the attribution of the last earlier claim.

Places and date. A LOC of the sentence is linked to the number when a
locative word (``nkclaims.lexicon.LOCATIVE_BEFORE``: ``di``, ``ke``, ``wilayah``,
``in``) stands just before it, it is near the number (a few words before it,
more after it) and no CUE stands in between (``kata pejabat di Moskow`` places
the speaker); when it opens the sentence as a dateline (``KURSK, KOMPAS.TV -``);
or when it is coordinated with a linked one (``Kursk dan Bryansk``). Numbers
coordinated in one sentence (``500 di Bogor dan 300 di Depok``) each keep the
places of their own stretch when they have some. The date is the DATE of the
sentence nearest the number.

Every rule looks at most ``_WINDOW`` characters around a number, so a huge
text without sentence ends still takes linear time.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Sequence

from nkclaims.lexicon import (
    CUE_ADVERBS, CUES, LOCATIVE_BEFORE, PRONOUNS, TROOP_NOUNS, TROOP_QUALIFIERS, WORD_RE,
)
from nkclaims.quantity import LANGS, parse_quantity
from nkclaims.schema import Claim, Span
from nkclaims.sentences import split_sentences

__all__ = ["assemble"]

_RELAY_CUE = re.compile(
    r"(?:seperti |sebagaimana |as )?(?:dikutip|dilansir|dipetik|diberitakan)(?: (?:oleh|dari))?"
    r"|(?:as )?(?:quoted|cited|reported) by|via"
)
_CITE_CUE = re.compile(r"mengutip|memetik|citing|quoting")
_ADDRESSEE = frozenset({"kepada", "to"})
_AGENT_WORDS = frozenset({"oleh", "by", "dari", "from"})
_HEDGES = frozenset(
    {"kemungkinan", "diperkirakan", "memperkirakan", "perkiraan", "kira-kira", "dijangka",
     "dianggarkan", "menganggarkan", "anggaran", "estimated", "estimate", "estimates",
     "possibly", "perhaps", "probably"}
)
_CONTINUATION = re.compile(
    r"\W*(?:(?:namun|tetapi|dan|but|and)\W+)?"
    r"(?:(?:sebagian|sebahagian|kebanyakan|separuh|most|many|some|half)(?:\s+besar)?\s+)?"
    r"(?:(?:dari|daripada|di\s+antara|antara|of|among)\s+(?:jumlah|angka|mereka|these|those|them"
    r"|that\s+number|this\s+number|the\s+total)|jumlah\s+(?:tersebut|itu))\b",
    re.IGNORECASE,
)
_COORDINATORS = frozenset({"dan", "serta", "sementara", "sedangkan", "manakala", "and", "while", "whereas"})
_DATELINE_TAIL = re.compile(r"[^\n]{0,40}?\s[-–—]\s")
_QUOTE = re.compile(r"[“”\"]")
# A "quotation" longer than this is a quote mark left unpaired, not a quotation.
_MAX_QUOTE = 1500
_COORD = re.compile(r"\s*(?:,\s*(?:(?:dan|serta|atau|and|or)\s+)?|\s(?:dan|serta|atau|and|or)\s+)")
# Every rule looks at most this many chars around a number, so run-on "sentences" stay linear.
_WINDOW = 600
_MAX_AFTER_GAP, _MAX_BEFORE_GAP, _MAX_LOC_GAP, _MAX_LOC_BEFORE, _MAX_QUALIFIERS = 6, 8, 12, 6, 3


@dataclass(frozen=True)
class _Link:
    cue: int
    src: int | None
    kind: str  # "speak", "cite" or "relay"
    outer: int | None = None


@dataclass(frozen=True)
class _Attribution:
    source: int | None
    cue: int | None
    via: int | None


def assemble(text: str, spans: Sequence[Span], lang: str = "id") -> list[Claim]:
    """Build one Claim per TROOPS span, in span order.

    Args:
        text: The original document text.
        spans: Tagged spans in document order; claim fields index into it.
        lang: ISO 639-1 code of the text (``"id"``, ``"ms"``, ``"en"``).

    Returns:
        The claims, one per TROOPS span, in the order of ``spans``.

    Raises:
        TypeError: ``text`` is not a str or a span is not a :class:`Span`.
        ValueError: ``lang`` is not supported, or a span lies outside ``text`` or is empty.

    >>> t = "Menurut Budanov, sekitar 11.000 tentara tiba di Kursk."
    >>> sp = [Span(0, 7, "CUE"), Span(8, 15, "SRC"), Span(17, 31, "TROOPS"), Span(48, 53, "LOC")]
    >>> c = assemble(t, sp)[0]
    >>> (c.value, c.approx, c.unit, c.source, c.cue, c.locations)
    (11000, True, 'tentara', 1, 0, (3,))
    """
    _check(text, spans, lang)
    return _Assembler(text, list(spans), lang).run()


def _check(text: str, spans: Sequence[Span], lang: str) -> None:
    if not isinstance(text, str):
        raise TypeError(f"assemble needs text as a str, got {type(text).__name__}")
    if lang not in LANGS:
        raise ValueError(f"unsupported lang {lang!r}: expected one of {', '.join(LANGS)}")
    for i, s in enumerate(spans):
        if not isinstance(s, Span):
            raise TypeError(f"span {i} is a {type(s).__name__}, not a nkclaims.schema.Span")
        if not 0 <= s.start < s.end <= len(text):
            raise ValueError(f"span {i} [{s.start}, {s.end}) is empty or outside the text (length {len(text)})")


def _words(text: str) -> list[str]:
    return [m.group().lower() for m in WORD_RE.finditer(text)]


def _norm(surface: str) -> str:
    return " ".join(surface.lower().split())


class _Assembler:
    """State for one document: sentences, spans by label, and cue links."""

    def __init__(self, text: str, spans: list[Span], lang: str) -> None:
        self.text, self.spans, self.lang = text, spans, lang
        # A text of blanks has no sentence; spans on it still need one to live in.
        self.sents = split_sentences(text) or [(0, len(text))]
        self.sent_starts = [a for a, _ in self.sents]
        self.by_label: dict[str, list[int]] = {}
        self.by_sent: dict[tuple[str, int], list[int]] = {}
        for i in sorted(range(len(spans)), key=lambda i: spans[i].start):
            self.by_label.setdefault(spans[i].label, []).append(i)
            self.by_sent.setdefault((spans[i].label, self.sent_of(spans[i].start)), []).append(i)
        self.src_starts = [spans[i].start for i in self.by_label.get("SRC", [])]
        self.cuts: dict[int, list[int]] = {}
        self._starts: dict[tuple[str, int], list[int]] = {}
        self.quotes = _quotations(text)
        self.links = self._link_cues()

    # --- sentences and spans -------------------------------------------------
    def sent_of(self, pos: int) -> int:
        return max(bisect.bisect_right(self.sent_starts, pos) - 1, 0)

    def in_sent(self, label: str, s: int) -> list[int]:
        return self.by_sent.get((label, s), [])

    def near(self, label: str, s: int, a: int, b: int) -> list[int]:
        """Spans of ``label`` in sentence ``s`` starting within ``_WINDOW`` chars of ``[a, b)``."""
        idx = self.in_sent(label, s)
        starts = self._starts.get((label, s))
        if starts is None:
            starts = self._starts[label, s] = [self.spans[i].start for i in idx]
        return idx[bisect.bisect_left(starts, a - _WINDOW) : bisect.bisect_right(starts, b + _WINDOW)]

    def links_near(self, s: int, a: int, b: int) -> list[_Link]:
        links = self.links.get(s, [])
        starts = self._starts.get(("link", s))
        if starts is None:
            starts = self._starts["link", s] = [self.spans[x.cue].start for x in links]
        return links[bisect.bisect_left(starts, a - _WINDOW) : bisect.bisect_right(starts, b + _WINDOW)]

    def gap(self, a: int, b: int) -> int:
        """Words strictly between character offsets ``a`` and ``b``."""
        return len(WORD_RE.findall(self.text, a, b)) if a < b else 0

    # --- cue links -----------------------------------------------------------
    def _link_cues(self) -> dict[int, list[_Link]]:
        cues = self.by_label.get("CUE", [])
        pronominal = {c for c in cues if self._pronominal(c)}
        named = {c: self._link(c) for c in cues if c not in pronominal}
        # A pronoun points at a speaker, never at an outlet that only relayed the words.
        relayed = {x.src for x in named.values() if x.kind == "relay"} | {x.outer for x in named.values()}
        speakers = [i for i in self.by_label.get("SRC", []) if i not in relayed]
        speaker_starts = [self.spans[i].start for i in speakers]
        links: dict[int, list[_Link]] = {}
        for c in cues:
            if c in pronominal:
                k = bisect.bisect_left(speaker_starts, self.spans[c].start) - 1
                link = _Link(c, speakers[k] if k >= 0 else None, "speak")
            else:
                link = named[c]
            links.setdefault(self.sent_of(self.spans[c].start), []).append(link)
        return links

    def _cue_kind(self, word: str) -> str:
        """The lexicon kind of a cue (``pre``, ``post``, ``verb``, ...); unknown words by their shape."""
        kinds = CUES[self.lang]
        found = [k for k, words in kinds.items() if word in words]
        for kind in ("nya", "verb"):  # "katanya" is also listed as post, "said" as post and verb
            if kind in found:
                return kind
        if found:
            return found[0]
        if word.endswith("nya") and len(word) > 5:
            return "nya"
        return "passive" if re.fullmatch(r"di[a-z]{3,}", word) else "verb"

    def _link(self, c: int) -> _Link:
        cue = self.spans[c]
        s = self.sent_of(cue.start)
        word = _norm(cue.surface(self.text))
        kind = self._cue_kind(word)
        if _CITE_CUE.fullmatch(word):
            return _Link(c, self._src_after(c, s, _MAX_AFTER_GAP), "cite", self._src_before_in(c, s))
        if _RELAY_CUE.fullmatch(word):
            return _Link(c, self._src_after(c, s, 1, agent=True), "relay")
        if kind == "passive":
            return _Link(c, self._src_after(c, s, 1, agent=True), "speak")
        if kind in ("pre", "post", "colon"):
            return _Link(c, self._src_after(c, s, _MAX_AFTER_GAP), "speak")
        before = self._src_before_in(c, s)
        # After a closing quote or a comma the speaker may follow the verb (", said Rutte").
        if self.text[max(0, cue.start - 8) : cue.start].rstrip().endswith(("”", '"', "’", ",")):
            after = self._src_after(c, s, 1)
            return _Link(c, after if after is not None else before, "speak")
        return _Link(c, before, "speak")

    def _pronominal(self, c: int) -> bool:
        cue = self.spans[c]
        kind = self._cue_kind(_norm(cue.surface(self.text)))
        if kind == "nya":
            return True
        after = _words(self.text[cue.end : cue.end + 12])
        if kind in ("pre", "post") and after and after[0] in PRONOUNS:
            return True  # "kata dia", "menurut dia"
        a = self.sent_starts[self.sent_of(cue.start)]
        before = _words(self.text[max(a, cue.start - 60) : cue.start])
        while before and before[-1] in CUE_ADVERBS:
            before.pop()
        return bool(before) and before[-1] in PRONOUNS

    def _src_after(self, c: int, s: int, max_gap: int, agent: bool = False) -> int | None:
        cue = self.spans[c]
        srcs = self.by_label.get("SRC", [])
        k = bisect.bisect_left(self.src_starts, cue.end)
        if k == len(srcs) or self.sent_of(self.spans[srcs[k]].start) != s:
            return None
        src = srcs[k]
        between = _words(self.text[cue.end : self.spans[src].start])
        if len(between) > max_gap or (agent and any(w not in _AGENT_WORDS for w in between)):
            return None
        return src

    def _src_before_in(self, c: int, s: int) -> int | None:
        cue = self.spans[c]
        srcs = self.by_label.get("SRC", [])
        k = bisect.bisect_left(self.src_starts, cue.start) - 1
        while k >= 0 and self.sent_of(self.spans[srcs[k]].start) == s:
            src = self.spans[srcs[k]]
            between = self.text[src.end : cue.start]
            if _QUOTE.search(between) or len(_words(between)) > _MAX_BEFORE_GAP:
                return None
            # "X kepada Reuters mengatakan": the one spoken to is not the speaker.
            lead = _words(self.text[max(0, src.start - 12) : src.start])
            if not lead or lead[-1] not in _ADDRESSEE:
                return srcs[k]
            k -= 1
        return None

    # --- choosing an attribution ---------------------------------------------
    def choose(self, links: list[_Link], a: int, b: int) -> _Attribution | None:
        """The attribution of a number at ``[a, b)`` among ``links``, by kind then nearness."""
        if not links:
            return None

        def dist(link: _Link) -> int:
            cue = self.spans[link.cue]
            return max(cue.start - b, a - cue.end, 0)

        def nearest(kind: str) -> _Link | None:
            cands = [k for k in links if k.kind == kind and k.src is not None]
            return min(cands, key=dist) if cands else None

        cite, speaker, relay = nearest("cite"), nearest("speak"), nearest("relay")
        if cite is not None:
            outer = cite.outer if cite.outer is not None else (speaker.src if speaker else None)
            via = outer if outer is not None else (relay.src if relay else None)
            return _Attribution(cite.src, cite.cue, via if via != cite.src else None)
        if speaker is not None:
            via = relay.src if relay is not None and relay.src != speaker.src else None
            return _Attribution(speaker.src, speaker.cue, via)
        if relay is not None:
            return _Attribution(relay.src, relay.cue, None)
        return _Attribution(None, min(links, key=dist).cue, None)

    def quoted(self, t: Span, s: int) -> _Attribution | None:
        """The attribution of a quotation around ``t`` that reaches outside sentence ``s``."""
        k = bisect.bisect_right(self.quotes, (t.start, len(self.text))) - 1
        if k < 0 or not self.quotes[k][0] <= t.start < self.quotes[k][1]:
            return None
        qa, qb = self.quotes[k]
        # The attribution hugs the quotation: right after its close or right before its opening.
        closing = [x for x in self.links_near(self.sent_of(qb - 1), qb, qb)
                   if self.spans[x.cue].start >= qb and self.gap(qb, self.spans[x.cue].start) <= 3]
        opening = [x for x in self.links_near(self.sent_of(qa), qa, qa)
                   if self.spans[x.cue].end <= qa and self.gap(self.spans[x.cue].end, qa) <= 2]
        if self.sent_of(qb - 1) != s and closing:
            return self.choose(closing, qb, qb)
        if self.sent_of(qa) != s and opening:
            return self.choose(opening, qa, qa)
        return None

    # --- places, date, unit, number ------------------------------------------
    def locations(self, t: Span, s: int) -> tuple[int, ...]:
        locs = self.near("LOC", s, t.start, t.end)
        linked = {i for i in locs if self._linked_loc(t, s, self.spans[i])}
        lo, hi = self._segment(t, s)
        head_end = self.spans[self.in_sent("TROOPS", s)[0]].start
        # Places before the first number (a dateline, a fronted "Di Kursk,") are the whole sentence's.
        head = {i for i in linked if self.spans[i].start < head_end}
        own = {i for i in linked - head if lo <= self.spans[i].start < hi}
        if own:
            linked = own | head
        for prev, nxt in zip(locs, locs[1:]):  # coordination spreads forward and back
            if prev in linked and _COORD.fullmatch(self.text[self.spans[prev].end : self.spans[nxt].start]):
                linked.add(nxt)
        for prev, nxt in reversed(list(zip(locs, locs[1:]))):
            if nxt in linked and _COORD.fullmatch(self.text[self.spans[prev].end : self.spans[nxt].start]):
                linked.add(prev)
        return tuple(i for i in locs if i in linked)

    def _segment(self, t: Span, s: int) -> tuple[int, int]:
        """The stretch of sentence ``s`` that belongs to ``t`` among coordinated numbers.

        A TROOPS span after ``dan``, ``and``, ``while`` or a comma starts a new stretch.
        """
        sent_a, sent_b = self.sents[s]
        if s not in self.cuts:
            self.cuts[s] = []
            for i in self.in_sent("TROOPS", s)[1:]:
                o = self.spans[i]
                lead = self.text[max(sent_a, o.start - 20) : o.start]
                words = _words(lead)
                if lead.rstrip().endswith((",", ";")) or (words and words[-1] in _COORDINATORS):
                    self.cuts[s].append(o.start)
        cuts = self.cuts[s]
        k = bisect.bisect_right(cuts, t.start)
        return (cuts[k - 1] if k else sent_a), (cuts[k] if k < len(cuts) else sent_b)

    def _linked_loc(self, t: Span, s: int, loc: Span) -> bool:
        sent_start = self.sents[s][0]
        if loc.start == sent_start and _DATELINE_TAIL.match(self.text, loc.end):
            return True
        before = _words(self.text[max(sent_start, loc.start - 40) : loc.start])[-3:]
        if not any(w in LOCATIVE_BEFORE for w in before):
            return False
        a, b, limit = (t.end, loc.start, _MAX_LOC_GAP) if loc.start >= t.end else (loc.end, t.start, _MAX_LOC_BEFORE)
        # A cue in between puts the place in the attribution ("kata pejabat di Moskow").
        cues = self.near("CUE", s, a, b)
        return self.gap(a, b) <= limit and not any(a <= self.spans[i].start < b for i in cues)

    def date(self, t: Span, s: int) -> int | None:
        dates = self.near("DATE", s, t.start, t.end)
        return min(dates, key=lambda i: abs(self.spans[i].start - t.start)) if dates else None

    def unit(self, t: Span) -> str | None:
        window = self.text[t.end : t.end + 120]
        low = window.lower()
        pos, first, prev = 0, None, ""
        for n, w in enumerate(WORD_RE.finditer(window)):
            between = window[pos : w.start()].strip()
            # Punctuation ends the phrase, except the final dot of "U.S."
            if (between and not (between == "." and "." in prev)) or n > _MAX_QUALIFIERS:
                break
            if first is None:
                if not w.group()[0].isalpha():
                    return None
                first = w.group()
            for noun in _NOUNS:
                end = w.start() + len(noun)
                if low.startswith(noun, w.start()) and not low[end : end + 1].isalnum():
                    return window[w.start() : end]
            if w.group().lower() not in TROOP_QUALIFIERS:
                break
            pos, prev = w.end(), w.group()
        return first

    def claim(self, ti: int, attr: _Attribution | None) -> Claim:
        t = self.spans[ti]
        s = self.sent_of(t.start)
        q = parse_quantity(t.surface(self.text), self.lang)
        value = low = high = None
        approx = False
        if q is not None:
            value, low, high, approx = q.value, q.low, q.high, q.approx
            # Bounded look-back: a hedge governs the clause around the number, not a whole run-on text.
            before = _words(self.text[max(self.sents[s][0], t.start - 300) : t.start])
            approx = approx or any(w in _HEDGES for w in before)
        attr = attr or _Attribution(None, None, None)
        return Claim(ti, value, low, high, approx, self.unit(t), attr.source, attr.cue,
                     self.locations(t, s), self.date(t, s), attr.via)

    def run(self) -> list[Claim]:
        by_troops: dict[int, Claim] = {}
        last_claim_attr: _Attribution | None = None
        for ti in self.by_label.get("TROOPS", []):
            t = self.spans[ti]
            s = self.sent_of(t.start)
            links = self.links_near(s, t.start, t.end)
            attr = self.choose(links, t.start, t.end)
            if attr is None:
                attr = self.quoted(t, s)
            if attr is None and _CONTINUATION.match(self.text, self.sents[s][0]):
                attr = last_claim_attr
            by_troops[ti] = self.claim(ti, attr)
            last_claim_attr = attr
        return [by_troops[i] for i in range(len(self.spans)) if i in by_troops]


def _quotations(text: str) -> list[tuple[int, int]]:
    """Quoted stretches ``[open, close_end)``: curly pairs, and straight quotes taken in turn."""
    out: list[tuple[int, int]] = []
    opened: tuple[int, str] | None = None
    for m in _QUOTE.finditer(text):
        ch = m.group()
        if opened is None and ch in "“\"":
            opened = (m.start(), "”" if ch == "“" else '"')
        elif opened is not None and ch == opened[1]:
            if m.end() - opened[0] <= _MAX_QUOTE:
                out.append((opened[0], m.end()))
            opened = None
    return out


# Longest first, so "bala bantuan" wins over a shorter entry at the same place.
_NOUNS = sorted(TROOP_NOUNS, key=len, reverse=True)
