"""Assemble the training set: synthetic + mapped corpora + weak BPPT, with a dev-set guard.

Default sizes aim at a ~30-40 minute single-epoch CPU run of a 12-layer,
hidden-384 encoder at ``max_length`` 128 (about 15k training sentences, most
of them short): 7,000 synthetic sentences (the only source rich in TROOPS
and exact attribution patterns, about 45%), the real NER corpora mapped to
our roles (NERGrit and idner-news-2k whole, NERP capped at 3,500; real text
keeps the model calibrated on ordinary news and O tokens, about 45%), and
1,500 weakly labelled BPPT sentences (10%; rule labels are noisy, so they
stay a minority). Sentences whose mapping left no span are kept only up to
a quarter of each corpus, since they teach little beyond ``O``.

Every input is checked against the dev set: a sentence (five words or more)
whose normalised text hash matches a sentence of
``shared/data/seeds_gold.jsonl`` makes the build refuse.
"""
from __future__ import annotations

import hashlib
import json
import os
import random
import re
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path

from nkclaims.schema import Document, read_jsonl

__all__ = ["build_dataset", "load_jsonl_dataset", "load_any", "check_dev_overlap", "DevSetOverlapError",
           "seed_hashes", "default_seeds_path", "SOURCES"]

SOURCES: tuple[str, ...] = ("synth", "nergrit", "nerp", "idner", "bppt")
_MIN_WORDS = 5  # shorter sentences (`Dia mengatakan.`) collide by chance, not by copying
_CONLL_EXT = (".conll", ".txt", ".bio")


class DevSetOverlapError(ValueError):
    """An input shares sentences with the dev set (the seed articles)."""


def _features():
    import datasets

    return datasets.Features({
        "id": datasets.Value("string"), "text": datasets.Value("string"), "lang": datasets.Value("string"),
        "spans": datasets.List({"start": datasets.Value("int32"), "end": datasets.Value("int32"),
                                "label": datasets.Value("string")}),
        "source": datasets.Value("string"),
    })


def _normalise(sentence: str) -> str:
    s = unicodedata.normalize("NFKC", sentence).lower()
    return " ".join(re.findall(r"\w+", s))


def _sentence_hashes(text: str) -> Iterable[tuple[str, str]]:
    from nkclaims.sentences import split_sentences

    for a, b in split_sentences(text):
        norm = _normalise(text[a:b])
        if len(norm.split()) >= _MIN_WORDS:
            yield hashlib.sha1(norm.encode()).hexdigest(), text[a:b]


def default_seeds_path() -> Path:
    """``$NKCLAIMS_SEEDS_GOLD``, else ``../shared/data/seeds_gold.jsonl`` beside the checkout."""
    env = os.environ.get("NKCLAIMS_SEEDS_GOLD")
    return Path(env) if env else Path(__file__).resolve().parents[3] / "shared" / "data" / "seeds_gold.jsonl"


def seed_hashes(path: str | Path | None = None) -> frozenset[str]:
    """Hashes of the normalised dev-set sentences; empty when the file does not exist.

    >>> seed_hashes("/nonexistent.jsonl")
    frozenset()
    """
    p = Path(path) if path is not None else default_seeds_path()
    if not p.is_file():
        return frozenset()
    return frozenset(h for d in read_jsonl(str(p)) for h, _ in _sentence_hashes(d.text))


def check_dev_overlap(docs: Iterable[Document], hashes: frozenset[str], what: str = "input") -> None:
    """Raise :class:`DevSetOverlapError` if any document shares a sentence with the dev set.

    >>> check_dev_overlap([Document("a", "Pasukan tiba di kota itu kemarin sore.")], frozenset())
    """
    if not hashes:
        return
    hits = [(d.id, s) for d in docs for h, s in _sentence_hashes(d.text) if h in hashes]
    if hits:
        shown = "; ".join(f"{i}: {s[:60]!r}" for i, s in hits[:3])
        raise DevSetOverlapError(
            f"{what}: {len(hits)} sentence(s) also occur in the dev set (seeds_gold.jsonl); "
            f"never train on the dev set. First: {shown}"
        )


def _row(d: Document, source: str) -> dict:
    return {"id": d.id, "text": d.text, "lang": d.lang, "source": source,
            "spans": [{"start": s.start, "end": s.end, "label": s.label} for s in d.spans]}


def _check_spans(d: Document, where: str) -> None:
    last = 0
    for s in sorted(d.spans, key=lambda s: (s.start, s.end)):
        if not (0 <= s.start < s.end <= len(d.text)):
            raise ValueError(f"{where}: document {d.id!r} has span {s.start}-{s.end} outside its text "
                             f"of length {len(d.text)}")
        if s.start < last:
            raise ValueError(f"{where}: document {d.id!r} has overlapping spans at {s.start}")
        last = s.end


def _thin_empty(docs: list[Document], rng: random.Random, max_frac: float = 0.25) -> list[Document]:
    full = [d for d in docs if d.spans]
    empty = [d for d in docs if not d.spans]
    keep = int(max_frac / (1 - max_frac) * len(full))
    return full + rng.sample(empty, min(keep, len(empty)))


def _sample(docs: list[Document], n: int | None, rng: random.Random) -> list[Document]:
    return docs if n is None or n >= len(docs) else rng.sample(docs, n)


def build_dataset(
    out_dir: str | Path | None,
    *,
    seed: int = 13,
    n_synth: int = 7000,
    n_bppt: int = 1500,
    max_per_corpus: int = 3500,
    include: Sequence[str] = SOURCES,
    dev_fraction: float = 0.1,
    root: str | Path | None = None,
    seeds_gold: str | Path | None = None,
):
    """Build the train/dev DatasetDict and save it with ``save_to_disk(out_dir)``.

    Args:
        out_dir: where to save; None to only return the dataset.
        seed: drives synthesis and every sample.
        n_synth: synthetic training sentences (dev adds ``dev_fraction`` more, another seed).
        n_bppt: weakly labelled BPPT training sentences (dev adds ``dev_fraction`` more).
        max_per_corpus: cap on the training sentences taken from one NER corpus.
        include: sources among ``synth``, ``nergrit``, ``nerp``, ``idner``, ``bppt``.
        dev_fraction: dev size per source relative to its training size; the NER
            corpora take their dev from their own valid/dev files.
        root: corpora folder (see :func:`nkclaims.data.corpora.corpora_root`).
        seeds_gold: dev-set file for the overlap guard (default beside the checkout).

    Returns:
        ``datasets.DatasetDict`` with ``train`` and ``dev``; columns ``id, text,
        lang, spans, source``.

    Raises:
        ValueError: unknown source names or sizes below zero.
        DevSetOverlapError: a source shares sentences with the dev set.

    >>> dd = build_dataset(None, n_synth=20, include=("synth",))
    >>> sorted(dd), dd["train"].num_rows, dd["dev"].num_rows
    (['dev', 'train'], 20, 2)
    """
    import datasets

    from nkclaims.data import corpora
    from nkclaims.data.synth import generate

    unknown = sorted(set(include) - set(SOURCES))
    if unknown:
        raise ValueError(f"unknown sources {unknown}: expected some of {', '.join(SOURCES)}")
    if min(n_synth, n_bppt, max_per_corpus) < 0 or not 0 <= dev_fraction < 1:
        raise ValueError("sizes must be >= 0 and dev_fraction in [0, 1)")
    rng = random.Random(seed)
    hashes = seed_hashes(seeds_gold)
    parts: dict[str, dict[str, list[Document]]] = {}
    if "synth" in include:
        train = generate(n_synth, seed)
        seen = {d.text for d in train}
        dev = [d for d in generate(round(n_synth * dev_fraction), seed + 1_000_003) if d.text not in seen]
        parts["synth"] = {"train": train, "dev": dev}
    for name in ("nergrit", "nerp", "idner"):
        if name in include:
            loader = getattr(corpora, f"load_{name}")
            train = _sample(_thin_empty(loader("train", root=root), rng), max_per_corpus, rng)
            dev = _thin_empty(loader("dev", root=root), rng)
            parts[name] = {"train": train, "dev": _sample(dev, max(1, round(len(train) * dev_fraction)), rng)}
    if "bppt" in include:
        n_dev = round(n_bppt * dev_fraction)
        docs = corpora.load_bppt(n_bppt + n_dev, root=root, seed=seed)
        rng.shuffle(docs)
        parts["bppt"] = {"train": docs[n_dev:], "dev": docs[:n_dev]}
    splits = {}
    for split in ("train", "dev"):
        rows = []
        for source, by_split in parts.items():
            check_dev_overlap(by_split[split], hashes, f"{source} {split}")
            rows += [_row(d, source) for d in by_split[split]]
        rng.shuffle(rows)
        splits[split] = datasets.Dataset.from_list(rows, features=_features())
    dd = datasets.DatasetDict(splits)
    if out_dir is not None:
        dd.save_to_disk(str(out_dir))
    return dd


def _to_dataset(docs: list[Document], source: str):
    import datasets

    return datasets.Dataset.from_list([_row(d, source) for d in docs], features=_features())


def load_jsonl_dataset(paths: str | Path | Sequence[str | Path], *, seeds_gold: str | Path | None = None):
    """Read annotation JSONL files (``ANNOTATION.md`` format) into one ``datasets.Dataset``.

    ``source`` is each file's stem. Spans are checked (inside the text, no overlap).

    Raises:
        FileNotFoundError: a path does not exist.
        ValueError: a line is not a valid document, or its spans are out of range or overlap.
        DevSetOverlapError: a file shares sentences with the dev set.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "mine.jsonl")
    >>> _ = open(p, "w").write('{"id": "a", "lang": "id", "text": "di Kursk", "spans": [{"start": 3, "end": 8, "label": "LOC"}]}\\n')
    >>> load_jsonl_dataset(p)[0]["spans"]
    [{'start': 3, 'end': 8, 'label': 'LOC'}]
    """
    import datasets

    paths = [paths] if isinstance(paths, (str, Path)) else list(paths)
    hashes = seed_hashes(seeds_gold)
    parts = []
    for p in map(Path, paths):
        if not p.is_file():
            raise FileNotFoundError(f"JSONL file not found: {p}")
        docs = []
        with open(p, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    docs.append(Document.from_json(line))
                except (json.JSONDecodeError, KeyError, TypeError, ValueError) as e:
                    raise ValueError(f"{p}:{n}: not a document in the annotation format ({e})") from None
                _check_spans(docs[-1], f"{p}:{n}")
        check_dev_overlap(docs, hashes, str(p))
        parts.append(_to_dataset(docs, p.stem))
    if not parts:
        raise ValueError("no JSONL paths given")
    return datasets.concatenate_datasets(parts)


def load_any(paths_or_dir: str | Path | Sequence[str | Path], *, tag_map=None, lang: str = "id",
             seeds_gold: str | Path | None = None):
    """Load training data by kind: ``.jsonl``, CoNLL (``.conll``/``.txt``/``.bio``) or a saved dataset folder.

    Args:
        paths_or_dir: one path or several; a folder written by ``save_to_disk``
            is loaded as it is (a DatasetDict stays one).
        tag_map: for CoNLL files, renames their labels (see :func:`nkclaims.data.conll.read_conll`).
        lang: language code given to CoNLL sentences.
        seeds_gold: dev-set file for the overlap guard.

    Returns:
        A ``datasets.Dataset`` (files) or whatever the saved folder holds.

    Raises:
        ValueError: an unknown extension, or a folder that is not a saved dataset.
        DevSetOverlapError: an input shares sentences with the dev set.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "mine.bio")
    >>> _ = open(p, "w").write("di O\\nKursk B-LOC\\n")
    >>> load_any(p)[0]["text"]
    'di Kursk'
    """
    import datasets

    from nkclaims.data.conll import read_conll

    paths = [paths_or_dir] if isinstance(paths_or_dir, (str, Path)) else list(paths_or_dir)
    hashes = seed_hashes(seeds_gold)
    parts = []
    for p in map(Path, paths):
        if p.is_dir():
            if not any((p / f).exists() for f in ("dataset_dict.json", "dataset_info.json", "state.json")):
                raise ValueError(f"{p} is a folder but not a dataset saved with save_to_disk")
            loaded = datasets.load_from_disk(str(p))
            for ds in loaded.values() if isinstance(loaded, datasets.DatasetDict) else [loaded]:
                check_dev_overlap((Document(r["id"], r["text"]) for r in ds), hashes, str(p))
            if len(paths) == 1:
                return loaded
            if isinstance(loaded, datasets.DatasetDict):
                raise ValueError(f"{p} holds a DatasetDict; load it on its own")
            parts.append(loaded)
        elif p.suffix == ".jsonl":
            parts.append(load_jsonl_dataset(p, seeds_gold=seeds_gold))
        elif p.suffix in _CONLL_EXT:
            docs = read_conll(p, tag_map=tag_map, lang=lang)
            check_dev_overlap(docs, hashes, str(p))
            parts.append(_to_dataset(docs, p.stem))
        else:
            raise ValueError(f"{p}: unknown kind; expected .jsonl, {', '.join(_CONLL_EXT)} or a saved dataset folder")
    if not parts:
        raise ValueError("no input paths given")
    return datasets.concatenate_datasets(parts)
