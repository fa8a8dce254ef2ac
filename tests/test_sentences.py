"""Sentence splitting: boundaries on made-up id/ms/en news text, offsets invariants, speed."""
from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nkclaims.sentences import split_sentences


def _sents(text: str) -> list[str]:
    return [text[a:b] for a, b in split_sentences(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # dateline stays with its sentence
        ("MOSKOW, BERITA.COM - Sebanyak 40 tentara tiba. Mereka lelah.",
         ["MOSKOW, BERITA.COM - Sebanyak 40 tentara tiba.", "Mereka lelah."]),
        # date in parentheses before the period
        ("Pasukan tiba Senin (4/11/2024). Mereka lalu bergerak.",
         ["Pasukan tiba Senin (4/11/2024).", "Mereka lalu bergerak."]),
        # grouped and decimal numbers
        ("Ada 12.500 tentara dan 1,5 juta warga di sana. Semua aman.",
         ["Ada 12.500 tentara dan 1,5 juta warga di sana.", "Semua aman."]),
        ("About 10,000 troops and 2.5 million people. Nobody left.",
         ["About 10,000 troops and 2.5 million people.", "Nobody left."]),
        # title, address and reference abbreviations
        ("Prof. Andi dan Dr. Sari tinggal di Jl. Merdeka No. 5 di Bandung. Keduanya setuju.",
         ["Prof. Andi dan Dr. Sari tinggal di Jl. Merdeka No. 5 di Bandung.", "Keduanya setuju."]),
        ("Mr. Lee met U.S. officials. Then he left.", ["Mr. Lee met U.S. officials.", "Then he left."]),
        ("The colonel, a.k.a. Bear, spoke. He was brief.", ["The colonel, a.k.a. Bear, spoke.", "He was brief."]),
        # initials
        ("Pegawai J. Smith datang. Ia membawa surat.", ["Pegawai J. Smith datang.", "Ia membawa surat."]),
        # list abbreviations inside a sentence
        ("Senjata, amunisi, dll. dikirim ke sana. Truk, jip, dsb. juga.",
         ["Senjata, amunisi, dll. dikirim ke sana.", "Truk, jip, dsb. juga."]),
        # closing quote belongs to the sentence it closes
        ("“Kami siap,” kata dia. “Mereka datang.” Lalu hening.",
         ["“Kami siap,” kata dia.", "“Mereka datang.”", "Lalu hening."]),
        ("“Itu benar.” kata Budi. Rakyat diam.", ["“Itu benar.” kata Budi.", "Rakyat diam."]),
        # question and exclamation marks
        ("Berapa tentara dikirim? Tidak ada yang tahu! Askar tiba.",
         ["Berapa tentara dikirim?", "Tidak ada yang tahu!", "Askar tiba."]),
        ("“Mereka datang!” kata Budi kepada wartawan.", ["“Mereka datang!” kata Budi kepada wartawan."]),
        # ellipses
        ("Dia menunggu… Lalu pasukan tiba.", ["Dia menunggu…", "Lalu pasukan tiba."]),
        ("Unit pertama… [telah] diserang. Sudah.", ["Unit pertama… [telah] diserang.", "Sudah."]),
        ("Wait... then go.", ["Wait... then go."]),
        # headlines and blank lines
        ("Askar Tiba di Sempadan\n\nSeramai 300 askar tiba semalam.",
         ["Askar Tiba di Sempadan", "Seramai 300 askar tiba semalam."]),
        ("Judul Tanpa Titik\nIsi berita dimulai di sini.", ["Judul Tanpa Titik", "Isi berita dimulai di sini."]),
        ("kalimat tanpa titik\n\nlalu yang lain", ["kalimat tanpa titik", "lalu yang lain"]),
        # hard-wrapped prose keeps going across a single newline
        ("Sekitar 3.000 tentara\ntiba di perbatasan,\nMereka lelah.",
         ["Sekitar 3.000 tentara\ntiba di perbatasan,\nMereka lelah."]),
        ("", []),
        ("  \n\n  ", []),
    ],
)
def test_sentences_boundaries(text: str, expected: list[str]) -> None:
    assert _sents(text) == expected


def test_sentences_offsets_are_on_original_text() -> None:
    text = "  Menurut Budi, 500 tentara tiba.\n\n“Ya,” katanya.  "
    spans = split_sentences(text)
    assert spans == [(2, 33), (35, 49)]
    assert text[35:49] == "“Ya,” katanya."


def test_sentences_rejects_non_text() -> None:
    with pytest.raises(TypeError, match="needs a str"):
        split_sentences(b"bytes")  # type: ignore[arg-type]


_ALPHABET = st.sampled_from(list("aZ .!?…”“\"'\n\t,()[]0123456789") + ["Dr.", "U.S.", "dll.", " J. ", "\n\n"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_ALPHABET, max_size=60).map("".join))
def test_sentences_ranges_invariants(text: str) -> None:
    spans = split_sentences(text)
    covered = set()
    prev_end = 0
    for a, b in spans:
        assert prev_end <= a < b <= len(text)
        assert not text[a].isspace() and not text[b - 1].isspace()
        covered.update(range(a, b))
        prev_end = b
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())


@pytest.mark.slow
def test_sentences_linear_time_on_one_megabyte() -> None:
    unit = "Menurut Dr. Budi, sekitar 11.000 tentara tiba di Kursk, Rabu (23/10/2024). “Ya,” katanya.\n"
    small, big = unit * 1000, unit * 11000  # ~90 KB and ~1 MB
    t0 = time.perf_counter()
    split_sentences(small)
    t_small = time.perf_counter() - t0
    t0 = time.perf_counter()
    assert len(split_sentences(big)) == 22000
    t_big = time.perf_counter() - t0
    assert t_big < 5.0 and t_big < 30 * max(t_small, 1e-3)


@pytest.mark.slow  # a timing check: behind the marker, so a loaded machine cannot fail the suite
@pytest.mark.parametrize("text", ["a." * 200_000, " ." * 200_000, "x" * 400_000 + ". A"])
def test_sentences_pathological_input_is_fast(text: str) -> None:
    t0 = time.perf_counter()
    split_sentences(text)
    assert time.perf_counter() - t0 < 2.0
