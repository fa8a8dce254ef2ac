"""The batched tagging engine: preprocess (CPU) → forward (device) → postprocess (numpy).

- :func:`preprocess` tokenises a chunk of texts in one fast-tokenizer call and
  cuts long token sequences into overlapping windows that start at sentence
  starts where possible (:func:`nkclaims.align.windows`, as in training).
- :meth:`Engine.forward` is the only code that touches the device: windows
  are sorted by length and packed under a token budget, padded to the batch
  maximum rounded up to a multiple of 8, and run under ``inference_mode``
  (bf16 autocast on CUDA; bf16 or dynamic int8 weights on CPU). Only the argmax tag
  and its probability come back to the host. A CUDA out-of-memory error
  halves the batch and retries it, so no window is ever dropped.
- :mod:`nkclaims.decode` turns the window predictions into word-aligned spans.

:meth:`Engine.stream` overlaps the three: a background thread tokenises the
next chunk while the device works on the current one.
"""
from __future__ import annotations

import copy
import logging
import os
import queue
import threading
import warnings
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

import numpy as np
import torch

from nkclaims.align import windows
from nkclaims.decode import decode
from nkclaims.schema import Document, Span
from nkclaims.sentences import split_sentences

__all__ = ["Encoded", "Engine", "PRECISIONS", "check_precision", "cpu_bf16_supported", "is_quantized",
           "plan_batches", "preprocess", "quantize_int8"]

PRECISIONS = ("fp32", "bf16", "int8")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Encoded:
    """One tokenised document: content token ids, their offsets and its windows."""

    text: str
    ids: np.ndarray
    offsets: np.ndarray
    windows: tuple[tuple[int, int], ...]


def _sentence_breaks(text: str, offsets: np.ndarray) -> np.ndarray:
    starts = np.array([s for s, _ in split_sentences(text)[1:]], dtype=np.int64)
    return np.unique(np.searchsorted(offsets[:, 0], starts, side="left"))


def preprocess(texts: Sequence[str], tokenizer: Any, max_length: int, stride: int) -> list[Encoded]:
    """Tokenise ``texts`` (one batch call) and window each into ``max_length - 2`` content tokens.

    Args:
        texts: The documents.
        tokenizer: A fast Hugging Face tokenizer (offsets are needed).
        max_length: Window length including ``<s>`` and ``</s>``.
        stride: Tokens shared by consecutive windows (about).

    >>> from transformers import PreTrainedTokenizerFast
    >>> from tokenizers import Tokenizer, models, pre_tokenizers
    >>> t = Tokenizer(models.WordLevel({"a": 0, "<unk>": 1}, unk_token="<unk>"))
    >>> t.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    >>> tok = PreTrainedTokenizerFast(tokenizer_object=t)
    >>> [e.windows for e in preprocess(["a a a a a", ""], tok, 5, 1)]
    [((0, 3), (2, 5)), ()]
    """
    if not texts:
        return []
    enc = tokenizer(list(texts), add_special_tokens=False, return_offsets_mapping=True,
                    return_attention_mask=False, return_token_type_ids=False)
    width = max_length - 2
    out = []
    for text, ids, offs in zip(texts, enc["input_ids"], enc["offset_mapping"]):
        ids = np.asarray(ids, dtype=np.int64)
        offsets = np.asarray(offs, dtype=np.int64).reshape(-1, 2)
        if not len(ids):
            out.append(Encoded(text, ids, offsets, ()))
            continue
        breaks = _sentence_breaks(text, offsets) if len(ids) > width else None
        out.append(Encoded(text, ids, offsets, tuple(windows(len(ids), width, stride, breaks))))
    return out


def plan_batches(lengths: np.ndarray, token_budget: int, max_batch: int) -> list[np.ndarray]:
    """Group sequence indexes into batches, longest first, under a padded-token budget.

    A batch holds at most ``max_batch`` sequences and at most ``token_budget``
    tokens once padded to its longest sequence rounded up to a multiple of 8;
    a single sequence always fits. Longest first makes an out-of-memory error
    show up on the first batch, not after minutes of work.

    >>> [b.tolist() for b in plan_batches(np.array([5, 30, 9, 31]), 64, 8)]
    [[3, 1], [2, 0]]
    """
    order = np.argsort(-np.asarray(lengths), kind="stable")
    out, i = [], 0
    while i < len(order):
        padded = _round8(int(lengths[order[i]]))
        n = max(1, min(max_batch, token_budget // padded))
        out.append(order[i : i + n])
        i += n
    return out


def _round8(n: int) -> int:
    return -(-n // 8) * 8


def _is_oom(e: BaseException) -> bool:
    return isinstance(e, torch.cuda.OutOfMemoryError) or (
        isinstance(e, RuntimeError) and "out of memory" in str(e).lower())


def _physical_cores() -> int:
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else list(range(os.cpu_count() or 1))
    cores = set()
    for c in cpus:
        try:
            cores.add(Path(f"/sys/devices/system/cpu/cpu{c}/topology/thread_siblings_list").read_text().strip())
        except OSError:
            cores.add(str(c))
    return max(1, len(cores))


def cpu_bf16_supported() -> bool:
    """True when this CPU runs bf16 matrix work natively (AVX512-BF16 or AMX via oneDNN).

    Elsewhere bf16 is emulated and slower than fp32, so it is never chosen there.

    >>> isinstance(cpu_bf16_supported(), bool)
    True
    """
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def quantize_int8(model: torch.nn.Module, *, inplace: bool = False) -> torch.nn.Module:
    """``model`` (or a copy) with every ``nn.Linear`` dynamically quantised to int8 (CPU only).

    ``inplace=True`` saves the memory of a second fp32 copy when the caller owns the model.

    >>> m = quantize_int8(torch.nn.Sequential(torch.nn.Linear(4, 2)))
    >>> "quantized" in type(m[0]).__module__
    True
    """
    try:
        from torch.ao.quantization import quantize_dynamic
    except ImportError as e:
        raise RuntimeError(f"this torch ({torch.__version__}) has no dynamic int8 quantisation; use precision='fp32'") from e
    with warnings.catch_warnings():
        # torch marks eager quantisation deprecated; it is still the fastest CPU path in this torch range
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        target = model if inplace else copy.deepcopy(model)
        return quantize_dynamic(target.cpu().float(), {torch.nn.Linear}, dtype=torch.qint8, inplace=True)


def is_quantized(model: torch.nn.Module) -> bool:
    """True when ``model`` holds dynamically quantised layers.

    >>> m = torch.nn.Sequential(torch.nn.Linear(2, 2))
    >>> is_quantized(m), is_quantized(quantize_int8(m)), is_quantized(m)
    (False, True, False)
    """
    return any("quantized" in type(m).__module__ for m in model.modules())


class _Pending:
    """A batch result that may still be in flight from the device."""

    def __init__(self, tags: torch.Tensor, probs: torch.Tensor, event: Any = None) -> None:
        self.tags, self.probs, self.event = tags, probs, event

    def result(self) -> tuple[np.ndarray, np.ndarray]:
        if self.event is not None:
            self.event.synchronize()
        return self.tags.numpy(), self.probs.numpy()


class Engine:
    """A token classifier on one device, ready to tag batches of texts.

    Args:
        model: A Hugging Face token-classification model.
        tokenizer: Its fast tokenizer.
        cfg: A :class:`nkclaims.model.TaggerConfig` (tags, window length, stride).
        device: ``"cpu"`` or ``"cuda"`` (or ``"cuda:N"``).
        precision: CPU weights: ``"fp32"``, ``"bf16"`` (a bf16 copy; fast on
            CPUs with native bf16) or ``"int8"`` (dynamic int8 linears; a model
            that already is quantised is used as it is, else a copy is made).
            On CUDA only ``"fp32"`` is accepted: weights stay fp32 under bf16
            (or fp16) autocast.
        token_budget: Padded tokens per batch; default 4096 on CPU, 65536 on CUDA.
        max_batch: Windows per batch at most.
        chunk_chars: Characters of text tokenised together in :meth:`stream`.
    """

    def __init__(self, model: Any, tokenizer: Any, cfg: Any, device: str = "cpu", *, precision: str = "fp32",
                 token_budget: int | None = None, max_batch: int = 512, chunk_chars: int | None = None) -> None:
        self.device = torch.device(device)
        cuda = self.device.type == "cuda"
        if cuda and not torch.cuda.is_available():
            raise RuntimeError("CUDA requested but not available (no GPU or a CPU-only torch build); use device='cpu'")
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
        if cuda and precision != "fp32":
            raise ValueError(f"{precision} weights are a CPU path; on CUDA use precision='fp32' (autocast does the rest)")
        if not getattr(tokenizer, "is_fast", False):
            raise ValueError("the engine needs a fast tokenizer (character offsets)")
        if max_batch < 1:
            raise ValueError(f"max_batch must be >= 1, got {max_batch}")
        self.tokenizer, self.cfg, self.precision = tokenizer, cfg, precision
        self.tags = tuple(cfg.tags)
        n_out = getattr(getattr(model, "config", None), "num_labels", len(self.tags))
        if n_out != len(self.tags):
            raise ValueError(f"model has {n_out} labels but the config names {len(self.tags)} tags")
        if not cuda:
            # more threads than physical cores only adds contention (and the tokeniser thread needs one)
            torch.set_num_threads(min(torch.get_num_threads(), _physical_cores()))
        if precision == "int8" and not is_quantized(model):
            model = quantize_int8(model)
        elif precision == "bf16" and next(model.parameters()).dtype != torch.bfloat16:
            model = copy.deepcopy(model).to(torch.bfloat16)
        self.model = model.eval().to(self.device)
        self.amp = (torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16) if cuda else None
        self.token_budget = token_budget or (65536 if cuda else 4096)
        self.max_batch = max_batch
        self.chunk_chars = chunk_chars or (1_000_000 if cuda else 50_000)
        self.max_positions = int(getattr(self.model.config, "max_position_embeddings", 1 << 30))
        self.bos, self.eos = tokenizer.cls_token_id, tokenizer.sep_token_id
        self.pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
        if self.bos is None or self.eos is None:
            raise ValueError("the tokenizer has no <s>/</s> (cls/sep) tokens")

    def preprocess(self, texts: Sequence[str]) -> list[Encoded]:
        """Tokenise and window ``texts`` with this engine's settings (see :func:`preprocess`)."""
        return preprocess(texts, self.tokenizer, self.cfg.max_length, self.cfg.stride)

    def forward(self, seqs: Sequence[np.ndarray], max_batch: int | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
        """Run full input sequences (``<s>`` … ``</s>``) through the model.

        Returns, per sequence, the argmax tag ids and their probabilities for
        its content positions (``<s>`` and ``</s>`` dropped).
        """
        lengths = np.fromiter((len(s) for s in seqs), dtype=np.int64, count=len(seqs))
        if len(lengths) and lengths.max() > self.max_positions:
            raise ValueError(f"a sequence of {lengths.max()} tokens exceeds the model's {self.max_positions} positions")
        pending: list[tuple[np.ndarray, _Pending]] = []
        for idx in plan_batches(lengths, self.token_budget, max_batch or self.max_batch):
            self._run(idx, seqs, lengths, pending)
        out: list[Any] = [None] * len(seqs)
        for idx, handle in pending:
            tags, probs = handle.result()
            for row, i in enumerate(idx):
                n = lengths[i]
                out[i] = (tags[row, 1 : n - 1].astype(np.int64), probs[row, 1 : n - 1].copy())
        return out

    def _run(self, idx: np.ndarray, seqs: Sequence[np.ndarray], lengths: np.ndarray,
             pending: list[tuple[np.ndarray, _Pending]]) -> None:
        width = min(_round8(int(lengths[idx].max())), max(self.max_positions, int(lengths[idx].max())))
        ids = np.full((len(idx), width), self.pad, dtype=np.int64)
        mask = np.zeros((len(idx), width), dtype=np.int64)
        for row, i in enumerate(idx):
            ids[row, : lengths[i]] = seqs[i]
            mask[row, : lengths[i]] = 1
        try:
            pending.append((idx, self._forward_batch(ids, mask)))
        except (RuntimeError, torch.cuda.OutOfMemoryError) as e:
            if not _is_oom(e) or len(idx) == 1:
                raise
            if self.device.type == "cuda":
                torch.cuda.empty_cache()
            # later batches start from the size that fits, instead of failing again
            self.token_budget = max(8, min(self.token_budget, ids.size) // 2)
            half = len(idx) // 2
            log.warning("out of device memory on a batch of %d windows; retrying as %d + %d",
                        len(idx), half, len(idx) - half)
            self._run(idx[:half], seqs, lengths, pending)
            self._run(idx[half:], seqs, lengths, pending)

    def _forward_batch(self, ids: np.ndarray, mask: np.ndarray) -> _Pending:
        cuda = self.device.type == "cuda"
        ids_t, mask_t = torch.from_numpy(ids), torch.from_numpy(mask)
        if cuda:
            ids_t = ids_t.pin_memory().to(self.device, non_blocking=True)
            mask_t = mask_t.pin_memory().to(self.device, non_blocking=True)
        with torch.inference_mode(), torch.autocast(self.device.type, dtype=self.amp or torch.bfloat16,
                                                    enabled=self.amp is not None):
            logits = self.model(input_ids=ids_t, attention_mask=mask_t).logits
            probs, tags = logits.float().softmax(-1).max(-1)
            if not cuda:
                return _Pending(tags, probs)
            # copy back asynchronously so the next batch's kernels queue up behind this one
            tags_h = torch.empty(tags.shape, dtype=torch.int16, pin_memory=True)
            probs_h = torch.empty(probs.shape, dtype=torch.float32, pin_memory=True)
            tags_h.copy_(tags.to(torch.int16), non_blocking=True)
            probs_h.copy_(probs, non_blocking=True)
            event = torch.cuda.Event()
            event.record(torch.cuda.current_stream(self.device))
            return _Pending(tags_h, probs_h, event)

    def postprocess(self, encs: Sequence[Encoded], preds: Sequence[tuple[np.ndarray, np.ndarray]]) -> list[list[Span]]:
        """Decode each document's window predictions (in :meth:`preprocess` order) into spans."""
        out, k = [], 0
        for e in encs:
            n = len(e.windows)
            win = preds[k : k + n]
            k += n
            out.append(decode(e.text, e.offsets, e.windows, [t for t, _ in win], [p for _, p in win], self.tags)
                       if n else [])
        return out

    def _tag_encoded(self, encs: Sequence[Encoded], max_batch: int | None = None) -> list[list[Span]]:
        seqs = [np.concatenate(([self.bos], e.ids[s:t], [self.eos])) for e in encs for s, t in e.windows]
        return self.postprocess(encs, self.forward(seqs, max_batch))

    def tag(self, texts: Sequence[str], max_batch: int | None = None) -> list[list[Span]]:
        """Tag ``texts`` and return their spans, in order (no background thread).

        >>> Engine.tag.__name__
        'tag'
        """
        out: list[list[Span]] = []
        for chunk in _chunks_by_chars(list(texts), self.chunk_chars):
            out += self._tag_encoded(self.preprocess(chunk), max_batch)
        return out

    def stream(self, chunks: Iterable[tuple[Any, Sequence[str]]],
               max_batch: int | None = None) -> Iterator[tuple[Any, list[list[Span]]]]:
        """Tag ``(payload, texts)`` chunks, tokenising the next chunk while the device works.

        Yields ``(payload, spans per text)`` in input order. An exception raised
        while reading ``chunks`` is re-raised here after every earlier chunk
        has been yielded.
        """
        q: queue.Queue = queue.Queue(maxsize=2)
        stop = threading.Event()

        def put(item: tuple[str, Any]) -> bool:
            while not stop.is_set():
                try:
                    q.put(item, timeout=0.1)
                    return True
                except queue.Full:
                    continue
            return False

        def produce() -> None:
            try:
                for payload, texts in chunks:
                    if not put(("ok", (payload, self.preprocess(texts)))):
                        return
            except BaseException as e:  # handed to the consumer, which raises it in order
                put(("err", e))
                return
            put(("end", None))

        worker = threading.Thread(target=produce, name="nkclaims-preprocess", daemon=True)
        worker.start()
        try:
            while True:
                kind, item = q.get()
                if kind == "end":
                    return
                if kind == "err":
                    raise item
                payload, encs = item
                yield payload, self._tag_encoded(encs, max_batch)
        finally:
            stop.set()


def _chunks_by_chars(texts: list[str], chunk_chars: int) -> Iterator[list[str]]:
    start, size = 0, 0
    for i, t in enumerate(texts):
        size += len(t)
        if size >= chunk_chars:
            yield texts[start : i + 1]
            start, size = i + 1, 0
    if start < len(texts):
        yield texts[start:]


def check_precision(model: Any, tokenizer: Any, cfg: Any, docs: Sequence[Document], precision: str) -> dict[str, Any]:
    """Compare a fast CPU precision with fp32: strict span F1 of each vs gold, and of one vs the other.

    Args:
        model: The fp32 token-classification model (left unchanged).
        tokenizer: Its fast tokenizer.
        cfg: Its :class:`nkclaims.model.TaggerConfig`.
        docs: Gold documents (their spans are the reference).
        precision: ``"bf16"`` or ``"int8"``.

    Returns:
        ``precision``, ``fp32_f1``, ``fast_f1``, ``delta_points`` (fast minus
        fp32, in F1 points), ``agreement_f1`` (fast spans scored against fp32
        spans) and ``within_half_point`` (``abs(delta_points) <= 0.5``): the
        rule for shipping a precision as the model's ``cpu_precision``.

    >>> check_precision.__name__
    'check_precision'
    """
    from nkclaims.evaluate import evaluate

    texts = [d.text for d in docs]
    fp32 = Engine(model, tokenizer, cfg, "cpu").tag(texts)
    fast = Engine(model, tokenizer, cfg, "cpu", precision=precision).tag(texts)
    gold = [replace(d, claims=None) for d in docs]

    def as_docs(spans: list[list[Span]]) -> list[Document]:
        return [replace(d, spans=tuple(s), claims=None) for d, s in zip(gold, spans)]

    f_fp32 = evaluate(gold, as_docs(fp32)).strict["ALL"].f1
    f_fast = evaluate(gold, as_docs(fast)).strict["ALL"].f1
    delta = round(100 * (f_fast - f_fp32), 2)
    return {
        "precision": precision, "documents": len(docs), "fp32_f1": f_fp32, "fast_f1": f_fast,
        "delta_points": delta, "agreement_f1": evaluate(as_docs(fp32), as_docs(fast)).strict["ALL"].f1,
        "within_half_point": abs(delta) <= 0.5,
    }
