"""Shared fixtures: tiny random models and small texts; nothing here needs the network."""
from __future__ import annotations

import json
import string
from pathlib import Path

import pytest

from nkclaims.schema import LABELS

BIO_LABELS = ["O"] + [f"{p}-{lab}" for lab in LABELS for p in ("B", "I")]
SHARED = Path(__file__).resolve().parents[1].parent / "shared"

_WORDS = (
    "sekitar tentara prajurit pasukan menurut kata Kursk Rusia Ukraina Korea Utara "
    "Budanov mengatakan ribu juta lebih dari the soldiers said about troops"
).split()


def build_tiny_tokenizer(path: Path):
    """A small Unigram tokenizer shaped like the XLM-R one (Metaspace, <s> … </s>)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    specials = ["<s>", "<pad>", "</s>", "<unk>"]
    chars = string.ascii_letters + string.digits + string.punctuation + "éáíóú“”’"
    pieces = [(s, 0.0) for s in specials]
    pieces += [("▁" + w, -2.0) for w in _WORDS] + [(w, -3.0) for w in _WORDS]
    pieces += [("▁", -4.0)] + [("▁" + c, -6.0) for c in chars] + [(c, -7.0) for c in chars]
    tok = Tokenizer(models.Unigram(pieces, unk_id=3, byte_fallback=False))
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")]
    )
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", 0), ("</s>", 2)],
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token="<s>", eos_token="</s>", pad_token="<pad>",
        unk_token="<unk>", cls_token="<s>", sep_token="</s>", model_max_length=128,
    )
    fast.save_pretrained(str(path))
    return fast


def build_tiny_model(path: Path, seed: int = 0, max_positions: int = 128):
    """A 2-layer random BERT token classifier with our BIO labels, saved as an HF folder."""
    import torch
    from transformers import BertConfig, BertForTokenClassification

    path.mkdir(parents=True, exist_ok=True)
    tok = build_tiny_tokenizer(path)
    torch.manual_seed(seed)
    cfg = BertConfig(
        vocab_size=len(tok), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=max_positions, pad_token_id=1,
        id2label=dict(enumerate(BIO_LABELS)), label2id={l: i for i, l in enumerate(BIO_LABELS)},
    )
    model = BertForTokenClassification(cfg).eval()
    model.save_pretrained(str(path), safe_serialization=True)
    return model, tok


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    """Path of a tiny random HF token-classification folder (model + fast tokenizer)."""
    path = tmp_path_factory.mktemp("tiny-model")
    build_tiny_model(path)
    return path


@pytest.fixture(scope="session")
def seeds_gold_path() -> Path:
    """The public dev set, when ../shared is beside the checkout (it is in CI)."""
    p = SHARED / "data" / "seeds_gold.jsonl"
    if not p.exists():
        pytest.skip("../shared/data/seeds_gold.jsonl not present")
    return p


@pytest.fixture()
def sample_text() -> str:
    return (
        "KURSK, KOMPAS.TV - Sebanyak 18 tentara Korea Utara desersi. "
        "Menurut Budanov, sekitar 11.000 prajurit berada di wilayah Kursk, Rabu (23/10/2024)."
    )
