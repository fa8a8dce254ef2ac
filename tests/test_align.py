from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, strategies as st

from nkclaims.align import IGNORE, first_subword_words, span_word_tags, token_labels, windows, word_bounds
from nkclaims.schema import Span

IDS = {"O": 0, "B-LOC": 1, "I-LOC": 2, "B-SRC": 3, "I-SRC": 4}


@pytest.mark.parametrize("text,words", [
    ("Budanov, 11.000", ["Budanov", ",", "11.000"]),
    ("Rabu (23/10/2024).", ["Rabu", "(", "23/10/2024", ")", "."]),
    ("Kim Jong-un’s", ["Kim", "Jong-un’s"]),
    ("“Mereka datang,” kata", ["“", "Mereka", "datang", ",", "”", "kata"]),
    ("", []),
    ("  \n\t ", []),
])
def test_align_word_bounds(text, words):
    assert [text[s:e] for s, e in word_bounds(text)] == words


@pytest.mark.parametrize("offsets,expected", [
    # clean offsets (our converted tokenizer)
    ([[0, 0], [0, 4], [4, 7], [7, 8], [9, 15], [0, 0]], [-1, 0, -1, 1, 2, -1]),
    # bare Metaspace offsets include the space before a word
    ([[0, 0], [0, 7], [7, 8], [8, 15], [0, 0]], [-1, 0, 1, 2, -1]),
    # a piece glued over the comma claims only the name; the comma has no first subword
    ([[0, 0], [0, 8], [8, 15], [0, 0]], [-1, 0, 2, -1]),
    # a lone space piece starts no word
    ([[0, 0], [0, 7], [7, 8], [8, 9], [9, 15], [0, 0]], [-1, 0, 1, -1, 2, -1]),
])
def test_align_first_subword_words(offsets, expected):
    words = word_bounds("Budanov, 11.000")
    assert first_subword_words(np.array(offsets), words).tolist() == expected


@pytest.mark.parametrize("spans,expected", [
    ([Span(11, 23, "LOC")], [0, 0, 1, 2]),
    ([Span(0, 2, "SRC"), Span(18, 23, "LOC")], [3, 0, 0, 1]),
    ([Span(0, 23, "TROOPS")], [0, 0, 0, 0]),  # unknown label: untagged
    ([], [0, 0, 0, 0]),
])
def test_align_span_word_tags(spans, expected):
    assert span_word_tags(word_bounds("di wilayah Oblast Kursk"), spans, IDS).tolist() == expected


def test_align_token_labels_ignore_specials_and_inner_pieces():
    words = word_bounds("ke Kursk")
    off = np.array([[0, 0], [0, 2], [3, 6], [6, 8], [0, 0]])
    assert token_labels(off, words, np.array([0, 1])).tolist() == [IGNORE, 0, 1, IGNORE, IGNORE]


@given(st.integers(0, 400), st.integers(2, 64), st.data())
def test_align_windows_cover_all_tokens_in_order(n, max_tokens, data):
    stride = data.draw(st.integers(0, max_tokens - 1))
    breaks = np.array(sorted(data.draw(st.sets(st.integers(0, max(n - 1, 0)), max_size=30))), dtype=np.int64)
    ws = windows(n, max_tokens, stride, breaks if len(breaks) else None)
    assert ws[0][0] == 0 and ws[-1][1] == n
    assert all(0 < e - s <= max_tokens or n == 0 for s, e in ws)
    for (s0, e0), (s1, e1) in zip(ws, ws[1:]):
        assert s0 < s1 <= e0 < e1  # progress, no gap


@pytest.mark.parametrize("max_tokens,stride", [(0, 0), (4, 4), (4, -1)])
def test_align_windows_reject_bad_arguments(max_tokens, stride):
    with pytest.raises(ValueError, match="stride"):
        windows(10, max_tokens, stride)
