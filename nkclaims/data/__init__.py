"""Training data: CoNLL reading, corpora mapped to our schema, synthetic sentences, dataset building.

>>> from nkclaims.data import generate
>>> generate(1, seed=0)[0].claims is None
True
"""
from __future__ import annotations

from nkclaims.data.build import DevSetOverlapError, build_dataset, check_dev_overlap, load_any, load_jsonl_dataset
from nkclaims.data.conll import ConllFormatError, read_conll
from nkclaims.data.corpora import load_bppt, load_idner, load_nergrit, load_nerp, map_roles
from nkclaims.data.synth import diversity, generate

__all__ = [
    "ConllFormatError", "DevSetOverlapError", "build_dataset", "check_dev_overlap", "diversity",
    "generate", "load_any", "load_bppt", "load_idner", "load_jsonl_dataset", "load_nergrit",
    "load_nerp", "map_roles", "read_conll",
]
