"""Synthetic training sentences with exact spans, composed from slot grammars.

Every sentence is built from segments ``(text, label, slot)``: offsets are
summed while the text is joined, so spans are exact by construction. Slots
(speakers, places, numbers, nouns, dates, cues) are filled from the name
parts and phrase lists below and from the word lists of
:mod:`nkclaims.lexicon`; clause orders, attribution patterns, optional extra
clauses and multi-sentence mini-articles vary independently, so the output is
combinatorial rather than a handful of templates. Nothing here comes from the
dev-set articles. Generation is deterministic from the seed.
"""
from __future__ import annotations

import random
import re
from collections import Counter
from typing import Iterable, Sequence

from nkclaims.data import grammar as G
from nkclaims.schema import Document, Span

__all__ = ["generate", "diversity"]

Seg = tuple[str, "str | None", "str | None"]


def _lit(s: str) -> list[Seg]:
    return [(s, None, None)]


def _slot(s: str, slot: str, label: str | None = None) -> list[Seg]:
    return [(s, label, slot)]


class _Gen:
    """One generator run: an RNG and the builders that draw from it."""

    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)
        self.forms: list[str] = []

    def pick(self, seq: Sequence):
        return seq[self.r.randrange(len(seq))]

    def chance(self, p: float) -> bool:
        return self.r.random() < p

    # ------------------------------------------------------------ numbers
    def number(self, lang: str) -> tuple[str, str]:
        """A count and its form name (digits, grouping, multiplier or words)."""
        r = self.r
        form = self.pick(G.NUMBER_FORMS[lang])
        if form == "digits":
            return str(r.choice([r.randint(2, 99), r.randint(100, 999)])), form
        if form == "grouped":
            n = r.choice([r.randint(1, 99) * 1000, r.randint(11, 999) * 100, r.randint(1, 9) * 100000])
            return G.group(n, lang), form
        if form in ("words", "words_mult"):
            n = r.randint(1, 19) if form == "words" else r.randint(2, 99)
            w = G.words(n, lang)
            return (w if form == "words" else f"{w} {G.SCALE_WORD[lang][0]}"), form
        mult = form.split("_")[1]  # mult_ribu, mult_juta, mult_k ...
        big = mult in ("juta", "jt", "million")
        whole = r.randint(1, 3) if big else r.randint(2, 99)
        if big and self.chance(0.5):
            dec = "," if lang == "id" else "."
            val = f"{whole}{dec}{r.randint(1, 9)}"
        else:
            val = str(whole)
        return (f"{val}{mult}" if mult in ("k", "rb", "jt") else f"{val} {mult}"), form

    def quantity(self, lang: str) -> tuple[list[Seg], str]:
        """A TROOPS span (qualifier + number/range/vague plural) and its form name."""
        r = self.r
        kind = self.pick(("point", "point", "hedge", "hedge", "lower", "upper", "range", "vague"))
        if kind == "vague":
            vague = self.pick(G.VAGUE[lang])
            return _slot(vague, "NUM", "TROOPS"), f"vague:{vague}"
        if kind == "range":
            lo = r.randint(2, 20)
            hi = lo + r.randint(1, 10)
            pattern = self.pick(G.RANGES[lang])
            if "{m}" in pattern:
                text = pattern.format(lo=lo, hi=hi, m=G.SCALE_WORD[lang][0])
            else:
                text = pattern.format(lo=G.group(lo * 1000, lang), hi=G.group(hi * 1000, lang))
            return _slot(text, "NUM", "TROOPS"), f"range:{pattern}"
        num, form = self.number(lang)
        qual = self.pick(G.QUALIFIERS[lang][kind]) if kind != "point" or self.chance(0.6) else ""
        if kind == "point" and self.chance(0.15) and lang != "en":
            # a detached hedge sits outside the span (`diperkirakan 11.000`)
            word = self.pick(G.DETACHED[lang])
            label = "CUE" if word in G.cue_words(lang) else None  # `diperkirakan` is a passive cue
            return _slot(word, "HEDGE", label) + _lit(" ") + _slot(num, "NUM", "TROOPS"), f"detached:{form}"
        text = f"{qual} {num}" if qual else num
        return _slot(text, "NUM", "TROOPS"), f"{kind}:{form}"

    # ------------------------------------------------------------ slots
    def phrase(self, pattern: str, slot: str, label: str | None, lang: str) -> list[Seg]:
        """Fill ``{c}``/``{d}`` in a phrase; a ``prefix|`` part stays outside the span."""
        text = pattern.format(c=self.country(lang), d=self.pick(G.DEMONYMS))
        prefix, _, core = text.rpartition("|")
        return (_lit(prefix) if prefix else []) + _slot(core, slot, label)

    def person(self, lang: str) -> tuple[list[Seg], str]:
        """A named person with an optional title in front; returns segments and the short name."""
        firsts, lasts = G.NAME_ORIGINS[self.pick(sorted(G.NAME_ORIGINS))]
        first, last = self.pick(firsts), self.pick(lasts)
        name = self.pick((f"{first} {last}", f"{first} {last}", last))
        segs: list[Seg] = []
        if self.chance(0.6):
            segs = self.phrase(self.pick(G.TITLES[lang]), "TITLE", None, lang) + _lit(" ")
        short = first if last.startswith("bin") else last
        return segs + _slot(name, "NAME", "SRC"), short

    def speaker(self, lang: str) -> tuple[list[Seg], str]:
        """Any speaker: person, describing phrase, office, outlet or country (a SRC)."""
        kind = self.pick(("person", "person", "person", "phrase", "office", "outlet", "country"))
        if kind == "person":
            return self.person(lang)
        if kind == "phrase":
            det = self.pick(G.DETERMINERS[lang]) + " " if G.DETERMINERS[lang] and self.chance(0.3) else ""
            segs = _lit(det) + self.phrase(self.pick(G.DESCRIBED[lang]), "DESC", "SRC", lang)
        elif kind == "office":
            segs = self.phrase(self.pick(G.OFFICES[lang]), "OFFICE", "SRC", lang)
        elif kind == "outlet":
            segs = _slot(self.pick(G.OUTLETS), "OUTLET", "SRC")
        else:  # a country or capital speaking is a SRC, never a LOC
            segs = _slot(self.country(lang), "COUNTRY", "SRC")
        segs = [sg for sg in segs if sg[0]]
        return segs, segs[-1][0]

    def country(self, lang: str) -> str:
        return self.pick(G.places(lang, "country", self.chance(0.7)))

    def place(self, lang: str) -> list[Seg]:
        """A locative place: generic head (outside the span) + name, maybe + country."""
        if not self.chance(0.55):
            return _slot(self.pick(G.places(lang, self.pick(("country", "city")))), "PLACE", "LOC")
        name = self.pick(G.places(lang, "region"))
        head = self.pick(G.GENERIC_HEADS[lang])
        if lang == "en" and self.chance(0.6):
            segs = _lit("the ") + _slot(name, "PLACE", "LOC") + _lit(f" {head}")
        elif lang == "en":
            segs = _slot(name, "PLACE", "LOC")
        else:
            segs = _lit(head + " ") + _slot(name, "PLACE", "LOC")
        if self.chance(0.4):
            sep = ", " if lang == "en" else self.pick((", ", " "))
            segs += _lit(sep) + _slot(self.country(lang), "PLACE", "LOC")
        return segs

    def date(self, lang: str) -> list[Seg]:
        """A date phrase; a preposition in front stays outside the span."""
        r = self.r
        text = self.pick(G.DATES[lang]).format(
            wd=self.pick(G.WEEKDAYS[lang]), d=r.randint(1, 28), m=r.randint(1, 12),
            mon=self.pick(G.MONTHS[lang]), y=r.randint(2019, 2025))
        prefix, _, core = text.rpartition("|")
        return (_lit(prefix) if prefix else []) + _slot(core, "DATE", "DATE")

    def unit(self, lang: str) -> str:
        return self.pick(G.troop_nouns(lang))

    def negative(self, lang: str) -> list[Seg]:
        """A hard-negative clause: a count that is not troops, or one soldier."""
        r = self.r
        pat = self.pick(G.NEGATIVES[lang])
        qual = self.pick(G.QUALIFIERS[lang]["hedge"]) + " " if self.chance(0.3) else ""
        text = pat.format(n=r.randint(2, 99), big=G.group(r.randint(2, 900) * 10, lang), q=qual,
                          y=r.randint(2015, 2025))
        self.forms.append("neg:" + re.sub(r"\{[^}]*\}|\[|\]", "", pat).strip())
        segs: list[Seg] = []
        # `tahun 2024` / `in 2024` dates an event: a DATE, never TROOPS
        for i, part in enumerate(re.split(r"\[([^\]]*)\]", text)):
            segs += _slot(part, "DATE", "DATE") if i % 2 else _lit(part)
        return segs

    # ------------------------------------------------------------ clauses
    def core(self, lang: str, *, troops: bool = True) -> list[Seg]:
        """The claim clause: a count of troops, what they do, where, maybe when and a negative."""
        if troops:
            q, form = self.quantity(lang)
            self.forms.append(form)
            of = " of" if lang == "en" and form.startswith("vague:") else ""
            if lang == "en":
                nat = self.pick(G.DEMONYMS) + " " if self.chance(0.6) else ""
                subject = q + _lit(f"{of} {nat}") + _slot(self.unit(lang), "UNIT")
            else:
                nat = " " + self.country(lang) if self.chance(0.6) else ""
                subject = q + _lit(" ") + _slot(self.unit(lang), "UNIT") + _lit(nat)
        else:
            subject = self.phrase(self.pick(G.BARE_SUBJECT[lang]), "BARE", None, lang)
        segs = subject + _lit(" ") + _slot(self.pick(G.VERBS[lang]), "VERB") + _lit(" ") + self.place(lang)
        if self.chance(0.35):
            segs += _lit(" ") + self.date(lang)
        if not troops or self.chance(0.25):
            segs += _lit(self.pick(G.JOINERS[lang])) + self.negative(lang)
        return segs

    def fill(self, pattern: str, lang: str, spk: list[Seg], short: str) -> list[Seg]:
        """Expand a sentence pattern's slots (see :mod:`nkclaims.data.grammar`)."""
        out: list[Seg] = []
        for piece in re.split(r"(\{\w+\})", pattern):
            name = piece[1:-1]
            if not piece:
                continue
            if not piece.startswith("{"):
                out += _lit(piece)
            elif name == "C":
                out += self.core(lang, troops=self.chance(0.85))
            elif name == "S":
                out += spk
            elif name == "SN":
                out += _slot(short, "NAME", "SRC")
            elif name in ("O", "OX"):
                out += _slot(self.pick(G.OUTLETS), "OUTLET", "SRC" if name == "O" else None)
            elif name == "D":
                out += (_lit(", ") + self.date(lang)) if self.chance(0.2) else []
            elif name == "P":
                out += self.place(lang)
            elif name == "PR":
                out += _slot(self.pick(G.PRONOUNS[lang]).lower(), "PRON")  # capitalised at sentence start
            else:
                out += _slot(self.pick(G.CUES[lang][name]), "CUE", "CUE")
        return out

    def attributed(self, lang: str) -> list[Seg]:
        """One sentence: a claim clause under one of many attribution patterns."""
        spk, short = self.speaker(lang)
        return self.fill(self.pick(G.PATTERNS[lang]), lang, spk, short)

    def article(self, lang: str) -> list[list[Seg]]:
        """A mini-article: a named speaker first, the number later with a pronoun or `-nya` cue."""
        spk, short = self.speaker(lang)
        sents = [self.fill(self.pick(G.INTROS[lang]), lang, spk, short)]
        if self.chance(0.3):
            sents.append(self.fill(self.pick(G.FOLLOW_UPS[lang]), lang, spk, short))
        return sents + [self.fill(self.pick(G.FOLLOW_UPS[lang]), lang, spk, short)]

    def dateline(self, lang: str) -> list[Seg]:
        city = self.pick(G.places(lang, "city")).upper()
        return _slot(city, "PLACE", "LOC") + _lit(self.pick(G.DATELINES[lang]))


def _capitalise(segs: list[Seg]) -> list[Seg]:
    """Upper-case the first letter of a sentence (after any opening quote)."""
    segs = list(segs)
    for i, (t, lab, slot) in enumerate(segs):
        j = next((k for k, ch in enumerate(t) if ch.isalnum()), None)
        if j is not None:
            segs[i] = (t[:j] + t[j].upper() + t[j + 1 :], lab, slot)
            break
    return segs


def _assemble(sentences: list[list[Seg]]) -> tuple[str, tuple[Span, ...], str]:
    parts: list[str] = []
    skeleton: list[str] = []
    spans: list[Span] = []
    pos = 0
    for k, sent in enumerate(sentences):
        if k:
            parts.append(" ")
            skeleton.append(" ")
            pos += 1
        for text, label, slot in sent:
            if label is not None:
                spans.append(Span(pos, pos + len(text), label))
            parts.append(text)
            skeleton.append(f"<{slot}>" if slot else text)
            pos += len(text)
    return "".join(parts), tuple(spans), "".join(skeleton)


def generate(n: int, seed: int, langs: Iterable[str] = ("id", "ms", "en")) -> list[Document]:
    """Generate ``n`` synthetic span-annotated documents, deterministically from ``seed``.

    Args:
        n: number of documents.
        seed: RNG seed; the same arguments give the same documents.
        langs: languages to draw from (``id``, ``ms``, ``en``), Indonesian weighted double.

    Returns:
        Documents (``claims=None``); ``meta`` holds ``skeleton`` and quantity ``forms``.

    Raises:
        ValueError: for ``n < 0`` or an unsupported language.

    >>> docs = generate(3, seed=1)
    >>> all(s.surface(d.text).strip() == s.surface(d.text) for d in docs for s in d.spans)
    True
    >>> generate(3, seed=1) == docs
    True
    """
    langs = tuple(langs)
    bad = [lang for lang in langs if lang not in G.LANGS]
    if bad or not langs:
        raise ValueError(f"unsupported langs {bad or langs!r}: expected a subset of {G.LANGS}")
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    weighted = [lang for lang in langs for _ in range(2 if lang == "id" else 1)]
    g = _Gen(seed)
    docs = []
    for i in range(n):
        lang = g.pick(weighted)
        g.forms = []
        shape = g.r.random()
        if shape < 0.25:
            sents = g.article(lang)
        elif shape < 0.35:
            sents = [g.attributed(lang), g.attributed(lang)]
        else:
            sents = [g.attributed(lang)]
        sents = [_capitalise(sent) for sent in sents]
        if g.chance(0.12):
            sents[0] = g.dateline(lang) + sents[0]
        text, spans, skeleton = _assemble(sents)
        meta = {"skeleton": skeleton, "forms": list(g.forms)}
        docs.append(Document(f"synth-{seed}-{i}", text, lang, spans, None, meta))
    return docs


def _skeleton(doc: Document) -> str:
    if isinstance(doc.meta, dict) and "skeleton" in doc.meta:
        return doc.meta["skeleton"]
    out, pos = [], 0
    for s in sorted(doc.spans, key=lambda s: s.start):
        out += [doc.text[pos : s.start], f"<{s.label}>"]
        pos = s.end
    return "".join(out) + doc.text[pos:]


def diversity(docs: Sequence[Document]) -> dict:
    """Measure how varied a set of documents is.

    Returns a dict with ``docs``, ``distinct_text_ratio``, ``distinct_skeletons``
    (text with slot fillers abstracted; spans abstracted for documents without
    a generator skeleton), ``distinct_skeleton_ratio``, ``trigram_ratio``
    (distinct word 3-grams / all), ``labels``, ``langs`` and ``forms``
    (quantity forms, from the generator's ``meta``).

    >>> d = diversity(generate(20, seed=2))
    >>> d["docs"], 0 < d["trigram_ratio"] <= 1
    (20, True)
    """
    grams: Counter = Counter()
    for d in docs:
        w = d.text.split()
        grams.update(zip(w, w[1:], w[2:]))
    total = sum(grams.values()) or 1
    n = len(docs) or 1
    skeletons = {_skeleton(d) for d in docs}
    forms: Counter = Counter()
    for d in docs:
        if isinstance(d.meta, dict):
            forms.update(d.meta.get("forms", ()))
    return {
        "docs": len(docs),
        "distinct_text_ratio": round(len({d.text for d in docs}) / n, 4),
        "distinct_skeletons": len(skeletons),
        "distinct_skeleton_ratio": round(len(skeletons) / n, 4),
        "trigram_ratio": round(len(grams) / total, 4),
        "labels": dict(sorted(Counter(s.label for d in docs for s in d.spans).items())),
        "langs": dict(sorted(Counter(d.lang for d in docs).items())),
        "forms": dict(sorted(forms.items())),
    }
