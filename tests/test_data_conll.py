"""read_conll: text rebuilding, BIO variants, tag_map, formats and clear errors."""
from __future__ import annotations

import pytest

from nkclaims.data.conll import ConllFormatError, read_conll


def _write(tmp_path, content: str, name: str = "f.conll", newline: str = "\n"):
    p = tmp_path / name
    p.write_bytes(content.replace("\n", newline).encode("utf-8"))
    return p


def test_conll_bio_tab_spans_and_text(tmp_path):
    p = _write(tmp_path, "Menurut\tO\nAmos\tB-PER\nKenda\tI-PER\n,\tO\ndi\tO\nKursk\tB-LOC\n")
    (doc,) = read_conll(p)
    assert doc.text == "Menurut Amos Kenda , di Kursk"
    assert doc.surfaces() == [("PER", "Amos Kenda"), ("LOC", "Kursk")]
    assert doc.claims is None
    assert doc.meta["line"] == 1 and doc.meta["tags"][1] == "B-PER"


def test_conll_three_columns_crlf_docstart(tmp_path):
    body = "-DOCSTART- -X- O\n\nKata NOUN O\nAnis PROPN B-PER\n\nDi ADP O\nJakarta PROPN B-LOC\n"
    p = _write(tmp_path, body, newline="\r\n")
    docs = read_conll(p, id_prefix="idn")
    assert [d.id for d in docs] == ["idn-0", "idn-1"]
    assert [d.surfaces() for d in docs] == [[("PER", "Anis")], [("LOC", "Jakarta")]]
    assert all("\r" not in d.text for d in docs)
    assert docs[1].meta["line"] == 6


@pytest.mark.parametrize(
    "tags, expected",
    [
        (["B-X", "I-X", "B-X"], [("X", "a b"), ("X", "c")]),  # BIO
        (["I-X", "I-X", "B-X"], [("X", "a b"), ("X", "c")]),  # IOB1
        (["I-X", "I-Y", "O"], [("X", "a"), ("Y", "b")]),  # type change splits
        (["B-X", "E-X", "S-X"], [("X", "a b"), ("X", "c")]),  # BIOES
        (["U-X", "B-X", "L-X"], [("X", "a"), ("X", "b c")]),  # BILOU
        (["O", "I-X", "O"], [("X", "b")]),
    ],
)
def test_conll_bio_variants(tmp_path, tags, expected):
    p = _write(tmp_path, "".join(f"{t}\t{g}\n" for t, g in zip("abc", tags)))
    (doc,) = read_conll(p)
    assert doc.surfaces() == expected
    for s in doc.spans:
        assert doc.text[s.start : s.end] == s.surface(doc.text)


def test_conll_tag_map_renames_and_drops(tmp_path):
    p = _write(tmp_path, "Amos\tB-PPL\ndi\tO\nmanado\tB-PLC\nsoto\tB-FNB\n")
    (doc,) = read_conll(p, tag_map={"PPL": "SRC", "PLC": "LOC", "FNB": None})
    assert doc.surfaces() == [("SRC", "Amos"), ("LOC", "manado")]


@pytest.mark.parametrize(
    "content, needle",
    [
        ("a\tO\nlonely\nc\tO\n", ":2:"),
        ("a\tO\nb\tPER\n", "not BIO"),
        ("a\tO\nb\tX-PER\n", ":2:"),
        ("a O\n\nb B-\n", ":3:"),
    ],
)
def test_conll_malformed_line_names_file_and_line(tmp_path, content, needle):
    p = _write(tmp_path, content, name="bad.bio")
    with pytest.raises(ConllFormatError, match="bad.bio") as err:
        read_conll(p)
    assert needle in str(err.value)


def test_conll_columns_select_token_and_tag(tmp_path):
    p = _write(tmp_path, "B-LOC Kursk NOUN\nO kota NOUN\n")
    (doc,) = read_conll(p, columns=(1, 0))
    assert doc.surfaces() == [("LOC", "Kursk")]


def test_conll_missing_file_is_clear(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.conll"):
        read_conll(tmp_path / "nope.conll")
