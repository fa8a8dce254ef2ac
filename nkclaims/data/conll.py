"""Read CoNLL/BIO token files into :class:`~nkclaims.schema.Document` objects.

One token per line, the tag in a chosen column (the last by default),
columns separated by a tab or by spaces, a blank line between sentences.
The sentence text is the tokens joined by single spaces, so every span is a
character range on that text. BIO, IOB1, IOE and BIOES/BILOU tags are read
alike: a chunk starts at ``B``/``S``/``U`` or at an ``I``/``E``/``L`` whose
type differs from the open chunk, and ends after ``E``/``L``/``S``/``U``.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from nkclaims.schema import Document, Span

_TAG = re.compile(r"^([BIESLU])[-_](\S+)$")
_STARTS = frozenset("BSU")
_ENDS = frozenset("ESLU")


class ConllFormatError(ValueError):
    """A CoNLL file line that cannot be read; the message names file and line."""


def _split(line: str, path: str, lineno: int, columns: tuple[int, int]) -> tuple[str, str]:
    cells = line.split("\t") if "\t" in line else line.split()
    cells = [c.strip() for c in cells]
    tok_col, tag_col = columns
    try:
        token, tag = cells[tok_col], cells[tag_col]
    except IndexError:
        raise ConllFormatError(
            f"{path}:{lineno}: expected a token and a tag (columns {columns}), "
            f"got {len(cells)} column(s): {line!r}"
        ) from None
    if len(cells) < 2 or not token:
        raise ConllFormatError(f"{path}:{lineno}: expected a token and a tag, got {line!r}")
    return token, tag


def _parse_tag(tag: str, path: str, lineno: int) -> tuple[str, str]:
    if tag == "O":
        return "O", ""
    m = _TAG.match(tag)
    if m is None:
        raise ConllFormatError(
            f"{path}:{lineno}: tag {tag!r} is not BIO (expected 'O' or a B-/I-/E-/S- prefix)"
        )
    return m.group(1), m.group(2)


def tags_to_spans(
    tokens: list[str], tags: list[tuple[str, str]]
) -> tuple[str, list[Span]]:
    """Join ``tokens`` with spaces and turn parsed ``(prefix, type)`` tags into char spans.

    Args:
        tokens: the sentence tokens.
        tags: one ``(prefix, type)`` pair per token; prefix ``"O"`` for outside.

    Returns:
        The sentence text and its spans, labelled with the raw tag types.

    >>> tags_to_spans(["di", "Kursk", "Rusia"], [("O", ""), ("I", "LOC"), ("B", "LOC")])
    ('di Kursk Rusia', [Span(start=3, end=8, label='LOC', score=None), \
Span(start=9, end=14, label='LOC', score=None)])
    """
    spans: list[Span] = []
    pos = 0
    open_start: int | None = None
    open_type = ""
    end = 0
    for token, (prefix, typ) in zip(tokens, tags):
        start = pos
        pos += len(token)
        if open_start is not None and (prefix == "O" or prefix in _STARTS or typ != open_type):
            spans.append(Span(open_start, end, open_type))
            open_start = None
        if prefix != "O":
            if open_start is None:
                open_start, open_type = start, typ
            end = pos
            if prefix in _ENDS:
                spans.append(Span(open_start, end, open_type))
                open_start = None
        pos += 1
    if open_start is not None:
        spans.append(Span(open_start, end, open_type))
    return " ".join(tokens), spans


def _rename(spans: list[Span], tag_map: Mapping[str, str | None] | None) -> tuple[Span, ...]:
    if tag_map is None:
        return tuple(spans)
    out = []
    for s in spans:
        label = tag_map.get(s.label, s.label)
        if label is not None:
            out.append(Span(s.start, s.end, label))
    return tuple(out)


def read_conll(
    path: str | Path,
    *,
    tag_map: Mapping[str, str | None] | None = None,
    columns: tuple[int, int] = (0, -1),
    lang: str = "id",
    id_prefix: str | None = None,
) -> list[Document]:
    """Read a CoNLL/BIO file into one span-only Document per sentence.

    Args:
        path: the file; UTF-8 (a BOM is tolerated), LF or CRLF line ends.
        tag_map: renames tag types (``{"PER": "SRC"}``); a type mapped to
            ``None`` is dropped; types not in the map are kept as they are.
        columns: ``(token column, tag column)`` indexes into each line's cells.
        lang: the ISO 639-1 code given to every document.
        id_prefix: document ids are ``f"{id_prefix}-{n}"``; the file stem by default.

    Returns:
        Documents with ``claims=None``; ``meta`` holds ``path``, ``line`` (first
        line of the sentence), ``tokens`` and the raw ``tags``.

    Raises:
        ConllFormatError: for a line without a token and a tag, or a tag that is not BIO.
        FileNotFoundError: when ``path`` does not exist.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "x.conll")
    >>> _ = open(p, "w").write("Menurut\\tO\\nAmos\\tB-PER\\nKenda\\tI-PER\\n\\nDi O\\nKursk B-LOC\\n")
    >>> docs = read_conll(p, tag_map={"PER": "SRC"})
    >>> [(d.text, d.surfaces()) for d in docs]
    [('Menurut Amos Kenda', [('SRC', 'Amos Kenda')]), ('Di Kursk', [('LOC', 'Kursk')])]
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"CoNLL file not found: {path}")
    prefix = id_prefix if id_prefix is not None else path.stem
    docs: list[Document] = []
    tokens: list[str] = []
    raw: list[str] = []
    parsed: list[tuple[str, str]] = []
    first_line = 0

    def flush() -> None:
        if tokens:
            text, spans = tags_to_spans(tokens, parsed)
            meta = {"path": str(path), "line": first_line, "tokens": list(tokens), "tags": list(raw)}
            docs.append(Document(f"{prefix}-{len(docs)}", text, lang, _rename(spans, tag_map), None, meta))
        tokens.clear()
        raw.clear()
        parsed.clear()

    with open(path, encoding="utf-8-sig", newline=None) as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\r\n")
            if not line.strip() or line.startswith("-DOCSTART-"):
                flush()
                continue
            token, tag = _split(line, str(path), lineno, columns)
            if not tokens:
                first_line = lineno
            tokens.append(token)
            raw.append(tag)
            parsed.append(_parse_tag(tag, str(path), lineno))
    flush()
    return docs
