"""Tests for the word lists and gazetteer that the rule tagger and claim assembly share."""
from __future__ import annotations

import pytest

from nkclaims import lexicon


@pytest.mark.parametrize(
    ("name", "members"),
    [
        ("TROOP_NOUNS", {"tentara", "prajurit", "pasukan", "bala bantuan", "troops", "askar", "anggota tentera"}),
        ("PRONOUNS", {"dia", "ia", "mereka", "he", "they"}),
        ("DETERMINERS", {"para", "seorang", "tersebut", "itu"}),
        ("PLACE_HEADS", {"wilayah", "kota", "daerah", "desa", "provinsi", "region", "city"}),
        ("ORGANISATIONS", {"KCNA", "Yonhap", "Newsweek", "Kyiv Independent", "NATO"}),
    ],
)
def test_lexicon_word_lists(name: str, members: set[str]) -> None:
    assert members <= getattr(lexicon, name)


@pytest.mark.parametrize(
    ("lang", "kind", "members"),
    [
        ("id", "pre", {"menurut", "dilansir dari", "seperti dikutip oleh", "mengutip", "dikutip"}),
        ("id", "post", {"kata", "ujar", "ucap", "tutur"}),
        ("id", "verb", {"mengatakan", "mengonfirmasi", "mengkonfirmasi", "membantah", "menyatakan"}),
        ("id", "passive", {"dilaporkan", "dikabarkan", "disebut"}),
        ("id", "nya", {"katanya", "menurutnya", "tambahnya", "ujarnya"}),
        ("en", "verb", {"said", "told", "reported", "estimated"}),
        ("en", "pre", {"according to"}),
        ("ms", "pre", {"menurut", "dipetik"}),
    ],
)
def test_lexicon_cues(lang: str, kind: str, members: set[str]) -> None:
    assert members <= lexicon.CUES[lang][kind]


def test_lexicon_cues_exclude_auxiliaries() -> None:
    cues = {w for kinds in lexicon.CUES.values() for ws in kinds.values() for w in ws}
    assert not {"telah", "juga", "has", "also"} & cues


@pytest.mark.parametrize(
    ("name", "canonical"),
    [("Kiev", "Kyiv"), ("KYIV", "Kyiv"), ("Oblast Kursk", "Kursk"), ("Kursk Oblast", "Kursk"),
     ("Timur Jauh Rusia", "Timur Jauh Rusia"), ("Korut", "North Korea"), ("Korsel", "South Korea"),
     ("Amerika Serikat", "United States"), ("Tiongkok", "China"), ("Zaporizhzhia", "Zaporizhzhia"),
     ("AS", "United States"), ("Pyongyang", "Pyongyang")],
)
def test_lexicon_gazetteer_names(name: str, canonical: str) -> None:
    assert lexicon.find_place(name).canonical == canonical


@pytest.mark.parametrize("word", ["lima", "as", "medan", "sana", "vladimir", "baku"])
def test_lexicon_gazetteer_skips_ordinary_words(word: str) -> None:
    assert lexicon.find_place(word) is None


def test_lexicon_gazetteer_size_and_kinds() -> None:
    kinds = {p.kind for p in lexicon.GAZETTEER}
    assert len(lexicon.GAZETTEER) >= 300
    assert {"country", "city", "ru-oblast", "ua-oblast", "kr-place"} <= kinds


def test_lexicon_bad_lang_and_section() -> None:
    with pytest.raises(ValueError, match="unsupported lang 'fr'"):
        lexicon.cue_lexicon("fr")
    with pytest.raises(KeyError, match="no word list 'nope'"):
        lexicon.words("nope")
