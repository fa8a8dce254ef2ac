"""Run a tagger over a stream of Documents: the rules path, the model path, and which is default.

Both paths keep each input's ``id``, ``lang`` and ``text`` and yield one
output Document per input, in input order, lazily.
"""
from __future__ import annotations

from collections import deque
from dataclasses import replace
from typing import Iterable, Iterator

from nkclaims.schema import Document

__all__ = ["default_tagger", "extract_with_model", "extract_with_rules"]


def extract_with_rules(docs: Iterable[Document]) -> Iterator[Document]:
    """Tag spans with the rules and assemble claims from them, one document at a time.

    Args:
        docs: Input documents (their spans and claims are ignored).

    Yields:
        Each document with the rules' spans and claims.

    >>> out = next(extract_with_rules([Document("a", "")]))
    >>> out.id, out.spans, out.claims
    ('a', (), ())
    """
    # Imported here so that reading inputs or evaluating never loads the rules.
    from nkclaims.claims import assemble
    from nkclaims.rules import tag

    for doc in docs:
        spans = tuple(tag(doc.text, doc.lang))
        claims = tuple(assemble(doc.text, spans, doc.lang))
        yield replace(doc, spans=spans, claims=claims)


def extract_with_model(docs: Iterable[Document], *, batch_size: int | str = "auto",
                       device: str = "auto", model: str | None = None) -> Iterator[Document]:
    """Run the trained extractor over documents in batches, keeping ids and order.

    Args:
        docs: Input documents; each keeps its own ``lang`` for claim assembly.
        batch_size: Most windows per forward batch, or ``"auto"``.
        device: ``"auto"``, ``"cpu"`` or ``"cuda"``, passed to the extractor.
        model: A model folder, or ``None`` for the default model.

    Yields:
        Each document with the model's spans and claims.

    Raises:
        ImportError: The model path's dependencies are not installed.
        ValueError: The extractor returned a document whose text differs
            from its input (offsets would then be meaningless).

    >>> import inspect
    >>> list(inspect.signature(extract_with_model).parameters)
    ['docs', 'batch_size', 'device', 'model']
    """
    from nkclaims.extractor import load

    extractor = load(model=model, device=device)
    # The extractor reads ahead by up to a batch; the inputs it has taken but
    # not yet answered wait here, so each output is checked against its input.
    pending: deque[Document] = deque()

    def feed() -> Iterator[Document]:
        for doc in docs:
            pending.append(doc)
            yield doc

    for out in extractor.extract(feed(), batch_size=batch_size):
        src = pending.popleft()
        if out.text != src.text:
            raise ValueError(f"document {src.id!r}: the extractor changed the text")
        yield replace(out, id=src.id, lang=src.lang, meta=src.meta)


def default_tagger() -> str:
    """Return ``"model"`` when the default model is available, else ``"rules"``.

    A missing ``nkclaims.extractor`` module or ``default_available`` function,
    or a failed import of its dependencies, means ``"rules"``.

    >>> default_tagger() in ("model", "rules")
    True
    """
    try:
        from nkclaims.extractor import default_available
    except ImportError:
        return "rules"
    return "model" if default_available() else "rules"
