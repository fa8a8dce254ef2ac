"""Alignment between character spans, words and subword tokens.

Labels live on *words*: ``\\w`` runs that may hold inner ``. , ' ’ - /``
(``11.000``, ``23/10/2024``, ``Jong-un``) and single punctuation marks, so a
comma glued to a name (``Budanov,``) is a word of its own and never leaks
into a span. A word's tag sits on its first subword (the others are ignored
in training, ``-100``); decoding reads the same first subwords back. Training
and inference share these functions, so they can never disagree.
"""
from __future__ import annotations

import re
from typing import Sequence

import numpy as np

from nkclaims.schema import Span

IGNORE = -100
WORD_RE = re.compile(r"\w+(?:[.,'’\-/]\w+)*|[^\w\s]")


def word_bounds(text: str) -> np.ndarray:
    """Return an ``(n, 2)`` int array of half-open ``[start, end)`` word ranges.

    >>> word_bounds("Budanov, 11.000").tolist()
    [[0, 7], [7, 8], [9, 15]]
    """
    b = [(m.start(), m.end()) for m in WORD_RE.finditer(text)]
    return np.asarray(b, dtype=np.int64).reshape(-1, 2)


def span_word_tags(words: np.ndarray, spans: Sequence[Span], tag_ids: dict[str, int]) -> np.ndarray:
    """BIO tag id per word from character spans (a word overlapping a span is inside it).

    >>> w = word_bounds("di wilayah Oblast Kursk")
    >>> ids = {"O": 0, "B-LOC": 1, "I-LOC": 2}
    >>> span_word_tags(w, [Span(11, 23, "LOC")], ids).tolist()
    [0, 0, 1, 2]
    """
    tags = np.zeros(len(words), dtype=np.int64)
    if not len(words):
        return tags
    starts, ends = words[:, 0], words[:, 1]
    for s in spans:
        b, i = tag_ids.get(f"B-{s.label}"), tag_ids.get(f"I-{s.label}")
        if b is None:
            continue
        lo = int(np.searchsorted(ends, s.start, side="right"))
        hi = int(np.searchsorted(starts, s.end, side="left"))
        if lo < hi:
            tags[lo] = b
            tags[lo + 1 : hi] = i
    return tags


def first_subword_words(offsets: np.ndarray, words: np.ndarray) -> np.ndarray:
    """Map each token to the word it starts, or -1 (specials, inner subwords).

    ``offsets`` is the tokenizer's ``(T, 2)`` offset mapping; special tokens
    have ``(0, 0)``. A token *starts* word ``j`` when it is the first token
    that begins inside it (or on the whitespace just before it, as pieces of
    a bare Metaspace tokenizer do); a word whose first character sits in a piece that
    began earlier (``,`` in a piece ``▁Budanov,``) has no first subword and
    stays untagged.

    >>> w = word_bounds("Budanov, 11.000")
    >>> off = np.array([[0, 0], [0, 4], [4, 7], [7, 8], [9, 11], [11, 15], [0, 0]])
    >>> first_subword_words(off, w).tolist()
    [-1, 0, -1, 1, 2, -1, -1]
    """
    out = np.full(len(offsets), -1, dtype=np.int64)
    if not len(words) or not len(offsets):
        return out
    real = np.flatnonzero(offsets[:, 1] > offsets[:, 0])
    starts = offsets[real, 0]
    w = np.searchsorted(words[:, 1], starts, side="right")
    w_safe = np.minimum(w, len(words) - 1)
    # overlap, not containment: a bare-Metaspace tokenizer (hub XLM-R) starts a
    # word-initial piece on the space before the word; a piece of spaces alone starts none
    inside = (w < len(words)) & (offsets[real, 1] > words[w_safe, 0])
    tok, w = real[inside], w[inside]
    # offsets rise monotonically, so a word's first subword is the first token starting in it
    first = np.ones(len(tok), dtype=bool)
    first[1:] = w[1:] != w[:-1]
    out[tok[first]] = w[first]
    return out


def token_labels(offsets: np.ndarray, words: np.ndarray, word_tags: np.ndarray) -> np.ndarray:
    """Training labels per token: the word's tag on its first subword, ``IGNORE`` elsewhere.

    >>> w = word_bounds("ke Kursk")
    >>> off = np.array([[0, 0], [0, 2], [3, 6], [6, 8], [0, 0]])
    >>> token_labels(off, w, np.array([0, 1])).tolist()
    [-100, 0, 1, -100, -100]
    """
    wid = first_subword_words(offsets, words)
    labels = np.full(len(offsets), IGNORE, dtype=np.int64)
    has = wid >= 0
    labels[has] = word_tags[wid[has]]
    return labels


def windows(n_tokens: int, max_tokens: int, stride: int, breaks: np.ndarray | None = None) -> list[tuple[int, int]]:
    """Cut ``n_tokens`` content tokens into overlapping windows of at most ``max_tokens``.

    Consecutive windows overlap by about ``stride`` tokens. When ``breaks``
    (sorted token indexes where a sentence or word starts) is given, each
    window after the first starts at the latest break inside the overlap, so
    no sentence is cut at its head when it can be avoided.

    >>> windows(10, 4, 2)
    [(0, 4), (2, 6), (4, 8), (6, 10)]
    >>> windows(3, 4, 2)
    [(0, 3)]
    """
    if max_tokens <= 0 or not 0 <= stride < max_tokens:
        raise ValueError(f"need 0 <= stride < max_tokens, got stride={stride}, max_tokens={max_tokens}")
    if n_tokens <= max_tokens:
        return [(0, n_tokens)]
    out: list[tuple[int, int]] = []
    start = 0
    while True:
        end = min(start + max_tokens, n_tokens)
        out.append((start, end))
        if end == n_tokens:
            return out
        nxt = end - stride
        if breaks is not None and len(breaks):
            lo = int(np.searchsorted(breaks, nxt, side="left"))
            hi = int(np.searchsorted(breaks, end, side="left"))
            # earliest break at or after end - stride keeps at least `stride` of context
            if lo < hi and breaks[lo] > start:
                nxt = int(breaks[lo])
        start = max(nxt, start + 1)
