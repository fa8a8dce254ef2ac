"""The batched engine on a tiny random model: batching, windows, OOM back-off, CPU precisions, streaming."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from nkclaims.align import first_subword_words, word_bounds
from nkclaims.infer import Engine, check_precision, plan_batches, preprocess
from nkclaims.model import TaggerConfig
from nkclaims.schema import Document

SENTENCES = [
    "Menurut Budanov, sekitar 11.000 tentara Korea Utara berada di Kursk.",
    "Pasukan Rusia mengatakan lebih dari 600 prajurit tiba.",
    "The soldiers said about 10,000 troops are in Kursk.",
    "Kata Budanov, ribuan tentara Ukraina mundur dari Kursk pada Rabu (23/10/2024).",
]


def _long_text(n: int = 6) -> str:
    return " ".join(SENTENCES[i % len(SENTENCES)] for i in range(n))


@pytest.fixture(scope="module")
def parts(tiny_model_dir):
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    model = AutoModelForTokenClassification.from_pretrained(str(tiny_model_dir), attn_implementation="sdpa").eval()
    tok = AutoTokenizer.from_pretrained(str(tiny_model_dir))
    tags = tuple(model.config.id2label[i] for i in range(model.config.num_labels))
    # a short window so that every long text is cut into several
    return model, tok, TaggerConfig(tags=tags, max_length=32, stride=8)


@pytest.fixture()
def engine(parts) -> Engine:
    model, tok, cfg = parts
    return Engine(model, tok, cfg, "cpu", token_budget=256)


def _key(spans_per_doc):
    return [[(s.start, s.end, s.label) for s in spans] for spans in spans_per_doc]


def test_infer_batched_equals_one_at_a_time(engine) -> None:
    texts = SENTENCES + [_long_text(7), "", "   ", _long_text(3)]
    batched = engine.tag(texts)
    single = [engine.tag([t], max_batch=1)[0] for t in texts]
    assert _key(batched) == _key(single)
    assert any(batched), "the random model should tag something"
    for b, s in zip(batched, single):
        assert [x.score for x in b] == pytest.approx([x.score for x in s], abs=1e-4)


def test_infer_long_document_windows_equal_pieces(engine) -> None:
    # words of the tiny vocabulary are one token each, so a window's text re-tokenises to the same ids
    words_ = "menurut Budanov sekitar ribu tentara Korea Utara Kursk pasukan Rusia the soldiers said".split()
    text = " ".join(words_[i % len(words_)] + ("." if i % 9 == 8 else "") for i in range(90))
    (enc,) = engine.preprocess([text])
    assert len(enc.windows) > 2
    words = word_bounds(text)
    wid = first_subword_words(enc.offsets, words)
    word_at = {int(a): j for j, (a, _) in enumerate(words)}
    doc_tags = _word_labels(words, engine.tag([text])[0])
    in_windows: dict[int, list[int]] = {}
    piece_tags: dict[int, dict[int, str | None]] = {}
    for k, (s, e) in enumerate(enc.windows):
        a, b = int(enc.offsets[s, 0]), int(enc.offsets[e - 1, 1])
        (piece_enc,) = engine.preprocess([text[a:b]])
        assert piece_enc.ids.tolist() == enc.ids[s:e].tolist()
        pw = word_bounds(text[a:b]) + a
        labels = _word_labels(pw, [replace(sp, start=sp.start + a, end=sp.end + a)
                                   for sp in engine.tag([text[a:b]])[0]])
        piece_tags[k] = {word_at[int(pw[j, 0])]: lab for j, lab in labels.items()}
        for j in wid[s:e][wid[s:e] >= 0]:
            in_windows.setdefault(int(j), []).append(k)
    checked = 0
    for j, ks in in_windows.items():
        if len(ks) == 1:  # a word in one window only is tagged exactly as in that window's text alone
            assert doc_tags.get(j) == piece_tags[ks[0]].get(j), text[words[j, 0]:words[j, 1]]
            checked += 1
        else:  # a word in two windows takes one of their tags
            assert doc_tags.get(j) in {piece_tags[k].get(j) for k in ks}
    assert checked > len(in_windows) // 2 and any(doc_tags.values())


def _word_labels(words: np.ndarray, spans) -> dict[int, str]:
    out = {}
    for sp in spans:
        for j in np.flatnonzero((words[:, 0] >= sp.start) & (words[:, 1] <= sp.end)):
            out[int(j)] = sp.label
    return out


def test_infer_windows_start_at_sentences(engine) -> None:
    # 7 tokens a sentence: a sentence start always falls inside the 8-token overlap
    text = " ".join(["Rusia sekitar ribu tentara pasukan Kursk."] * 12)
    (enc,) = engine.preprocess([text])
    assert len(enc.windows) > 2
    starts = [int(enc.offsets[s, 0]) for s, _ in enc.windows[1:]]
    assert all(text.startswith("Rusia", st) for st in starts)
    for (s0, e0), (s1, e1) in zip(enc.windows, enc.windows[1:]):
        assert s0 < s1 < e0 <= e1 and e1 - s1 <= 30


@pytest.mark.parametrize("lengths, budget, max_batch", [
    ([5, 30, 9, 31], 64, 8), ([100], 64, 8), (list(range(1, 60)), 256, 4), ([], 64, 8),
])
def test_infer_plan_batches_covers_all_within_budget(lengths, budget, max_batch) -> None:
    lengths = np.array(lengths, dtype=np.int64)
    batches = plan_batches(lengths, budget, max_batch)
    assert sorted(np.concatenate(batches).tolist() if batches else []) == list(range(len(lengths)))
    for b in batches:
        padded = -(-int(lengths[b].max()) // 8) * 8
        assert len(b) == 1 or (len(b) * padded <= budget and len(b) <= max_batch)


@pytest.mark.parametrize("error", [
    torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB"),
    RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB"),
])
def test_infer_oom_halves_batch_and_loses_nothing(parts, monkeypatch, error) -> None:
    model, tok, cfg = parts
    texts = SENTENCES * 3 + [_long_text(5)]
    expected = Engine(model, tok, cfg, "cpu", token_budget=4096).tag(texts)
    eng = Engine(model, tok, cfg, "cpu", token_budget=4096)
    real = eng._forward_batch
    sizes = []

    def fake(ids, mask):
        sizes.append(len(ids))
        if len(ids) > 3:
            raise error
        return real(ids, mask)

    monkeypatch.setattr(eng, "_forward_batch", fake)
    assert _key(eng.tag(texts)) == _key(expected)
    assert max(sizes) > 3 and eng.token_budget < 4096


def test_infer_oom_on_single_window_and_other_errors_propagate(parts, monkeypatch) -> None:
    model, tok, cfg = parts
    eng = Engine(model, tok, cfg, "cpu")

    def oom(ids, mask):
        raise torch.cuda.OutOfMemoryError("CUDA out of memory")

    monkeypatch.setattr(eng, "_forward_batch", oom)
    with pytest.raises(torch.cuda.OutOfMemoryError):
        eng.tag(SENTENCES[:1])

    def broken(ids, mask):
        raise RuntimeError("shape mismatch")

    monkeypatch.setattr(eng, "_forward_batch", broken)
    with pytest.raises(RuntimeError, match="shape mismatch"):
        eng.tag(SENTENCES)


def test_infer_stream_keeps_order_and_raises_after_earlier_chunks(engine) -> None:
    def chunks():
        yield "a", SENTENCES[:2]
        yield "b", [_long_text(4), ""]
        raise TypeError("item 4: text must be a str, got int")

    got = []
    with pytest.raises(TypeError, match="item 4"):
        for payload, spans in engine.stream(chunks()):
            got.append((payload, _key(spans)))
    assert got == [("a", _key(engine.tag(SENTENCES[:2]))), ("b", _key(engine.tag([_long_text(4), ""])))]


def test_infer_stream_closed_early_stops_the_worker(engine) -> None:
    import threading

    def chunks():
        for i in range(100):
            yield i, SENTENCES[:1]

    it = engine.stream(chunks())
    assert next(it)[0] == 0
    it.close()
    for t in threading.enumerate():
        if t.name == "nkclaims-preprocess":
            t.join(timeout=5)
            assert not t.is_alive()


def test_infer_padding_is_multiple_of_8(engine, monkeypatch) -> None:
    widths = []
    real = engine._forward_batch

    def spy(ids, mask):
        widths.append(ids.shape[1])
        assert (mask.sum(1) > 0).all()
        return real(ids, mask)

    monkeypatch.setattr(engine, "_forward_batch", spy)
    engine.tag(SENTENCES)
    assert widths and all(w % 8 == 0 for w in widths)


@pytest.mark.parametrize("precision", ["int8", "bf16"])
def test_infer_fast_cpu_precision_close_to_fp32(parts, seeds_gold_path, precision) -> None:
    from nkclaims.schema import read_jsonl

    model, tok, cfg = parts
    docs = read_jsonl(str(seeds_gold_path))[:2]
    fp32 = Engine(model, tok, cfg, "cpu")
    fast = Engine(model, tok, cfg, "cpu", precision=precision)
    assert fast.model is not model, "the engine converts a copy"
    assert not any("quantized" in type(m).__module__ for m in model.modules()), "the fp32 model is untouched"
    seqs = [np.concatenate(([fp32.bos], e.ids[s:t], [fp32.eos]))
            for e in fp32.preprocess([d.text for d in docs]) for s, t in e.windows]
    a, b = fp32.forward(seqs), fast.forward(seqs)
    tags_a = np.concatenate([t for t, _ in a])
    tags_b = np.concatenate([t for t, _ in b])
    assert (tags_a == tags_b).mean() > 0.9
    report = check_precision(model, tok, replace(cfg), docs, precision)
    assert set(report) >= {"precision", "fp32_f1", "fast_f1", "delta_points", "agreement_f1", "within_half_point"}
    assert 0.0 <= report["fp32_f1"] <= 1.0 and report["agreement_f1"] > 0.5


@pytest.mark.parametrize("kwargs, exc, match", [
    ({"max_batch": 0}, ValueError, "max_batch"),
])
def test_infer_bad_settings_raise(parts, kwargs, exc, match) -> None:
    model, tok, cfg = parts
    with pytest.raises(exc, match=match):
        Engine(model, tok, cfg, "cpu", **kwargs)


def test_infer_label_count_mismatch_raises(parts) -> None:
    model, tok, cfg = parts
    with pytest.raises(ValueError, match="labels but the config names 3 tags"):
        Engine(model, tok, replace(cfg, tags=("O", "B-LOC", "I-LOC")), "cpu")


def test_infer_too_long_window_raises(parts) -> None:
    model, tok, cfg = parts
    eng = Engine(model, tok, replace(cfg, max_length=1000, stride=10), "cpu")
    with pytest.raises(ValueError, match="exceeds the model's 128 positions"):
        eng.tag([_long_text(30)])


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-GPU error")
def test_infer_cuda_unavailable_raises(parts) -> None:
    model, tok, cfg = parts
    with pytest.raises(RuntimeError, match="CUDA requested but not available"):
        Engine(model, tok, cfg, "cuda")


def test_infer_preprocess_windows_and_empty(parts) -> None:
    _, tok, cfg = parts
    encs = preprocess([_long_text(4), "", "Kursk"], tok, cfg.max_length, cfg.stride)
    assert len(encs[0].windows) > 1 and encs[1].windows == () and encs[2].windows == ((0, len(encs[2].ids)),)
    assert all(e - s <= cfg.max_length - 2 for s, e in encs[0].windows)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_infer_cuda_matches_cpu(parts) -> None:
    model, tok, cfg = parts
    texts = SENTENCES * 4 + [_long_text(9), ""]
    cpu = Engine(model, tok, cfg, "cpu")
    gpu = Engine(model, tok, cfg, "cuda")
    seqs = [np.concatenate(([cpu.bos], e.ids[s:t], [cpu.eos])) for e in cpu.preprocess(texts) for s, t in e.windows]
    a, b = cpu.forward(seqs), gpu.forward(seqs)
    tags_a, tags_b = np.concatenate([t for t, _ in a]), np.concatenate([t for t, _ in b])
    probs_a, probs_b = np.concatenate([p for _, p in a]), np.concatenate([p for _, p in b])
    assert (tags_a == tags_b).mean() > 0.95
    assert np.abs(probs_a - probs_b)[tags_a == tags_b].max() < 0.05
    assert len(gpu.tag(texts)) == len(texts)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_infer_cuda_int8_refused(parts) -> None:
    model, tok, cfg = parts
    with pytest.raises(ValueError, match="CPU path"):
        Engine(model, tok, cfg, "cuda", precision="int8")


@pytest.mark.parametrize("precision", ["int8", "bf16"])
def test_infer_documents_unchanged_by_check_precision(parts, precision) -> None:
    model, tok, cfg = parts
    before = {k: v.clone() for k, v in model.state_dict().items()}
    check_precision(model, tok, cfg, [Document("a", SENTENCES[0])], precision)
    after = model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
