from __future__ import annotations

import numpy as np
import pytest
import torch

from nkclaims.align import IGNORE
from nkclaims.model import TaggerConfig, bio_labels, load_model
from nkclaims.schema import Document, Span
from nkclaims.train import TrainConfig, chunks, featurize, train, word_f1

TAGS = bio_labels()


def _docs():
    base = [
        ("Menurut Budanov, sekitar 11.000 prajurit berada di Kursk.", [(8, 15, "SRC"), (0, 7, "CUE"), (17, 31, "TROOPS"), (51, 56, "LOC")]),
        ("Rutte mengatakan 3.000 tentara tiba di Ukraina.", [(0, 5, "SRC"), (6, 16, "CUE"), (17, 22, "TROOPS"), (39, 46, "LOC")]),
    ]
    return [Document(str(i), t, spans=tuple(Span(s, e, lab) for s, e, lab in sorted(sp))) for i, (t, sp) in enumerate(base)]


@pytest.fixture(scope="module")
def tok(tiny_model_dir):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(tiny_model_dir))


def test_train_featurize_labels_first_subwords(tok):
    doc = _docs()[0]
    ids, labels = featurize([doc], tok, TAGS, 128, 32)[0]
    assert ids[0] == tok.cls_token_id and ids[-1] == tok.sep_token_id
    tags = [TAGS[i] for i in labels if i != IGNORE]
    assert tags[:4] == ["B-CUE", "B-SRC", "O", "B-TROOPS"]
    assert sorted(chunks(tags)) and tags.count("B-LOC") == 1


@pytest.mark.parametrize("max_length,stride", [(12, 4), (16, 6), (24, 8)])
def test_train_featurize_windows_cover_every_word_once_or_more(tok, max_length, stride):
    doc = _docs()[0]
    feats = featurize([doc], tok, TAGS, max_length, stride)
    assert len(feats) > 1
    assert all(len(ids) <= max_length for ids, _ in feats)
    n_words_labelled = sum(int((lab != IGNORE).sum()) for _, lab in feats)
    whole = featurize([doc], tok, TAGS, 512, 32)[0][1]
    assert n_words_labelled >= int((whole != IGNORE).sum())


@pytest.mark.parametrize("tags,expected", [
    (["O", "B-LOC", "I-LOC"], {(1, 3, "LOC")}),
    (["I-SRC", "I-SRC", "B-SRC"], {(0, 2, "SRC"), (2, 3, "SRC")}),
    (["B-LOC", "I-SRC"], {(0, 1, "LOC"), (1, 2, "SRC")}),
    ([], set()),
])
def test_train_chunks_bio(tags, expected):
    assert chunks(tags) == expected


def test_train_learns_saves_delta_and_resumes(tiny_model_dir, tmp_path):
    docs = _docs() * 8
    cfg = TrainConfig(base=str(tiny_model_dir), out=str(tmp_path / "m"), epochs=6, lr=5e-3, batch_size=4,
                      lora_r=4, max_length=64, stride=16, eval_every=6, patience=100, device="cpu")
    state = train(cfg, docs, _docs())
    assert state["best_f1"] > 0.2  # random init gets ~0 strict word-span F1
    model, tok, tcfg = load_model(tmp_path / "m")
    assert isinstance(tcfg, TaggerConfig) and tcfg.tags == TAGS
    # the saved delta, applied to a fresh base, scores exactly the best dev F1 seen in training
    feats = featurize(_docs(), tok, TAGS, 64, 16)
    reloaded = word_f1(model, feats, TAGS, 4, tok.pad_token_id, torch.device("cpu"))
    assert reloaded["micro"]["f1"] == pytest.approx(state["best_f1"], abs=1e-6)
    cfg2 = TrainConfig(**{**cfg.__dict__, "epochs": 7, "resume": True})
    state2 = train(cfg2, docs, _docs())
    assert state2["step"] == 28 and (tmp_path / "m" / "checkpoint" / "state.json").exists()


def test_train_delta_roundtrip_exact(tiny_model_dir, tmp_path):
    """apply_delta(base, delta_state(trained)) equals the trained model."""
    from nkclaims.lora import add_lora, delta_state
    from nkclaims.model import _from_base, apply_delta

    trained, _ = _from_base(str(tiny_model_dir), TAGS)
    add_lora(trained, r=2)
    with torch.no_grad():
        for n, p in trained.named_parameters():
            if p.requires_grad:
                p.add_(torch.randn_like(p) * 0.1)
    fresh, _ = _from_base(str(tiny_model_dir), TAGS)
    apply_delta(fresh, delta_state(trained))
    x = torch.randint(5, 50, (2, 9))
    trained.eval(), fresh.eval()
    np.testing.assert_allclose(trained(input_ids=x).logits.detach(), fresh(input_ids=x).logits.detach(), atol=1e-5)
