"""nkclaims: extract claims about troop numbers from news text.

>>> from nkclaims import Span
>>> Span(0, 5, "LOC").surface("Kursk")
'Kursk'
"""
from __future__ import annotations

import importlib
from typing import Any

from nkclaims.schema import LABELS, SCHEMA_VERSION, Claim, Document, Quantity, Span

__version__ = "0.1.0"

# Heavy parts (torch, transformers) load only when asked for.
_LAZY = {
    "parse_quantity": "nkclaims.quantity",
    "assemble": "nkclaims.claims",
    "load": "nkclaims.extractor",
    "Extractor": "nkclaims.extractor",
}

__all__ = ["Claim", "Document", "Quantity", "Span", "LABELS", "SCHEMA_VERSION", "__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'nkclaims' has no attribute {name!r}")
