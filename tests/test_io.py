from __future__ import annotations

import io
import json
import sys

import pytest

from nkclaims.io import InputError, Skipped, read_annotations, read_inputs, write_jsonl
from nkclaims.schema import Document

TRICKY = "18 tentara\r\ndi\u00a0Kursk\x00\x1b\u2028 akhir\u0085\r\n"


def jsonl(*objs) -> str:
    return "".join((o if isinstance(o, str) else json.dumps(o)) + "\n" for o in objs)


def test_io_txt_file_id_is_stem_and_text_verbatim(tmp_path):
    p = tmp_path / "berita-1.txt"
    p.write_bytes(TRICKY.encode("utf-8"))
    [d] = read_inputs([str(p)])
    assert (d.id, d.text, d.lang, d.spans, d.claims) == ("berita-1", TRICKY, "id", (), ())


def test_io_jsonl_text_verbatim_and_lines_split_on_newline_only(tmp_path):
    p = tmp_path / "a.jsonl"
    # U+2028 and U+0085 raw inside a line must not split it.
    p.write_text(json.dumps({"id": "x", "text": TRICKY}, ensure_ascii=False) + "\n", encoding="utf-8")
    [d] = read_inputs([str(p)])
    assert d.text == TRICKY


def test_io_jsonl_fields_and_lang_default(tmp_path):
    p = tmp_path / "a.jsonl"
    p.write_text(jsonl({"id": "x", "text": "a", "lang": "en"}, {"id": 7, "text": "b"}))
    assert [(d.id, d.lang) for d in read_inputs([str(p)])] == [("x", "en"), ("7", "id")]
    assert [d.lang for d in read_inputs([str(p)], lang="ms")] == ["en", "ms"]


def test_io_missing_ids_are_stable(tmp_path):
    p = tmp_path / "batch.jsonl"
    p.write_text(jsonl({"text": "a"}, "", {"text": "a"}, {"id": "named", "text": "b"}))
    first = [d.id for d in read_inputs([str(p)])]
    assert first == ["batch:1", "batch:3", "named"]
    assert [d.id for d in read_inputs([str(p)])] == first


def test_io_folder_sorted_txt_and_jsonl_only(tmp_path):
    (tmp_path / "b.txt").write_text("B")
    (tmp_path / "a.jsonl").write_text(jsonl({"id": "a1", "text": "A1"}, {"id": "a2", "text": "A2"}))
    (tmp_path / "c.md").write_text("ignored")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "d.txt").write_text("not recursive")
    assert [d.id for d in read_inputs([str(tmp_path)])] == ["a1", "a2", "b"]


def test_io_order_preserved_across_paths(tmp_path):
    (tmp_path / "z.txt").write_text("Z")
    (tmp_path / "a.txt").write_text("A")
    paths = [str(tmp_path / "z.txt"), str(tmp_path / "a.txt")]
    assert [d.text for d in read_inputs(paths)] == ["Z", "A"]


@pytest.mark.parametrize("text", ["", "   ", "\n\t \r\n"])
def test_io_empty_and_whitespace_documents_kept(tmp_path, text):
    (tmp_path / "1.txt").write_text("x")
    (tmp_path / "2.txt").write_bytes(text.encode())
    (tmp_path / "3.jsonl").write_text(jsonl({"id": "j", "text": text}))
    docs = list(read_inputs([str(tmp_path)]))
    assert [(d.id, d.text) for d in docs] == [("1", "x"), ("2", text), ("j", text)]


@pytest.mark.parametrize("name, data, offset", [
    ("bad.txt", b"abc\xffdef", 3),
    ("bad.txt", "é".encode() + b"\xc3", 2),
    ("bad.jsonl", b'{"text": "ok"}\n{"text": "\xe9"}\n', 25),
])
def test_io_invalid_utf8_names_file_and_offset(tmp_path, name, data, offset):
    p = tmp_path / name
    p.write_bytes(data)
    with pytest.raises(InputError) as exc:
        list(read_inputs([str(p)]))
    assert str(p) in str(exc.value)
    assert f"invalid UTF-8 at byte offset {offset}" in str(exc.value)


def test_io_invalid_utf8_replace_goes_on(tmp_path):
    p = tmp_path / "bad.txt"
    p.write_bytes(b"abc\xffdef")
    [d] = read_inputs([str(p)], errors="replace")
    assert d.text == "abc\ufffddef"


BAD_LINES = [
    ('{"id": "x", "text": "unterminated}', "not valid JSON"),
    ('["a", "list"]', "expected a JSON object, got list"),
    ('{"id": "x"}', '"text" is missing'),
    ('{"id": "x", "text": 42}', '"text" is int, not a string'),
    ('{"id": "x", "text": ["a"]}', '"text" is list, not a string'),
    ('{"id": ["x"], "text": "a"}', '"id" must be a string or an integer'),
    ('{"id": "x", "text": "a", "lang": 1}', '"lang" must be a string'),
    ('{"id": "x", "text": "a\\ud800"}', "unpaired surrogate"),
]


@pytest.mark.parametrize("line, reason", BAD_LINES)
def test_io_malformed_jsonl_names_file_and_line(tmp_path, line, reason):
    p = tmp_path / "in.jsonl"
    p.write_text(jsonl({"id": "ok", "text": "fine"}, "", line))
    docs = read_inputs([str(p)])
    assert next(docs).id == "ok"  # lazy: good lines before the bad one come out
    with pytest.raises(InputError) as exc:
        next(docs)
    assert str(exc.value).startswith(f"{p}:3: ")
    assert reason in str(exc.value)


def test_io_skip_bad_continues_keeps_order_and_reports(tmp_path):
    a = tmp_path / "a.jsonl"
    a.write_bytes(jsonl({"id": "1", "text": "one"}, BAD_LINES[0][0], {"text": "two"}).encode()
                  + b'{"text": "\xff"}\n' + jsonl({"id": "4", "text": 4}, {"id": "5", "text": "five"}).encode())
    bad_txt = tmp_path / "b.txt"
    bad_txt.write_bytes(b"\xfe")
    c = tmp_path / "c.txt"
    c.write_text("six")
    docs = read_inputs([str(a), str(bad_txt), str(c)], skip_bad=True)
    assert [(d.id, d.text) for d in docs] == [("1", "one"), ("a:3", "two"), ("5", "five"), ("c", "six")]
    assert [(s.path, s.line) for s in docs.skipped] == [
        (str(a), 2), (str(a), 4), (str(a), 5), (str(bad_txt), None)]
    assert "invalid UTF-8 at byte offset 0" in str(docs.skipped[-1])


def test_io_missing_path_fails_before_reading(tmp_path):
    with pytest.raises(InputError, match="nope.txt: no such file or folder"):
        read_inputs([str(tmp_path / "nope.txt")])


def test_io_bad_errors_value():
    with pytest.raises(ValueError, match="errors must be"):
        read_inputs([], errors="ignore")


class _Stdin:
    def __init__(self, data: bytes) -> None:
        self.buffer = io.BytesIO(data)


@pytest.mark.parametrize("data, expected", [
    (b"sekitar 11.000 tentara\r\n", [("stdin", "sekitar 11.000 tentara\r\n")]),
    (b"", [("stdin", "")]),
    (b'{"id": "a", "text": "x"}\n\n{"text": "y"}\n', [("a", "x"), ("stdin:3", "y")]),
    (b'{"id": "a", "text": "x"}\nplain words\n', [("stdin", '{"id": "a", "text": "x"}\nplain words\n')]),
])
def test_io_stdin_text_or_jsonl(monkeypatch, data, expected):
    monkeypatch.setattr(sys, "stdin", _Stdin(data))
    assert [(d.id, d.text) for d in read_inputs(["-"])] == expected


@pytest.mark.parametrize("data, where", [
    (b"ab\x80", "<stdin>: invalid UTF-8 at byte offset 2"),
    (b'{"text": "a"}\n{"text": "\x80"}\n', "<stdin>:2: invalid UTF-8 at byte offset 24"),
])
def test_io_stdin_invalid_utf8_names_stdin(monkeypatch, data, where):
    monkeypatch.setattr(sys, "stdin", _Stdin(data))
    with pytest.raises(InputError, match=where):
        list(read_inputs(["-"]))


def test_io_write_jsonl_streams_and_round_trips():
    docs = [Document("a", TRICKY), Document("b", "")]
    buf = io.StringIO()
    assert write_jsonl(iter(docs), buf) == 2
    lines = buf.getvalue().split("\n")
    assert lines[-1] == "" and len(lines) == 3
    assert [Document.from_json(line) for line in lines[:2]] == docs


def test_io_write_jsonl_escapes_unicode_line_breaks():
    buf = io.StringIO()
    write_jsonl([Document("a", TRICKY)], buf)
    out = buf.getvalue()
    assert len(out.splitlines()) == 1 and "\u00a0" in out  # NBSP stays raw
    assert "\\u2028" in out and "\\u0085" in out
    assert Document.from_json(out).text == TRICKY


def test_io_write_jsonl_is_lazy():
    buf = io.StringIO()

    def gen():
        yield Document("a", "x")
        assert buf.getvalue().count("\n") == 1  # the first line is out before the second is made
        yield Document("b", "y")

    assert write_jsonl(gen(), buf) == 2


def test_io_read_annotations_errors_name_line(tmp_path):
    p = tmp_path / "g.jsonl"
    p.write_text(jsonl({"id": "a", "text": "x", "spans": []}, {"id": "b", "text": "y", "spans": [{"start": 0}]}))
    with pytest.raises(InputError, match=r"g\.jsonl:2: not an annotated document \(missing field 'end'\)"):
        read_annotations(str(p))
    with pytest.raises(InputError, match="no such file"):
        read_annotations(str(tmp_path / "missing.jsonl"))


def test_io_read_annotations_reads_seeds(seeds_gold_path):
    docs = read_annotations(str(seeds_gold_path))
    assert len(docs) == 5 and all(d.claims for d in docs)


def test_io_skipped_str():
    assert str(Skipped("f.txt", None, "why")) == "f.txt: why"
