"""Accuracy on the public dev set: rule tagger vs model (fp32, bf16 and int8 CPU), one run.

    python benchmarks/eval_dev.py [--model DIR] [--gold ../shared/data/seeds_gold.jsonl]

Writes ``benchmarks/results/dev-accuracy.json`` and ``.md`` (strict/overlap
span F1 per label and claim F1 for each system, and the precision checks
that decide ``cpu_precision`` in the model's ``nkclaims.json``: the fastest
precision within 0.5 dev F1 points of fp32).
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from nkclaims.evaluate import evaluate
from nkclaims.pipeline import extract_with_rules
from nkclaims.schema import LABELS, read_jsonl

HERE = Path(__file__).resolve().parent
GOLD = HERE.parent.parent / "shared" / "data" / "seeds_gold.jsonl"


def _row(name: str, rep) -> dict:
    return {
        "system": name,
        "strict": {k: round(v.f1, 4) for k, v in rep.strict.items()},
        "overlap": {k: round(v.f1, 4) for k, v in rep.overlap.items()},
        "claims": rep.claims.to_dict(),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", help="model folder (default: the shipped model)")
    ap.add_argument("--gold", default=str(GOLD))
    ap.add_argument("--out", default=str(HERE / "results"))
    ap.add_argument("--write-precision", action="store_true",
                    help="set cpu_precision in the model's nkclaims.json from the checks (ship step)")
    args = ap.parse_args()

    from nkclaims.extractor import Extractor
    from nkclaims.infer import check_precision
    from nkclaims.model import load_model

    gold = read_jsonl(args.gold)
    rows = [_row("rules", evaluate(gold, list(extract_with_rules(gold))))]
    model, tok, cfg = load_model(args.model)
    for precision in ("fp32", "bf16", "int8"):
        name = f"model-{precision}"
        t = time.time()
        pred = list(Extractor(model, tok, cfg, "cpu", precision=precision).extract(gold))
        rows.append({**_row(name, evaluate(gold, pred)), "seconds": round(time.time() - t, 1)})
    result = {"gold": str(args.gold), "model": args.model or "default", "systems": rows,
              "precision_checks": [check_precision(model, tok, cfg, gold, p) for p in ("int8", "bf16")]}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "dev-accuracy.json").write_text(json.dumps(result, indent=1) + "\n")
    head = "| system | " + " | ".join(f"{lab} strict" for lab in (*LABELS, "ALL")) + " | ALL overlap | claim F1 |"
    lines = [head, "|" + "---|" * (len(LABELS) + 5)]
    for r in rows:
        cells = [f"{r['strict'][lab]:.3f}" for lab in (*LABELS, "ALL")]
        lines.append(f"| {r['system']} | " + " | ".join(cells) + f" | {r['overlap']['ALL']:.3f} | {r['claims']['f1']:.3f} |")
    (out / "dev-accuracy.md").write_text("\n".join(lines) + "\n\nprecision checks: " + json.dumps(result["precision_checks"]) + "\n")
    print("\n".join(lines))
    print(json.dumps(result["precision_checks"]))
    if args.write_precision:
        from dataclasses import replace

        from nkclaims.model import default_model_path

        ok = [c["precision"] for c in result["precision_checks"] if c["within_half_point"]]
        chosen = ok[0] if ok else "fp32"  # checks run fastest first (int8, then bf16)
        folder = Path(args.model) if args.model else default_model_path()
        replace(cfg, cpu_precision=chosen).save(folder)
        print(f"cpu_precision = {chosen} written to {folder}")


if __name__ == "__main__":
    main()
