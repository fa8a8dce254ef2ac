from __future__ import annotations

import json
from dataclasses import replace

import pytest

from nkclaims.evaluate import PRF, EvaluationError, Report, evaluate
from nkclaims.io import read_annotations
from nkclaims.schema import LABELS, Claim, Document, Span

TEXT = "Menurut Budanov, sekitar 11.000 prajurit berada di wilayah Kursk."
TROOPS = Span(17, 31, "TROOPS")  # "sekitar 11.000"
SRC = Span(8, 15, "SRC")  # "Budanov"
CUE = Span(0, 7, "CUE")  # "Menurut"
LOC = Span(59, 64, "LOC")  # "Kursk"
GOLD_SPANS = (CUE, SRC, TROOPS, LOC)
GOLD_CLAIM = Claim(2, 11000, 11000, 11000, True, "prajurit", source=1, cue=0, locations=(3,))


def doc(spans=GOLD_SPANS, claims=(GOLD_CLAIM,), doc_id="a", text=TEXT) -> Document:
    return Document(doc_id, text, "id", tuple(spans), tuple(claims))


def test_evaluate_fixture_offsets_are_right():
    assert [s.surface(TEXT) for s in GOLD_SPANS] == ["Menurut", "Budanov", "sekitar 11.000", "Kursk"]


# (pred document, strict ALL (tp, fp, fn), overlap ALL (tp, fp, fn), claims (tp, fp, fn))
CASES = {
    "perfect": (doc(), (4, 0, 0), (4, 0, 0), (1, 0, 0)),
    "empty pred": (doc(spans=(), claims=()), (0, 0, 4), (0, 0, 4), (0, 0, 1)),
    "partial overlap": (
        # "11.000" without its qualifier, "Kurs" for "Kursk": overlap only.
        doc(spans=(CUE, SRC, Span(25, 31, "TROOPS"), Span(59, 63, "LOC")),
            claims=(replace(GOLD_CLAIM),)),
        (2, 2, 2), (4, 0, 0), (1, 0, 0)),
    "wrong label": (
        # Kursk tagged as SRC: a false positive for SRC and a miss for LOC.
        doc(spans=(CUE, SRC, TROOPS, Span(59, 64, "SRC")), claims=()),
        (3, 1, 1), (3, 1, 1), (0, 0, 1)),
    "wrong value": (doc(claims=(replace(GOLD_CLAIM, value=1100),)), (4, 0, 0), (4, 0, 0), (0, 1, 1)),
    "claim without source when gold has one": (
        doc(claims=(replace(GOLD_CLAIM, source=None, cue=None),)), (4, 0, 0), (4, 0, 0), (0, 1, 1)),
    "claim with source pointing elsewhere": (
        doc(claims=(replace(GOLD_CLAIM, source=3),)), (4, 0, 0), (4, 0, 0), (0, 1, 1)),
    "claim without location when gold has one": (
        doc(claims=(replace(GOLD_CLAIM, locations=()),)), (4, 0, 0), (4, 0, 0), (0, 1, 1)),
    "duplicate predicted claim matches once": (
        doc(claims=(GOLD_CLAIM, GOLD_CLAIM)), (4, 0, 0), (4, 0, 0), (1, 1, 0)),
}


@pytest.mark.parametrize("pred, strict, overlap, claims", CASES.values(), ids=CASES.keys())
def test_evaluate_hand_computed(pred, strict, overlap, claims):
    r = evaluate([doc()], [pred])
    s, o, c = r.strict["ALL"], r.overlap["ALL"], r.claims
    assert (s.tp, s.fp, s.fn) == strict
    assert (o.tp, o.fp, o.fn) == overlap
    assert (c.tp, c.fp, c.fn) == claims


def test_evaluate_per_label_partial_overlap():
    pred = CASES["partial overlap"][0]
    r = evaluate([doc()], [pred])
    assert r.strict["TROOPS"] == PRF(0, 1, 1)
    assert r.overlap["TROOPS"] == PRF(1, 0, 0)
    assert r.strict["CUE"] == PRF(1, 0, 0)
    assert r.strict["DATE"] == PRF(0, 0, 0)
    assert r.strict["ALL"].f1 == 0.5


@pytest.mark.parametrize("gold_claim, pred_claim, matched", [
    # gold has no source: any predicted source (or none) is fine
    (replace(GOLD_CLAIM, source=None, cue=None), replace(GOLD_CLAIM, source=None), True),
    (replace(GOLD_CLAIM, source=None, cue=None), GOLD_CLAIM, True),
    # gold has no location: predicted locations do not matter
    (replace(GOLD_CLAIM, locations=()), GOLD_CLAIM, True),
    (replace(GOLD_CLAIM, locations=()), replace(GOLD_CLAIM, locations=()), True),
    # gold has source and location: both must overlap
    (GOLD_CLAIM, replace(GOLD_CLAIM, locations=(1,)), False),
])
def test_evaluate_claim_source_rule(gold_claim, pred_claim, matched):
    r = evaluate([doc(claims=(gold_claim,))], [doc(claims=(pred_claim,))])
    assert r.claims == (PRF(1, 0, 0) if matched else PRF(0, 1, 1))


def test_evaluate_claim_source_matches_by_overlap_not_index():
    # The pred lists spans in another order and with a longer source span.
    pred_spans = (TROOPS, Span(8, 16, "SRC"), LOC, CUE)
    pred_claim = Claim(0, 11000, 11000, 11000, True, source=1, cue=3, locations=(2,))
    r = evaluate([doc()], [doc(spans=pred_spans, claims=(pred_claim,))])
    assert r.claims == PRF(1, 0, 0)


def test_evaluate_overlap_is_one_to_one():
    gold = doc(spans=(Span(0, 15, "SRC"),), claims=())
    pred = doc(spans=(Span(0, 7, "SRC"), Span(8, 15, "SRC")), claims=())
    r = evaluate([gold], [pred])
    assert r.overlap["SRC"] == PRF(1, 1, 0)


def test_evaluate_micro_average_sums_labels():
    r = evaluate([doc(), doc(doc_id="b")], [doc(), doc(doc_id="b", spans=(), claims=())])
    assert r.documents == 2
    assert r.strict["ALL"] == PRF(4, 0, 4)
    assert r.strict["ALL"].precision == 1.0 and r.strict["ALL"].recall == 0.5
    assert set(r.strict) == {*LABELS, "ALL"}


def test_evaluate_matches_documents_by_id_not_order():
    r = evaluate([doc(doc_id="a"), doc(doc_id="b", claims=())],
                 [doc(doc_id="b", claims=()), doc(doc_id="a")])
    assert r.claims == PRF(1, 0, 0)


def test_evaluate_spans_only_files_count_as_no_claims():
    r = evaluate([doc()], [replace(doc(), claims=None)])
    assert r.claims == PRF(0, 0, 1)


@pytest.mark.parametrize("gold, pred, message", [
    ([doc()], [doc(doc_id="b")], "missing from pred: 'a'; not in gold: 'b'"),
    ([doc()], [doc(), doc()], "pred: document id 'a' appears more than once"),
    ([doc()], [doc(text=TEXT + " ")], "pred text differs from gold text (first difference at character 65)"),
    ([doc()], [doc(spans=(Span(60, 99, "LOC"),), claims=())], "span 0 [60, 99) is empty or outside"),
    ([doc()], [doc(claims=(replace(GOLD_CLAIM, source=7),))], "claim 0 points at span 7"),
])
def test_evaluate_errors_name_the_problem(gold, pred, message):
    with pytest.raises(EvaluationError) as exc:
        evaluate(gold, pred)
    assert message in str(exc.value)


def test_evaluate_report_to_dict_and_table():
    r = evaluate([doc()], [CASES["partial overlap"][0]])
    d = json.loads(json.dumps(r.to_dict()))
    assert d["spans_strict"]["TROOPS"] == {"tp": 0, "fp": 1, "fn": 1, "precision": 0.0,
                                           "recall": 0.0, "f1": 0.0}
    assert d["claims"]["f1"] == 1.0
    lines = r.table().splitlines()
    assert lines[0] == "documents: 1"
    assert len(lines) == 2 + 2 * (len(LABELS) + 1) + 1
    # every row has its f1 column ending at the same place
    assert len({len(line) for line in lines[1:]}) == 1


def test_evaluate_report_is_frozen():
    with pytest.raises(AttributeError):
        Report(0).documents = 1  # type: ignore[misc]


def test_evaluate_seeds_gold_against_itself(seeds_gold_path):
    gold = read_annotations(str(seeds_gold_path))
    r = evaluate(gold, gold)
    n_spans = sum(len(d.spans) for d in gold)
    n_claims = sum(len(d.claims or ()) for d in gold)
    assert r.strict["ALL"] == PRF(n_spans, 0, 0)
    assert r.claims == PRF(n_claims, 0, 0)
