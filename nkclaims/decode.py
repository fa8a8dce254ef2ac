"""Postprocessing: window logits → per-word BIO tags → character spans (numpy only).

Every step is pure and works on made-up arrays, so decoding can be tested
without a model. A word's tag is read from its first subword (the token
:func:`nkclaims.align.first_subword_words` assigns to it, as in training).
When long documents are cut into overlapping windows, a word seen twice takes
its tag from the window where its first subword sits farther from a window
edge (edges at the document's own ends do not count): that window saw more
context on both sides.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from nkclaims.align import first_subword_words, word_bounds
from nkclaims.schema import Span

__all__ = ["bio_spans", "decode", "merge_windows", "softmax_max"]

# Distance given to a position next to a document end: no context is missing there.
_FAR = np.iinfo(np.int64).max // 4


def softmax_max(logits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the argmax tag id and its softmax probability per row of ``logits``.

    Args:
        logits: ``(..., n_tags)`` scores.

    Returns:
        ``(ids, probs)`` with the leading shape of ``logits``.

    >>> ids, p = softmax_max(np.array([[0.0, 0.0], [0.0, 2.0]]))
    >>> ids.tolist(), [round(float(x), 3) for x in p]
    ([0, 1], [0.5, 0.881])
    """
    logits = np.asarray(logits, dtype=np.float32)
    ids = logits.argmax(-1)
    top = np.take_along_axis(logits, ids[..., None], -1)
    # max prob = 1 / sum(exp(l - max)); stable for any scale
    probs = 1.0 / np.exp(logits - top).sum(-1)
    return ids, probs.astype(np.float32)


def merge_windows(word_of_token: np.ndarray, spans: Sequence[tuple[int, int]],
                  tag_ids: Sequence[np.ndarray], probs: Sequence[np.ndarray],
                  n_words: int) -> tuple[np.ndarray, np.ndarray]:
    """Combine per-window token predictions into one tag and probability per word.

    Args:
        word_of_token: ``(T,)`` word index of each content token, ``-1`` when
            the token does not start a word.
        spans: Token ranges ``[s, e)`` of the windows over the ``T`` tokens.
        tag_ids: Per window, the ``e - s`` predicted tag ids.
        probs: Per window, the ``e - s`` probabilities of those tags.
        n_words: Number of words of the document.

    Returns:
        ``(word_tags, word_probs)``: ``-1`` and ``nan`` for a word with no
        first subword.

    Word 2 sits on window 0's right edge and one token inside window 1, so
    window 1 decides it; word 1 is the other way round:

    >>> t, _ = merge_windows(np.arange(5), [(0, 3), (1, 5)],
    ...                      [np.full(3, 5), np.full(4, 7)], [np.ones(3), np.ones(4)], 5)
    >>> t.tolist()
    [5, 5, 7, 7, 7]
    """
    tags = np.full(n_words, -1, dtype=np.int64)
    word_probs = np.full(n_words, np.nan, dtype=np.float32)
    n_tokens = len(word_of_token)
    cols: list[tuple[np.ndarray, ...]] = []
    for (s, e), t, p in zip(spans, tag_ids, probs):
        if len(t) != e - s or len(p) != e - s:
            raise ValueError(f"window [{s}, {e}) has {len(t)} tags and {len(p)} probs, expected {e - s}")
        pos = np.arange(s, e)
        w = word_of_token[s:e]
        keep = w >= 0
        left = pos - s if s > 0 else np.full(e - s, _FAR)
        right = e - 1 - pos if e < n_tokens else np.full(e - s, _FAR)
        dist = np.minimum(left, right)
        cols.append((w[keep], dist[keep], np.asarray(t)[keep], np.asarray(p)[keep]))
    if not cols:
        return tags, word_probs
    w, dist, t, p = (np.concatenate(c) for c in zip(*cols))
    if not len(w):
        return tags, word_probs
    # stable sort: by word, then farthest from an edge; ties keep the earlier window
    order = np.lexsort((-dist, w))
    w, t, p = w[order], t[order], p[order]
    first = np.ones(len(w), dtype=bool)
    first[1:] = w[1:] != w[:-1]
    tags[w[first]] = t[first]
    word_probs[w[first]] = p[first]
    return tags, word_probs


def bio_spans(text: str, words: np.ndarray, word_tags: np.ndarray, word_probs: np.ndarray,
              tags: Sequence[str]) -> list[Span]:
    """Turn per-word BIO tag ids into sorted, disjoint, word-aligned character spans.

    An ``I-X`` that does not continue an ``X`` span starts one; a span ends
    at its last word's end; its score is the mean probability of its tagged
    words. A word with no first subword (tag ``-1``) joins the span before it
    only when it starts with a letter or digit (a piece such as ``▁(23`` hid
    it) or when the span goes on after it; untagged punctuation at a span's
    end (``Budanov,``) stays out.

    Args:
        text: The document text.
        words: ``(n, 2)`` word ranges from :func:`nkclaims.align.word_bounds`.
        word_tags: ``(n,)`` tag ids, ``-1`` for untagged words.
        word_probs: ``(n,)`` probabilities of those tags.
        tags: Tag names in id order (``"O"``, ``"B-LOC"``, ...).

    >>> text = "di Kursk , Rusia"
    >>> w = word_bounds(text)
    >>> bio_spans(text, w, np.array([0, 1, 2, 2]), np.ones(4), ["O", "B-LOC", "I-LOC"])
    [Span(start=3, end=16, label='LOC', score=1.0)]
    """
    n = len(words)
    if not n:
        return []
    labels = sorted({t[2:] for t in tags if t[:2] in ("B-", "I-")})
    label_of = np.array([labels.index(t[2:]) if t[:2] in ("B-", "I-") else -1 for t in tags] + [-1])
    begins = np.array([t.startswith("B-") for t in tags] + [False])
    word_tags = np.asarray(word_tags, dtype=np.int64)
    if len(word_tags) != n:
        raise ValueError(f"{len(word_tags)} word tags for {n} words")
    bad = (word_tags < -1) | (word_tags >= len(tags))
    if bad.any():
        raise ValueError(f"tag id {int(word_tags[bad][0])} outside 0..{len(tags) - 1}")
    lab = label_of[word_tags]  # -1 (untagged) indexes the trailing -1 entry
    beg = begins[word_tags]
    untagged = np.flatnonzero(word_tags < 0)
    if len(untagged):
        lab, beg = _fill_untagged(text, words, word_tags, lab, beg, untagged)
    prev = np.concatenate([[-1], lab[:-1]])
    start = (lab >= 0) & (beg | (lab != prev))
    nxt_lab = np.concatenate([lab[1:], [-1]])
    nxt_beg = np.concatenate([beg[1:], [True]])
    end = (lab >= 0) & ((nxt_lab != lab) | nxt_beg)
    first, last = np.flatnonzero(start), np.flatnonzero(end)
    inside = lab >= 0  # every labelled word belongs to the span opened last
    sid = np.cumsum(start)[inside] - 1
    tagged = (word_tags >= 0)[inside]
    p = np.nan_to_num(np.asarray(word_probs, dtype=np.float64)[inside])
    sums = np.bincount(sid, weights=np.where(tagged, p, 0.0), minlength=len(first))
    counts = np.bincount(sid, weights=tagged, minlength=len(first))
    out = []
    for a, b, lb, s, c in zip(first, last, lab[first], sums, counts):
        out.append(Span(int(words[a, 0]), int(words[b, 1]), labels[lb], float(s / c) if c else None))
    return out


def _fill_untagged(text: str, words: np.ndarray, word_tags: np.ndarray, lab: np.ndarray,
                   beg: np.ndarray, untagged: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lab, beg = lab.copy(), beg.copy()
    tagged = word_tags >= 0
    idx = np.arange(len(word_tags))
    prev_t = np.maximum.accumulate(np.where(tagged, idx, -1))
    nxt_t = np.minimum.accumulate(np.where(tagged, idx, len(idx))[::-1])[::-1]
    for i in untagged:
        j, k = prev_t[i], nxt_t[i]
        if j < 0 or lab[j] < 0:
            continue
        goes_on = k < len(idx) and lab[k] == lab[j] and not beg[k]
        if goes_on or text[words[i, 0]].isalnum() or _closes_bracket(text, words, lab, beg, j, i):
            lab[i], beg[i] = lab[j], False
    return lab, beg


_OPENER = {")": "(", "]": "[", "}": "{"}


def _closes_bracket(text: str, words: np.ndarray, lab: np.ndarray, beg: np.ndarray, j: int, i: int) -> bool:
    """True when word ``i`` is a bracket closing one opened inside the span ending at word ``j``.

    A piece such as ``24)`` hides the ``)`` of ``Kamis (17/10/2024)``; the
    span keeps it because it holds the matching ``(``.
    """
    close = text[words[i, 0]]
    if close not in _OPENER:
        return False
    s = j
    while s > 0 and lab[s - 1] == lab[j] and not beg[s]:
        s -= 1
    inner = text[words[s, 0] : words[i, 0]]
    return inner.count(_OPENER[close]) > inner.count(close)


def decode(text: str, offsets: np.ndarray, spans: Sequence[tuple[int, int]],
           tag_ids: Sequence[np.ndarray], probs: Sequence[np.ndarray],
           tags: Sequence[str]) -> list[Span]:
    """Decode one document: window predictions over its content tokens → spans.

    Args:
        text: The document text.
        offsets: ``(T, 2)`` character offsets of its content tokens (no specials).
        spans: Token ranges of the windows.
        tag_ids: Per window, predicted tag ids of its content tokens.
        probs: Per window, their probabilities.
        tags: Tag names in id order.

    >>> text = "ke Kursk."
    >>> off = np.array([[0, 2], [3, 8], [8, 9]])
    >>> decode(text, off, [(0, 3)], [np.array([0, 1, 2])], [np.ones(3)], ["O", "B-LOC", "I-LOC"])
    [Span(start=3, end=9, label='LOC', score=1.0)]
    """
    words = word_bounds(text)
    wid = first_subword_words(np.asarray(offsets, dtype=np.int64).reshape(-1, 2), words)
    word_tags, word_probs = merge_windows(wid, spans, tag_ids, probs, len(words))
    return bio_spans(text, words, word_tags, word_probs, tags)


_SNAP_MARGIN = 80  # characters read on each side of a TROOPS span


def snap_troops(text: str, spans: Sequence[Span], lang: str | None = "id") -> list[Span]:
    """Snap TROOPS spans to the quantity phrase they overlap (schema boundaries).

    ``ANNOTATION.md`` defines a TROOPS span as qualifier + number +
    multiplier, which is exactly a phrase of
    :func:`nkclaims.quantity.find_quantities`. A tagger that finds the number
    but drops or splits its qualifier (``sekitar`` | ``14.000``) gets the
    whole phrase; TROOPS spans overlapping one phrase merge into it. A snap
    that would overlap another span is not made, and other spans are untouched.

    >>> text = "mengirim sekitar 14.000 pasukan"
    >>> [text[s.start:s.end] for s in snap_troops(text, [Span(17, 23, "TROOPS")])]
    ['sekitar 14.000']
    """
    from nkclaims.quantity import find_quantities

    troops = [s for s in spans if s.label == "TROOPS"]
    if not troops:
        return list(spans)
    # read only around each TROOPS span: a quantity phrase is short, and a whole
    # megabyte per document would make this the slowest step of a GPU run
    phrases: set[tuple[int, int]] = set()
    for s in troops:
        lo, hi = max(0, s.start - _SNAP_MARGIN), min(len(text), s.end + _SNAP_MARGIN)
        phrases.update((lo + a, lo + b) for a, b, _ in find_quantities(text[lo:hi], lang)
                       if lo + a < s.end and s.start < lo + b)
    phrases = sorted(phrases)
    starts = np.array([a for a, _ in phrases], dtype=np.int64)
    out = [s for s in spans if s.label != "TROOPS"]
    merged: dict[tuple[int, int], list[Span]] = {}
    for s in troops:
        k = int(np.searchsorted(starts, s.end, side="left")) - 1  # last phrase starting before the span ends
        if k >= 0 and phrases[k][1] > s.start:
            merged.setdefault(phrases[k], []).append(s)
        else:
            out.append(s)
    for (a, b), group in merged.items():
        a, b = min(a, group[0].start), max(b, group[-1].end)
        clash = any(o.start < b and a < o.end for o in out)
        scores = [g.score for g in group if g.score is not None]
        out += group if clash else [Span(a, b, "TROOPS", sum(scores) / len(scores) if scores else None)]
    return sorted(out, key=lambda s: s.start)
