"""Corpus names mapped onto our roles: speakers, locative places, dropped names, rule spans."""
from __future__ import annotations

import pytest

from nkclaims.data.corpora import KINDS, corpora_root, load_bppt, load_idner, map_roles
from nkclaims.schema import Document, Span

ROLES = {"P": "place", "H": "person", "G": "org", "X": None}


def _doc(text: str, *ents: tuple[str, str]) -> Document:
    spans, pos = [], 0
    for surface, label in ents:
        start = text.index(surface, pos)
        spans.append(Span(start, start + len(surface), label))
        pos = start + len(surface)
    return Document("t", text, "id", tuple(spans), None)


@pytest.mark.parametrize(
    "text, ents, expected",
    [
        # a place speaking is a SRC, not a LOC
        ("Rusia mengatakan pasukan tiba di Kursk .", [("Rusia", "P"), ("Kursk", "P")],
         [("SRC", "Rusia"), ("CUE", "mengatakan"), ("LOC", "Kursk")]),
        ("menurut Seoul , tentara berada di Rusia .", [("Seoul", "P"), ("Rusia", "P")],
         [("CUE", "menurut"), ("SRC", "Seoul"), ("LOC", "Rusia")]),
        # a person not speaking is dropped; a speaking one (titles skipped) is a SRC
        ("pernyataan tegas Budi mengejutkan .", [("Budi", "H")], []),
        ("Budi bertemu Ani di Jakarta , kata Menteri Pertahanan Agus Santoso .",
         [("Budi", "H"), ("Ani", "H"), ("Jakarta", "P"), ("Agus Santoso", "H")],
         [("LOC", "Jakarta"), ("CUE", "kata"), ("SRC", "Agus Santoso")]),
        # a place inside a title is neither; adverbs between speaker and verb are skipped
        ("Menteri Pertahanan Ukraina Rustem Umerov juga mengatakan hal itu .",
         [("Ukraina", "P"), ("Rustem Umerov", "H")], [("SRC", "Rustem Umerov"), ("CUE", "mengatakan")]),
        # an organisation speaker keeps its describing head nouns; a place as modifier is dropped
        ("kantor berita rusia mengatakan pemerintah moldova marah .", [("rusia", "P"), ("moldova", "P")],
         [("SRC", "kantor berita rusia"), ("CUE", "mengatakan")]),
        # lists share the locative use; an unused label is dropped
        ("pasukan tiba di Kursk dan Bryansk saat Natal .", [("Kursk", "P"), ("Bryansk", "P"), ("Natal", "X")],
         [("LOC", "Kursk"), ("LOC", "Bryansk")]),
        # a dateline place opens the sentence
        ("JAKARTA , KOMPAS.com - Hujan turun .", [("JAKARTA", "P"), ("KOMPAS.com", "G")], [("LOC", "JAKARTA")]),
    ],
)
def test_corpora_map_roles(text, ents, expected):
    assert map_roles(_doc(text, *ents), ROLES).surfaces() == expected


def test_corpora_rule_spans_do_not_overlap_mapped_ones():
    doc = _doc("Menurut Budanov , sekitar 11.000 prajurit tiba di Kursk pada Rabu ( 23/10/2024 ) .",
               ("Budanov", "H"), ("Kursk", "P"))
    out = map_roles(doc, ROLES)
    assert ("TROOPS", "sekitar 11.000") in out.surfaces() and ("SRC", "Budanov") in out.surfaces()
    assert all(a.end <= b.start for a, b in zip(out.spans, out.spans[1:]))
    assert map_roles(doc, ROLES, rules=False).surfaces() == [("SRC", "Budanov"), ("LOC", "Kursk")]


def test_corpora_unknown_label_is_a_clear_error():
    with pytest.raises(ValueError, match="'Q' has no role mapping"):
        map_roles(_doc("Budi datang", ("Budi", "Q")), ROLES)


def test_corpora_every_corpus_label_has_a_role():
    assert {k for m in KINDS.values() for k in m} >= {"PERSON", "PLACE", "ORGANISATION", "PPL", "PLC", "PER", "LOC"}


@pytest.fixture(scope="module")
def root():
    r = corpora_root()
    if not (r / "idner-news-2k" / "dev.txt").is_file():
        pytest.skip("shared corpora not present")
    return r


def test_corpora_idner_dev_maps_to_our_labels(root):
    docs = load_idner("dev", root=root)
    assert len(docs) == 367 and all(d.meta["source"] == "idner" for d in docs)
    labels = {s.label for d in docs for s in d.spans}
    assert labels <= {"TROOPS", "LOC", "SRC", "CUE", "DATE"} and {"SRC", "LOC", "CUE"} <= labels
    with_src = [d for d in docs if any(s.label == "SRC" for s in d.spans)]
    with_cue = [d for d in with_src if any(s.label == "CUE" for s in d.spans)]
    assert len(with_cue) >= 0.95 * len(with_src)  # a source is found only beside a cue


def test_corpora_bppt_is_weakly_labelled_and_sampled(root):
    docs = load_bppt(30, root=root, seed=1)
    assert len(docs) == 30 and all(d.meta["source"] == "bppt" for d in docs)
    assert all(any(s.label in ("CUE", "TROOPS", "LOC") for s in d.spans) for d in docs)
    assert [d.id for d in load_bppt(30, root=root, seed=1)] == [d.id for d in docs]


def test_corpora_missing_root_is_clear(tmp_path):
    with pytest.raises(FileNotFoundError, match="NKCLAIMS_CORPORA"):
        load_idner("dev", root=tmp_path)
    with pytest.raises(ValueError, match="unknown split"):
        load_idner("valid", root=tmp_path)
