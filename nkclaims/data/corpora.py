"""Third-party Indonesian corpora mapped onto our span schema.

NERGrit, NERP and idner-news-2k mark names by type (person, place,
organisation); our schema marks them by role. So a place becomes ``LOC``
only in locative use (``di Kursk``, ``wilayah Kursk``, a list with such a
place, a dateline) and ``SRC`` when it is the speaker of an attribution; a
person or organisation becomes ``SRC`` only as a speaker, and every other
name is dropped (``O``). A speaker is a name right after a ``pre``/``post``
cue (``menurut X``, ``kata X``; titles may sit in between) or right before a
``verb`` cue (``X mengatakan``; cue adverbs may sit in between), per the cue
lexicon. CUE, DATE and TROOPS spans are then added from the rule tagger
where they do not overlap the mapped spans.

BPPT-PANL sentences carry no labels; :func:`load_bppt` labels them with the
rule tagger alone (weak supervision). That text may be used for training but
never shipped.
"""
from __future__ import annotations

import csv
import os
import random
import re
from collections.abc import Mapping
from pathlib import Path

from nkclaims import lexicon as lx
from nkclaims.data.conll import read_conll
from nkclaims.schema import Document, Span

__all__ = ["corpora_root", "map_roles", "load_nergrit", "load_nerp", "load_idner", "load_bppt", "SPLITS"]

SPLITS: tuple[str, ...] = ("train", "dev", "test")
RULE_LABELS = frozenset({"CUE", "DATE", "TROOPS"})

# corpus label -> entity kind (person, place, org) or None (not a name we use)
KINDS: dict[str, dict[str, str | None]] = {
    "nergrit": {"PERSON": "person", "PLACE": "place", "ORGANISATION": "org"},
    "nerp": {"PPL": "person", "PLC": "place", "IND": "org", "EVT": None, "FNB": None},
    "idner": {"PER": "person", "LOC": "place", "ORG": "org"},
}
_FILES = {
    "nergrit": ("nergrit_ner-grit", {"train": "train_preprocess.txt", "dev": "valid_preprocess.txt",
                                     "test": "test_preprocess.txt"}),
    "nerp": ("nerp_ner-prosa", {"train": "train_preprocess.txt", "dev": "valid_preprocess.txt",
                                "test": "test_preprocess.txt"}),
    "idner": ("idner-news-2k", {"train": "train.txt", "dev": "dev.txt", "test": "test.txt"}),
}
_MAX_GAP = 6  # title or adverb words allowed between a cue and its speaker
_QUOTE_COMMA = frozenset(',"”’\'')


def corpora_root(root: str | Path | None = None) -> Path:
    """The corpora folder: ``root``, else ``$NKCLAIMS_CORPORA``, else ``../shared/corpora`` beside the checkout.

    >>> corpora_root("/tmp/x").name
    'x'
    """
    if root is not None:
        return Path(root)
    env = os.environ.get("NKCLAIMS_CORPORA")
    return Path(env) if env else Path(__file__).resolve().parents[3] / "shared" / "corpora"


def _phrase_table(phrases) -> dict[tuple[str, ...], str]:
    return {tuple(p.split()): p for p in phrases}


def _ends_with(words: list[str], table: Mapping[tuple[str, ...], str]) -> int:
    """Length of the longest phrase of ``table`` that ``words`` ends with (0 if none)."""
    for n in range(min(4, len(words)), 0, -1):
        if tuple(words[-n:]) in table:
            return n
    return 0


def _starts_with(words: list[str], table: Mapping[tuple[str, ...], str]) -> int:
    for n in range(min(4, len(words)), 0, -1):
        if tuple(words[:n]) in table:
            return n
    return 0


class _Context:
    """Token view of one sentence, for looking left and right of a name."""

    def __init__(self, text: str, lang: str) -> None:
        self.toks = [(m.start(), m.end(), m.group().lower()) for m in re.finditer(r"\S+", text)]
        self.words = [t[2] for t in self.toks]
        cues = lx.cue_lexicon(lang)
        self.pre_cues = _phrase_table(cues["pre"])
        self.post_cues = _phrase_table(cues["post"])
        self.after_cues = _phrase_table(cues["verb"])
        self.locative = _phrase_table(lx.LOCATIVE_BEFORE)
        self.skip_before = lx.TITLES | lx.DETERMINERS | lx.SPEAKER_NOUNS
        self.heads = _phrase_table(lx.TITLES | lx.SPEAKER_NOUNS)
        self.joiners = lx.words("list_joiners", lang) | {","}

    def index(self, span: Span) -> tuple[int, int]:
        first = next(i for i, t in enumerate(self.toks) if t[1] > span.start)
        last = max(i for i, t in enumerate(self.toks) if t[0] < span.end)
        return first, last + 1

    def cue_before(self, i: int) -> bool:
        """Whether a cue that takes the speaker after it ends at token ``i``.

        A ``post`` cue counts only after a comma or quote (``..., kata X``), so
        that `pernyataan tegas X` is no attribution.
        """
        if _ends_with(self.words[:i], self.pre_cues):
            return True
        n = _ends_with(self.words[:i], self.post_cues)
        return bool(n) and i - n > 0 and self.words[i - n - 1][-1] in _QUOTE_COMMA

    def speaker_start(self, a: int, b: int, inside: set[int]) -> int | None:
        """Token where the words in front of a speaker name begin, or None when it is not one.

        Titles, determiners and other names may stand between a ``pre``/``post``
        cue and the name (``kata Menteri Pertahanan X``); cue adverbs between the
        name and a ``verb`` cue (``X juga mengatakan``).
        """
        i = a
        while (i > 0 and a - i < _MAX_GAP and not self.cue_before(i)
               and (self.words[i - 1] in self.skip_before or i - 1 in inside)):
            i -= 1
        if self.cue_before(i):
            return i
        j = b
        while j < len(self.words) and j - b < _MAX_GAP and self.words[j] in lx.CUE_ADVERBS:
            j += 1
        return a if _starts_with(self.words[j:], self.after_cues) else None

    def is_locative(self, a: int) -> bool:
        if a == 0:  # a dateline: `JAKARTA , KOMPAS.com -`
            return len(self.words) > 1 and self.words[1] in (",", "-", "(")
        return bool(_ends_with(self.words[:a], self.locative))


def map_roles(doc: Document, kinds: Mapping[str, str | None], *, rules: bool = True) -> Document:
    """Map a corpus sentence's typed names onto our roles, then add rule CUE/DATE/TROOPS spans.

    Args:
        doc: a sentence with spans labelled by the corpus (``PER``, ``LOC`` ...).
        kinds: corpus label -> ``"person"``, ``"place"``, ``"org"`` or None (dropped).
        rules: add CUE, DATE and TROOPS spans from :func:`nkclaims.rules.tag`.

    Returns:
        The document with our labels only; ``claims`` is None.

    Raises:
        ValueError: for a span label missing from ``kinds``.

    >>> d = Document("x", "menurut Rusia , pasukan tiba di Kursk", "id",
    ...              (Span(8, 13, "LOC"), Span(32, 37, "LOC")), None)
    >>> map_roles(d, {"LOC": "place"}).surfaces()
    [('CUE', 'menurut'), ('SRC', 'Rusia'), ('LOC', 'Kursk')]
    """
    ctx = _Context(doc.text, doc.lang)
    ents = []
    for s in sorted(doc.spans, key=lambda s: s.start):
        if s.label not in kinds:
            raise ValueError(f"{doc.id}: span label {s.label!r} has no role mapping (known: {sorted(kinds)})")
        if kinds[s.label] is not None:
            ents.append((s, kinds[s.label], *ctx.index(s)))
    inside = {i for _, _, a, b in ents for i in range(a, b)}
    starts = {a: kind for _, kind, a, _ in ents}
    mapped: list[Span] = []
    locative_end = -1  # token end of the last LOC, for lists (`di Kursk dan Bryansk`)
    for s, kind, a, b in ents:
        if kind != "person" and starts.get(b) == "person":
            continue  # a place or office inside a title: `Menteri Pertahanan Ukraina Rustem Umerov`
        first = ctx.speaker_start(a, b, inside - set(range(a, b)))
        if first is not None:
            if kind != "person":  # `pejabat intelijen Ukraina`: the describing phrase is the source
                if first == a:  # `X mengatakan`: walk back over the head nouns in front of X
                    while a - first < _MAX_GAP and (n := _ends_with(ctx.words[:first], ctx.heads)):
                        first -= n
                while first < a and ctx.words[first] in lx.DETERMINERS:
                    first += 1
                start = min(s.start, ctx.toks[first][0])
            mapped.append(Span(start if kind != "person" else s.start, s.end, "SRC"))
        elif kind == "place" and (ctx.is_locative(a) or (
                locative_end >= 0 and a - locative_end <= 1 and all(w in ctx.joiners for w in ctx.words[locative_end:a]))):
            mapped.append(Span(s.start, s.end, "LOC"))
            locative_end = b
    if rules:
        from nkclaims.rules import tag

        for r in tag(doc.text, doc.lang):
            if r.label in RULE_LABELS and not any(r.start < m.end and m.start < r.end for m in mapped):
                mapped.append(Span(r.start, r.end, r.label))
    mapped.sort(key=lambda s: s.start)
    return Document(doc.id, doc.text, doc.lang, tuple(mapped), None, doc.meta)


def _load(name: str, split: str, root: str | Path | None, rules: bool) -> list[Document]:
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}: expected one of {', '.join(SPLITS)}")
    folder, files = _FILES[name]
    path = corpora_root(root) / folder / files[split]
    if not path.is_file():
        raise FileNotFoundError(f"{name} {split} file not found: {path} (set NKCLAIMS_CORPORA or pass root=)")
    docs = read_conll(path, id_prefix=f"{name}-{split}")
    out = []
    for d in docs:
        m = map_roles(d, KINDS[name], rules=rules)
        out.append(Document(m.id, m.text, "id", m.spans, None, {"source": name, "split": split}))
    return out


def load_nergrit(split: str = "train", *, root: str | Path | None = None, rules: bool = True) -> list[Document]:
    """NERGrit (PERSON, PLACE, ORGANISATION) mapped to our roles.

    >>> callable(load_nergrit)
    True
    """
    return _load("nergrit", split, root, rules)


def load_nerp(split: str = "train", *, root: str | Path | None = None, rules: bool = True) -> list[Document]:
    """NERP (PPL, PLC, IND; EVT and FNB dropped; lowercased text) mapped to our roles.

    >>> callable(load_nerp)
    True
    """
    return _load("nerp", split, root, rules)


def load_idner(split: str = "train", *, root: str | Path | None = None, rules: bool = True) -> list[Document]:
    """idner-news-2k (PER, LOC, ORG; 3 columns, CRLF) mapped to our roles.

    >>> callable(load_idner)
    True
    """
    return _load("idner", split, root, rules)


def load_bppt(limit: int | None = None, *, root: str | Path | None = None, seed: int = 13,
              informative_only: bool = True) -> list[Document]:
    """BPPT-PANL sentences weakly labelled by the rule tagger (training only; never ship the text).

    Args:
        limit: keep at most this many sentences (a seeded random sample).
        root: corpora folder (see :func:`corpora_root`).
        seed: sampling seed.
        informative_only: keep only sentences where the tagger found a CUE, TROOPS or LOC.

    Returns:
        Documents with rule spans, ``meta["source"] == "bppt"``; sorted by line.

    Raises:
        FileNotFoundError: when the csv is missing.
        ValueError: for a row that is not ``topic_id,"sentence"``.

    >>> callable(load_bppt)
    True
    """
    from nkclaims.rules import tag

    path = corpora_root(root) / "bppt-panl" / "sentences.csv"
    if not path.is_file():
        raise FileNotFoundError(f"BPPT-PANL csv not found: {path} (set NKCLAIMS_CORPORA or pass root=)")
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(enumerate(csv.reader(f), 1))
    for line, row in rows:
        if len(row) != 2 or not row[0].isdigit():
            raise ValueError(f"{path}:{line}: expected topic_id,\"sentence\", got {row!r}")
    order = list(range(len(rows)))
    random.Random(seed).shuffle(order)
    out: list[Document] = []
    for k in order:
        if limit is not None and len(out) >= limit:
            break
        line, (topic, text) = rows[k]
        text = text.strip()
        spans = tuple(tag(text, "id")) if text else ()
        if informative_only and not any(s.label in ("CUE", "TROOPS", "LOC") for s in spans):
            continue
        out.append(Document(f"bppt-{line}", text, "id", spans, None, {"source": "bppt", "topic": topic}))
    return sorted(out, key=lambda d: int(d.id.split("-")[1]))
