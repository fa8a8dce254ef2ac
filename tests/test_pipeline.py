from __future__ import annotations

import sys
import types

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nkclaims.pipeline import default_tagger, extract_with_model, extract_with_rules
from nkclaims.schema import LABELS, Document

WORDS = ("sekitar 11.000 tentara prajurit pasukan menurut kata Budanov Rutte mengatakan "
         "wilayah Kursk Rusia Korea Utara lebih dari 600.000 ribu juta puluhan ribuan hingga "
         "dikutip KCNA Rabu (23/10/2024) 4 November about 10,000 soldiers said troops in Kyiv "
         "lima unit 1,5 12 . , - “ ” ( )").split()
SEPARATORS = (" ", "  ", "\r\n", "\n", "\u00a0", "\t", "\x00", "\u2028", "")


def assert_spans_valid(doc: Document, text: str) -> None:
    assert doc.text == text
    end = 0
    for s in doc.spans:
        assert s.label in LABELS
        assert end <= s.start < s.end <= len(text), s
        surface = text[s.start:s.end]
        assert surface == surface.strip(), (s, surface)
        end = s.end
    for c in doc.claims or ():
        assert doc.spans[c.troops].label == "TROOPS"
        refs = (c.source, c.cue, c.date, c.via, *c.locations)
        assert all(i is None or 0 <= i < len(doc.spans) for i in refs)


texts = st.lists(
    st.tuples(st.one_of(st.sampled_from(WORDS), st.text(max_size=6)), st.sampled_from(SEPARATORS)),
    max_size=40,
).map(lambda parts: "".join(w + sep for w, sep in parts))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts, lang=st.sampled_from(["id", "en", "ms"]))
def test_pipeline_rules_spans_valid_and_disjoint(text, lang):
    [doc] = extract_with_rules([Document("h", text, lang)])
    assert (doc.id, doc.lang) == ("h", lang)
    assert_spans_valid(doc, text)


def test_pipeline_rules_keeps_order_and_ids(sample_text):
    docs = [Document(str(i), t) for i, t in enumerate([sample_text, "", "   ", sample_text])]
    out = list(extract_with_rules(iter(docs)))
    assert [d.id for d in out] == ["0", "1", "2", "3"]
    assert out[0].spans == out[3].spans and out[0].spans
    assert out[1].spans == out[2].spans == () and out[1].claims == ()


def _fake_extractor_module(calls: list) -> types.ModuleType:
    class Fake:
        def extract(self, items, batch_size):
            items = iter(items)
            while True:  # read a whole batch ahead, as a batching model would
                batch = [x for _, x in zip(range(batch_size), items)]
                if not batch:
                    return
                calls.append(len(batch))
                for doc in batch:
                    yield Document("?", doc.text, "?", (), ())

    mod = types.ModuleType("nkclaims.extractor")
    mod.load = lambda model=None, device="auto": Fake()
    mod.default_available = lambda: False
    return mod


def test_pipeline_model_pairs_outputs_with_inputs(monkeypatch):
    calls: list[int] = []
    monkeypatch.setitem(sys.modules, "nkclaims.extractor", _fake_extractor_module(calls))
    docs = [Document(f"d{i}", f"text {i}", "en" if i % 2 else "id") for i in range(7)]
    out = list(extract_with_model(docs, batch_size=3))
    assert [(d.id, d.lang, d.text) for d in out] == [(d.id, d.lang, d.text) for d in docs]
    assert calls == [3, 3, 1]


def test_pipeline_model_text_change_is_an_error(monkeypatch):
    mod = types.ModuleType("nkclaims.extractor")

    class Bad:
        def extract(self, items, batch_size):
            for doc in items:
                yield Document("x", doc.text.strip())

    mod.load = lambda model=None, device="auto": Bad()
    monkeypatch.setitem(sys.modules, "nkclaims.extractor", mod)
    with pytest.raises(ValueError, match="'a': the extractor changed the text"):
        list(extract_with_model([Document("a", " x ")]))


@pytest.mark.parametrize("module, expected", [
    (None, "rules"),  # module absent (None in sys.modules makes the import fail)
    (types.ModuleType("nkclaims.extractor"), "rules"),  # no default_available yet
    (types.SimpleNamespace(default_available=lambda: False), "rules"),
    (types.SimpleNamespace(default_available=lambda: True), "model"),
])
def test_pipeline_default_tagger(monkeypatch, module, expected):
    monkeypatch.setitem(sys.modules, "nkclaims.extractor", module)
    assert default_tagger() == expected
