"""Reproduce the IndoNLU NER table with ``nkclaims train``: NERGrit and NERP test F1.

    python benchmarks/indonlu_ner.py [--corpora nergrit nerp] [--epochs 8] [--lr 2e-4]

Each corpus: a full fine-tune of the base (frozen word embeddings) on its
train split, early stopping on valid, then the best model scored on test.
Reports IndoNLU's metric (conlleval F1 averaged over entity types, as
``ner_metrics_fn``) beside strict micro F1, next to the paper's XLM-R base
figures. Chunks are read on nkclaims words (punctuation split off tokens),
which can differ slightly from the corpus tokens. Writes
``benchmarks/results/indonlu-ner.json`` and ``.md``.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPORA = HERE.parent.parent / "shared" / "corpora"
PAPER = {"nergrit": {"mBERT": 75.02, "XLM-R base": 79.09}, "nerp": {"mBERT": 69.27, "XLM-R base": 75.03}}
FOLDERS = {"nergrit": "nergrit_ner-grit", "nerp": "nerp_ner-prosa"}


def run(corpus: str, args) -> dict:
    d = CORPORA / FOLDERS[corpus]
    cmd = [sys.executable, "-m", "nkclaims", "train", "--data", str(d / "train_preprocess.txt"),
           "--dev", str(d / "valid_preprocess.txt"), "--test", str(d / "test_preprocess.txt"),
           "--out", str(Path(args.runs) / corpus), "--lora-r", "0", "--lr", str(args.lr),
           "--epochs", str(args.epochs), "--batch-size", "16", "--max-length", "128", "--patience", "3",
           "--device", args.device]
    if args.max_minutes:
        cmd += ["--max-minutes", str(args.max_minutes)]
    print(" ".join(cmd), flush=True)
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout
    res = json.loads(out[out.index("{"):])
    test = res["test"]
    return {"command": " ".join(cmd[1:]), "minutes": res["minutes"], "best_step": res["best_step"],
            "test_type_macro_f1": round(100 * test["type_macro_f1"], 2),
            "test_micro_f1": round(100 * test["micro"]["f1"], 2),
            "test_per_type_f1": {k: round(100 * v["f1"], 2) for k, v in test.items() if isinstance(v, dict) and k != "micro"},
            "paper": PAPER[corpus]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpora", nargs="+", default=["nergrit", "nerp"], choices=sorted(FOLDERS))
    ap.add_argument("--epochs", type=float, default=8)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--max-minutes", type=float)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--runs", default="runs/indonlu")
    ap.add_argument("--out", default=str(HERE / "results"))
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    # corpora run separately keep each other's rows
    saved = out / "indonlu-ner.json"
    results = json.loads(saved.read_text()) if saved.exists() else {}
    results.update({c: run(c, args) for c in args.corpora})
    (out / "indonlu-ner.json").write_text(json.dumps(results, indent=1) + "\n")
    lines = ["| corpus | nkclaims e5-small: IndoNLU metric (type-macro F1) | strict micro F1 | mBERT (paper) | XLM-R base (paper) | minutes |",
             "|---|---|---|---|---|---|"]
    for c, r in results.items():
        lines.append(f"| {c} | {r['test_type_macro_f1']} | {r['test_micro_f1']} | {r['paper']['mBERT']} | "
                     f"{r['paper']['XLM-R base']} | {r['minutes']} |")
    (out / "indonlu-ner.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
