from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nkclaims.cli import Progress, build_parser, main
from nkclaims.schema import Document

ARTICLE = ("KURSK, KOMPAS.TV - Sebanyak 18 tentara Korea Utara desersi. Menurut Budanov, "
           "sekitar 11.000 prajurit berada di wilayah Kursk, Rabu (23/10/2024).")
TRICKY = "Sebanyak 18\u00a0tentara\r\ndi Kursk\x07\x00 kata\u2028Budanov.\r\n"


def jsonl(*objs) -> str:
    return "".join((o if isinstance(o, str) else json.dumps(o, ensure_ascii=False)) + "\n"
                   for o in objs)


def out_docs(text: str) -> list[Document]:
    return [Document.from_json(line) for line in text.splitlines()]


def assert_valid(doc: Document) -> None:
    """Offsets index the original text, spans are ordered and disjoint, claims point at spans."""
    end = 0
    for s in doc.spans:
        assert end <= s.start < s.end <= len(doc.text), (doc.id, s)
        surface = doc.text[s.start:s.end]
        assert surface and surface == surface.strip(), (doc.id, s, surface)
        end = s.end
    for c in doc.claims or ():
        assert doc.spans[c.troops].label == "TROOPS"
        for i in (c.source, c.cue, c.date, *c.locations):
            assert i is None or 0 <= i < len(doc.spans)


def test_cli_extract_jsonl_one_line_per_doc_in_order(tmp_path, capsys):
    (tmp_path / "b.txt").write_text(ARTICLE)
    (tmp_path / "a.jsonl").write_text(jsonl({"id": "z", "text": ARTICLE}, {"text": "  "},
                                            {"id": "e", "text": ""}))
    assert main(["extract", "--tagger", "rules", str(tmp_path / "b.txt"), str(tmp_path / "a.jsonl")]) == 0
    docs = out_docs(capsys.readouterr().out)
    assert [(d.id, d.text) for d in docs] == [("b", ARTICLE), ("z", ARTICLE), ("a:2", "  "), ("e", "")]
    assert docs[2].spans == () and docs[3].spans == () and docs[3].claims == ()
    for d in docs:
        assert_valid(d)
    assert any(d.surfaces() for d in docs[:2])


def test_cli_extract_output_is_annotation_format(tmp_path, capsys):
    (tmp_path / "x.txt").write_text(ARTICLE)
    main(["extract", "--tagger", "rules", str(tmp_path / "x.txt")])
    obj = json.loads(capsys.readouterr().out)
    assert list(obj) == ["id", "lang", "text", "spans", "claims"]
    for c in obj["claims"]:
        assert set(c) == {"troops", "value", "low", "high", "approx", "unit", "source", "cue",
                          "locations", "date", "via"}


def test_cli_extract_keeps_crlf_nbsp_control_chars_verbatim(tmp_path, capsys):
    (tmp_path / "t.txt").write_bytes(TRICKY.encode())
    (tmp_path / "j.jsonl").write_text(jsonl({"id": "j", "text": TRICKY}), encoding="utf-8")
    assert main(["extract", "--tagger", "rules", str(tmp_path)]) == 0
    docs = out_docs(capsys.readouterr().out)
    assert [d.text for d in docs] == [TRICKY, TRICKY]
    for d in docs:
        assert_valid(d)


def test_cli_extract_one_megabyte_document(tmp_path):
    parts, n = [], 0
    while n < 1_000_000:
        k = len(parts)
        part = (f"Menurut Budanov, sekitar {k % 97 + 2}.{k % 1000:03d} prajurit berada di wilayah "
                f"Kursk{k % 7 * chr(160)}. {ARTICLE}\r\n\x0c ")
        parts.append(part)
        n += len(part)
    text = "".join(parts)
    (tmp_path / "big.txt").write_bytes(text.encode())
    out = tmp_path / "big.jsonl"
    assert main(["extract", "--tagger", "rules", str(tmp_path / "big.txt"), "-o", str(out)]) == 0
    [doc] = out_docs(out.read_text(encoding="utf-8"))
    assert doc.text == text
    assert_valid(doc)
    assert sum(s.label == "TROOPS" for s in doc.spans) >= len(parts)


def test_cli_extract_to_file_and_table(tmp_path, capsys):
    src = tmp_path / "berita.txt"
    src.write_text(ARTICLE)
    out = tmp_path / "out.jsonl"
    assert main(["extract", "--tagger", "rules", str(src), "-o", str(out)]) == 0
    assert capsys.readouterr().out == ""
    assert [d.id for d in out_docs(out.read_text(encoding="utf-8"))] == ["berita"]
    assert not list(tmp_path.glob("*.part"))
    assert main(["extract", "--tagger", "rules", "--format", "table", str(src)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["id", "amount", "unit", "source", "cue", "locations", "date"]
    assert all(line.startswith("berita") for line in lines[1:]) and len(lines) >= 2


def test_cli_extract_skip_bad_continues_keeps_order(tmp_path, capsys):
    p = tmp_path / "in.jsonl"
    p.write_text(jsonl({"id": "1", "text": "satu"}, "{oops", {"id": "2", "text": 2},
                       {"id": "3", "text": ARTICLE}))
    assert main(["extract", "--tagger", "rules", "--skip-bad", str(p)]) == 0
    cap = capsys.readouterr()
    assert [d.id for d in out_docs(cap.out)] == ["1", "3"]
    assert "skipped 2 bad input(s)" in cap.err
    assert f"{p}:2: not valid JSON" in cap.err and f"{p}:3: " in cap.err


@pytest.mark.parametrize("content, message", [
    (b'{"id": "1", "text": "a"}\n{oops\n', "in.jsonl:2: not valid JSON"),
    (b'{"id": "1", "text": "a"}\n{"id": "2", "text": null}\n', 'in.jsonl:2: "text" is missing'),
    (b'{"id": "1", "text": "\xff"}\n', "in.jsonl:1: invalid UTF-8 at byte offset 21"),
])
def test_cli_user_errors_one_line_exit_2(tmp_path, capsys, content, message):
    p = tmp_path / "in.jsonl"
    p.write_bytes(content)
    out = tmp_path / "out.jsonl"
    assert main(["extract", "--tagger", "rules", str(p), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("nkclaims: error: ") and message in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists() and not list(tmp_path.glob("*.part"))


def test_cli_errors_replace_goes_on(tmp_path, capsys):
    (tmp_path / "bad.txt").write_bytes(b"18 tentara \xff di Kursk")
    assert main(["extract", "--tagger", "rules", "--errors", "replace", str(tmp_path / "bad.txt")]) == 0
    [d] = out_docs(capsys.readouterr().out)
    assert d.text == "18 tentara \ufffd di Kursk"


@pytest.mark.parametrize("argv", [
    ["extract", "/nonexistent/in.txt"],
    ["extract", "--tagger", "rules", "-", "-o", "/nonexistent/out.jsonl"],
    ["evaluate", "/nonexistent/g.jsonl", "/nonexistent/p.jsonl"],
])
def test_cli_missing_files_exit_2(capsys, argv):
    assert main(argv) == 2
    assert capsys.readouterr().err.startswith("nkclaims: error: /nonexistent/")


@pytest.mark.parametrize("argv", [[], ["frobnicate"], ["extract"], ["extract", "x", "--batch-size", "0"]])
def test_cli_usage_errors_exit_2(capsys, argv):
    assert main(argv) == 2
    assert "usage: nkclaims" in capsys.readouterr().err


def test_cli_help_and_version_exit_0(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("nkclaims ")
    assert main(["extract", "--help"]) == 0
    assert "--skip-bad" in capsys.readouterr().out


def test_cli_parser_lists_subcommands():
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    assert {"extract", "evaluate"} <= set(sub.choices)


def _write_gold(path: Path, docs: list[Document]) -> None:
    path.write_text("".join(d.to_json() + "\n" for d in docs), encoding="utf-8")


def test_cli_evaluate_table_and_json(tmp_path, capsys, seeds_gold_path):
    pred = tmp_path / "pred.jsonl"
    # Rules output scored against gold: exit 0 whatever the scores are.
    assert main(["extract", "--tagger", "rules", str(seeds_gold_path), "-o", str(pred)]) == 0
    assert main(["evaluate", str(seeds_gold_path), str(pred)]) == 0
    table = capsys.readouterr().out
    assert table.startswith("documents: 5\n") and "\nclaims " in table
    assert main(["evaluate", str(seeds_gold_path), str(seeds_gold_path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["spans_strict"]["ALL"]["f1"] == 1.0 and report["claims"]["f1"] == 1.0


def test_cli_evaluate_mismatch_is_user_error(tmp_path, capsys):
    g, p = tmp_path / "g.jsonl", tmp_path / "p.jsonl"
    _write_gold(g, [Document("a", "x")])
    _write_gold(p, [Document("b", "x")])
    assert main(["evaluate", str(g), str(p)]) == 2
    assert "missing from pred: 'a'" in capsys.readouterr().err


class _FakeExtractor:
    def __init__(self, device):
        self.device, self.calls = device, []

    def extract(self, items, batch_size):
        self.calls.append(batch_size)
        for doc in items:
            # Ids are the extractor's own; the pipeline must restore the input's.
            yield Document(f"model-{doc.id}", doc.text, "xx", (), ())


@pytest.fixture()
def fake_extractor(monkeypatch):
    import types

    made = []
    mod = types.ModuleType("nkclaims.extractor")
    mod.default_available = lambda: True
    mod.load = lambda model=None, device="auto": made.append(_FakeExtractor(device)) or made[-1]
    monkeypatch.setitem(sys.modules, "nkclaims.extractor", mod)
    return made


def test_cli_model_tagger_is_default_when_available(tmp_path, capsys, fake_extractor):
    p = tmp_path / "in.jsonl"
    p.write_text(jsonl({"id": "a", "text": "x", "lang": "en"}, {"id": "b", "text": "y"}))
    assert main(["extract", str(p), "--batch-size", "3", "--device", "cpu"]) == 0
    docs = out_docs(capsys.readouterr().out)
    assert [(d.id, d.lang, d.text) for d in docs] == [("a", "en", "x"), ("b", "id", "y")]
    assert fake_extractor[0].device == "cpu" and fake_extractor[0].calls == [3]
    assert main(["extract", str(p)]) == 0
    capsys.readouterr()
    assert fake_extractor[1].device == "auto" and fake_extractor[1].calls == ["auto"]


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_cli_progress_only_on_tty_and_many_items():
    tty = _Tty()
    assert list(Progress(tty, min_items=3, interval=0).wrap(range(5))) == list(range(5))
    assert tty.getvalue().startswith("\rnkclaims: 3 docs") and tty.getvalue().endswith("\n")
    assert "\rnkclaims: 5 docs" in tty.getvalue()
    few = _Tty()
    list(Progress(few, min_items=10).wrap(range(5)))
    assert few.getvalue() == ""
    plain = io.StringIO()
    list(Progress(plain, min_items=1, interval=0).wrap(range(5)))
    assert plain.getvalue() == ""
    off = _Tty()
    list(Progress(off, min_items=1, interval=0, enabled=False).wrap(range(5)))
    assert off.getvalue() == ""


def test_cli_extract_shows_progress_for_many_docs_on_tty(tmp_path, monkeypatch):
    p = tmp_path / "many.jsonl"
    p.write_text(jsonl(*({"id": str(i), "text": f"{i} tentara"} for i in range(60))))
    err = _Tty()
    monkeypatch.setattr(sys, "stderr", err)
    assert main(["extract", "--tagger", "rules", str(p), "-o", str(tmp_path / "o.jsonl")]) == 0
    assert "nkclaims: 60 docs" in err.getvalue()


def test_cli_python_m_smoke(tmp_path):
    env = {**os.environ, "PYTHONIOENCODING": "ascii", "LC_ALL": "C"}
    res = subprocess.run([sys.executable, "-m", "nkclaims", "extract", "--tagger", "rules", "-"],
                         input=TRICKY.encode(), capture_output=True, env=env, timeout=120)
    assert res.returncode == 0, res.stderr.decode()
    [d] = out_docs(res.stdout.decode("utf-8"))
    assert (d.id, d.text) == ("stdin", TRICKY)
    res = subprocess.run([sys.executable, "-m", "nkclaims", "extract", str(tmp_path / "none.txt")],
                         capture_output=True, timeout=120)
    assert res.returncode == 2
    assert res.stderr.decode().startswith("nkclaims: error: ") and b"Traceback" not in res.stderr
