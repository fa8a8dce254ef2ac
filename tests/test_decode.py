"""Decoding on hand-made logits: BIO rules, window merging, word alignment."""
from __future__ import annotations

import numpy as np
import pytest

from nkclaims.align import word_bounds
from nkclaims.decode import bio_spans, decode, merge_windows, softmax_max
from nkclaims.schema import Span

TAGS = ["O", "B-LOC", "I-LOC", "B-SRC", "I-SRC"]
T = {t: i for i, t in enumerate(TAGS)}


def _logits(names: list[str], margin: float = 4.0) -> np.ndarray:
    out = np.zeros((len(names), len(TAGS)), dtype=np.float32)
    out[np.arange(len(names)), [T[n] for n in names]] = margin
    return out


def _word_offsets(text: str) -> np.ndarray:
    """One token per word: every word has its own first subword."""
    return word_bounds(text)


def _spans(text: str, names: list[str]) -> list[tuple[str, str]]:
    ids, probs = softmax_max(_logits(names))
    spans = decode(text, _word_offsets(text), [(0, len(names))], [ids], [probs], TAGS)
    return [(s.label, s.surface(text)) for s in spans]


@pytest.mark.parametrize("text, names, expected", [
    ("di Oblast Kursk kemarin", ["O", "B-LOC", "I-LOC", "O"], [("LOC", "Oblast Kursk")]),
    # an orphan I- starts a span
    ("di Oblast Kursk kemarin", ["O", "I-LOC", "I-LOC", "O"], [("LOC", "Oblast Kursk")]),
    # B after B of the same label: two spans
    ("Kursk Belgorod", ["B-LOC", "B-LOC"], [("LOC", "Kursk"), ("LOC", "Belgorod")]),
    # label change mid-run: two spans, the I- one orphaned
    ("Budanov Kursk", ["B-SRC", "I-LOC"], [("SRC", "Budanov"), ("LOC", "Kursk")]),
    # span running to the end of the text
    ("menurut Kyrilo Budanov", ["O", "B-SRC", "I-SRC"], [("SRC", "Kyrilo Budanov")]),
    ("tidak ada", ["O", "O"], []),
])
def test_decode_bio_rules(text: str, names: list[str], expected: list[tuple[str, str]]) -> None:
    assert _spans(text, names) == expected


def test_decode_punctuation_not_glued() -> None:
    # "Budanov," is two words; the comma tagged O stays outside the span
    text = "Menurut Budanov, sekitar"
    assert _spans(text, ["O", "B-SRC", "O", "O"]) == [("SRC", "Budanov")]


def test_decode_untagged_punctuation_stays_out() -> None:
    # the comma shares the piece "nov," so it has no first subword of its own
    text = "Menurut Budanov, sekitar"
    off = np.array([[0, 7], [8, 12], [12, 16], [17, 24]])  # ▁Menurut ▁Buda nov, ▁sekitar
    ids, probs = softmax_max(_logits(["O", "B-SRC", "I-SRC", "O"]))
    spans = decode(text, off, [(0, 4)], [ids], [probs], TAGS)
    assert [s.surface(text) for s in spans] == ["Budanov"]


def test_decode_untagged_word_glued_to_span_joins_it() -> None:
    # one piece "▁(23/10/2024)" starts at "(": the date and ")" have no first subword
    text = "Rabu (23/10/2024)"
    off = np.array([[0, 4], [5, 17]])
    ids, probs = softmax_max(_logits(["O", "B-LOC"]))
    words = word_bounds(text)
    assert [text[a:b] for a, b in words] == ["Rabu", "(", "23/10/2024", ")"]
    spans = decode(text, off, [(0, 2)], [ids], [probs], TAGS)
    # the alphanumeric word joins the open span, and so does the ")" closing its "("
    assert [s.surface(text) for s in spans] == ["(23/10/2024)"]


def test_decode_untagged_inside_span_is_filled() -> None:
    text = "Timur - Jauh"
    words = word_bounds(text)
    spans = bio_spans(text, words, np.array([1, -1, 2]), np.array([0.9, np.nan, 0.7]), TAGS)
    assert spans == [Span(0, 12, "LOC", pytest.approx(0.8))]


def test_decode_score_is_mean_max_prob() -> None:
    text = "Oblast Kursk"
    logits = np.array([[0.0, 2.0, 0.0, 0.0, 0.0], [0.0, 0.0, 5.0, 0.0, 0.0]])
    ids, probs = softmax_max(logits)
    (span,) = decode(text, _word_offsets(text), [(0, 2)], [ids], [probs], TAGS)
    assert span.score == pytest.approx(float(probs.mean()), rel=1e-5)
    assert probs[0] == pytest.approx(np.exp(2) / (np.exp(2) + 4), rel=1e-5)


def test_decode_merge_prefers_window_far_from_edge() -> None:
    # 6 words, windows [0, 4) and [2, 6): words 2 and 3 are seen twice
    wid = np.arange(6)
    w0 = np.array([T["O"], T["O"], T["B-LOC"], T["B-SRC"]])  # word 3 on w0's right edge
    w1 = np.array([T["B-SRC"], T["I-LOC"], T["O"], T["O"]])  # word 2 on w1's left edge
    tags, _ = merge_windows(wid, [(0, 4), (2, 6)], [w0, w1], [np.ones(4), np.ones(4)], 6)
    assert tags.tolist() == [T["O"], T["O"], T["B-LOC"], T["I-LOC"], T["O"], T["O"]]


def test_decode_merge_document_ends_are_not_edges() -> None:
    # word 0 sits at w0's left edge, but that is the document start: w0 is still fine
    tags, _ = merge_windows(np.arange(3), [(0, 3)], [np.array([1, 2, 0])], [np.ones(3)], 3)
    assert tags.tolist() == [1, 2, 0]


def test_decode_merge_untagged_tokens_and_words() -> None:
    wid = np.array([0, -1, 1, -1])
    tags, probs = merge_windows(wid, [(0, 4)], [np.array([1, 2, 2, 2])], [np.full(4, 0.5)], 3)
    assert tags.tolist() == [1, 2, -1]
    assert np.isnan(probs[2])


def test_decode_spans_are_exact_sorted_disjoint() -> None:
    rng = np.random.default_rng(0)
    text = "Menurut Budanov, sekitar 11.000 prajurit Korea Utara berada di wilayah Kursk (Rusia)."
    words = word_bounds(text)
    for _ in range(50):
        tags = rng.integers(-1, len(TAGS), len(words))
        spans = bio_spans(text, words, tags, rng.random(len(words)), TAGS)
        assert all(a.end <= b.start for a, b in zip(spans, spans[1:]))
        for s in spans:
            surface = text[s.start:s.end]
            assert surface == surface.strip() and surface
            assert s.start in words[:, 0] and s.end in words[:, 1]


@pytest.mark.parametrize("bad, match", [
    (np.array([0, 9]), "tag id 9"),
    (np.array([0]), "1 word tags for 2 words"),
])
def test_decode_bad_tags_raise(bad: np.ndarray, match: str) -> None:
    words = word_bounds("di Kursk")
    with pytest.raises(ValueError, match=match):
        bio_spans("di Kursk", words, bad, np.ones(len(bad)), TAGS)


def test_decode_window_length_mismatch_raises() -> None:
    with pytest.raises(ValueError, match=r"window \[0, 3\) has 2 tags"):
        merge_windows(np.arange(3), [(0, 3)], [np.zeros(2)], [np.zeros(2)], 3)


def test_decode_empty_text() -> None:
    assert decode("", np.zeros((0, 2)), [], [], [], TAGS) == []


@pytest.mark.parametrize("text,word_tags,expected", [
    # `)` hidden in a piece `24)`: kept, since the span holds the `(`
    ("pada Kamis (17/10/2024), kata", [0, 1, 2, -1, -1, 0, 0], "Kamis (17/10/2024)"),
    # a `)` with no `(` in the span stays out
    ("pada Kamis 17/10/2024), kata", [0, 1, 2, -1, 0, 0], "Kamis 17/10/2024"),
])
def test_decode_untagged_closing_bracket(text, word_tags, expected):
    from nkclaims.align import word_bounds
    from nkclaims.decode import bio_spans

    tags = ["O", "B-DATE", "I-DATE"]
    w = word_bounds(text)
    spans = bio_spans(text, w, np.array(word_tags), np.ones(len(w)), tags)
    assert [text[s.start:s.end] for s in spans] == [expected]


@pytest.mark.parametrize("text,spans,expected", [
    ("mengirim sekitar 14.000 pasukan", [(17, 23, "TROOPS")], [("TROOPS", "sekitar 14.000")]),
    # a qualifier and its number split in two spans merge
    ("mengirim sekitar 14.000 pasukan", [(9, 16, "TROOPS"), (17, 23, "TROOPS")], [("TROOPS", "sekitar 14.000")]),
    # no quantity phrase under the span: unchanged
    ("satu unit tentara", [(5, 9, "TROOPS")], [("TROOPS", "unit")]),
    # the snap would swallow another span: unchanged
    ("lebih dari 600.000 tentara", [(0, 5, "CUE"), (11, 18, "TROOPS")], [("CUE", "lebih"), ("TROOPS", "600.000")]),
    # other labels untouched
    ("di Kursk 5 km", [(3, 8, "LOC")], [("LOC", "Kursk")]),
])
def test_decode_snap_troops(text, spans, expected):
    from nkclaims.decode import snap_troops

    out = snap_troops(text, [Span(a, b, lab) for a, b, lab in spans])
    assert [(s.label, text[s.start:s.end]) for s in out] == expected
