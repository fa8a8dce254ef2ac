from __future__ import annotations

import json

import pytest

from nkclaims.cli import main
from nkclaims.schema import Document, Span


def _write_jsonl(path, n=12):
    rows = []
    for i in range(n):
        text = f"Menurut Budanov, sekitar {i + 2}.000 prajurit berada di Kursk."
        spans = (Span(0, 7, "CUE"), Span(8, 15, "SRC"), Span(17, 30 if i < 8 else 31, "TROOPS"), Span(text.index("Kursk"), len(text) - 1, "LOC"))
        rows.append(Document(f"d{i}", text, "id", spans, None).to_json())
    path.write_text("\n".join(rows) + "\n")
    return path


def test_cli_model_build_data_writes_a_dataset(tmp_path, capsys):
    assert main(["build-data", str(tmp_path / "ds"), "--n-synth", "20", "--include", "synth"]) == 0
    assert json.loads(capsys.readouterr().out) == {"train": 20, "dev": 2}
    assert (tmp_path / "ds" / "dataset_dict.json").exists()


def test_cli_model_train_jsonl_then_test_and_export(tiny_model_dir, tmp_path, capsys):
    data = _write_jsonl(tmp_path / "train.jsonl")
    out = tmp_path / "model"
    rc = main(["train", "--data", str(data), "--base", str(tiny_model_dir), "--out", str(out), "--epochs", "2",
               "--batch-size", "4", "--lora-r", "2", "--lr", "0.005", "--device", "cpu", "--test", str(data)])
    assert rc == 0
    result = json.loads(capsys.readouterr().out)
    assert result["out"] == str(out) and "micro" in result["test"] and "type_macro_f1" in result["test"]
    assert (out / "nkclaims.json").exists() and (out / "delta.safetensors").exists()
    assert main(["export-hf", str(tmp_path / "hf"), "--model", str(out)]) == 0
    from transformers import AutoModelForTokenClassification

    hf = AutoModelForTokenClassification.from_pretrained(str(tmp_path / "hf"))
    assert hf.config.id2label[0] == "O" and len(hf.config.id2label) == 11


def test_cli_model_train_conll_own_labels(tiny_model_dir, tmp_path, capsys):
    conll = tmp_path / "mine.conll"
    conll.write_text("".join("Budi B-PER\nke O\nJakarta B-PLACE\n\n" for _ in range(10)))
    rc = main(["train", "--data", str(conll), "--base", str(tiny_model_dir), "--out", str(tmp_path / "m"),
               "--epochs", "1", "--batch-size", "4", "--device", "cpu"])
    assert rc == 0
    from nkclaims.model import TaggerConfig

    assert TaggerConfig.load(tmp_path / "m").tags == ("O", "B-PER", "I-PER", "B-PLACE", "I-PLACE")


@pytest.mark.parametrize("argv,needle", [
    (["train", "--data", "/no/such.jsonl"], "not found"),
    (["train", "--data", "x.unknown"], "x.unknown"),
    (["export-hf", "/tmp/nk-export", "--model", "/no/such/model"], "model not found"),
])
def test_cli_model_errors_are_one_line(argv, needle, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("nkclaims: error:") and needle in err and "Traceback" not in err
