"""Read raw inputs into Documents, and write Documents as annotation JSONL.

Inputs are ``.txt`` files (one document each), ``.jsonl`` files (one JSON
object per line with ``text`` and optional ``id``/``lang``), folders of those,
and ``-`` for standard input. Text is never normalised: bytes are decoded as
UTF-8 and kept as they are (CRLF, NBSP, control characters), so every offset
refers to the original text.

Ids: a ``.txt`` file's id is its stem; stdin text is ``stdin``; a JSONL line
without an ``id`` gets ``<file stem>:<line number>`` (``stdin:<n>`` for stdin).
We chose this over a hash of the text because it is stable, unique within a
file even for repeated texts, and tells a reader where the document came from.
"""
from __future__ import annotations

import io
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Iterable, Iterator, Sequence

from nkclaims.schema import Document

__all__ = ["InputError", "InputStream", "Skipped", "read_annotations", "read_inputs",
           "write_jsonl"]

DEFAULT_LANG = "id"
_SUFFIXES = (".txt", ".jsonl")
_SURROGATE = re.compile("[\ud800-\udfff]")
_LINE_BREAKERS = re.compile("[\x85\u2028\u2029]")


class InputError(ValueError):
    """An input cannot be read: missing file, invalid UTF-8, malformed JSONL line."""


@dataclass(frozen=True)
class Skipped:
    """One input left out under ``skip_bad``: where it was and why.

    >>> str(Skipped("a.jsonl", 3, "not valid JSON"))
    'a.jsonl:3: not valid JSON'
    """

    path: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.reason}"


class InputStream(Iterator[Document]):
    """The documents of :func:`read_inputs`, read lazily; ``skipped`` fills as it goes."""

    def __init__(self, docs: Iterable[Document], skipped: list[Skipped]) -> None:
        self._docs = iter(docs)
        self.skipped = skipped

    def __next__(self) -> Document:
        return next(self._docs)


def read_inputs(paths: Sequence[str], *, errors: str = "strict", skip_bad: bool = False,
                lang: str | None = None) -> InputStream:
    """Read documents from files, folders, JSONL files and ``-`` (stdin), in order.

    Documents come with empty ``spans`` and ``claims=()``. Empty and
    whitespace-only documents are kept; blank JSONL lines are not documents.

    Args:
        paths: ``.txt`` or ``.jsonl`` files (other suffixes are read as text),
            folders (their ``.txt``/``.jsonl`` files, sorted by name, not
            recursive) and ``-`` for stdin (JSONL when every non-blank line
            starts with ``{``, else one text document).
        errors: ``"strict"`` raises on invalid UTF-8; ``"replace"`` decodes
            it as U+FFFD and goes on.
        skip_bad: Leave out malformed JSONL lines and undecodable inputs
            instead of raising, and list them in ``.skipped``.
        lang: Language of documents that do not name one (default ``"id"``).

    Returns:
        An iterator of Documents with a ``skipped`` list of :class:`Skipped`.

    Raises:
        InputError: A path does not exist or is unreadable, or (unless
            ``skip_bad``) a file is not valid UTF-8 (the message names the
            file and byte offset) or a JSONL line is malformed or has no
            string ``text`` (the message names the file and line).

    >>> import os, tempfile
    >>> d = tempfile.mkdtemp()
    >>> _ = open(os.path.join(d, "a.txt"), "w").write("18 tentara\\r\\n")
    >>> [(doc.id, doc.text) for doc in read_inputs([d])]
    [('a', '18 tentara\\r\\n')]
    """
    if errors not in ("strict", "replace"):
        raise ValueError(f"errors must be 'strict' or 'replace', not {errors!r}")
    for p in paths:
        # Checked up front so a typo fails before any output is written.
        if p != "-" and not Path(p).exists():
            raise InputError(f"{p}: no such file or folder")
    skipped: list[Skipped] = []
    return InputStream(_read_all(list(paths), errors, skip_bad, lang or DEFAULT_LANG, skipped),
                       skipped)


def _read_all(paths: list[str], errors: str, skip_bad: bool, lang: str,
              skipped: list[Skipped]) -> Iterator[Document]:
    for p in paths:
        for name, kind, data in _sources(p):
            try:
                if kind == "jsonl":
                    yield from _read_jsonl(name, data, errors, skip_bad, lang, skipped)
                else:
                    yield Document(_stem(name), _decode(data(), name, errors, 0), lang, (), ())
            except _BadInput as e:
                if not skip_bad:
                    raise InputError(str(e)) from None
                skipped.append(Skipped(name, e.line, e.reason))


class _BadInput(Exception):
    def __init__(self, path: str, line: int | None, reason: str) -> None:
        super().__init__(str(Skipped(path, line, reason)))
        self.line, self.reason = line, reason


def _sources(p: str) -> Iterator[tuple[str, str, Any]]:
    """Yield ``(name, kind, data)``: lines of bytes for JSONL, a reader for text."""
    if p == "-":
        raw = sys.stdin.buffer.read()
        lines = [ln for ln in raw.split(b"\n") if ln.strip()]
        if lines and all(ln.lstrip().startswith(b"{") for ln in lines):
            yield "<stdin>", "jsonl", io.BytesIO(raw)
        else:
            yield "<stdin>", "text", lambda: raw
        return
    path = Path(p)
    if path.is_dir():
        children = sorted(c for c in path.iterdir() if c.is_file() and c.suffix in _SUFFIXES)
        for c in children:
            yield from _sources(str(c))
        return
    if path.suffix == ".jsonl":
        yield p, "jsonl", _lines(path)
    else:
        yield p, "text", lambda: _read_bytes(path)


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror or e}") from None


def _lines(path: Path) -> Iterator[bytes]:
    try:
        fh = path.open("rb")
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror or e}") from None
    # Binary lines split on b"\n" only: str.splitlines would also split on
    # U+2028, U+0085 and other characters that may sit inside a text.
    with fh:
        yield from fh


def _decode(data: bytes, name: str, errors: str, base: int, line: int | None = None) -> str:
    try:
        return data.decode("utf-8", errors=errors)
    except UnicodeDecodeError as e:
        raise _BadInput(name, line, f"invalid UTF-8 at byte offset {base + e.start} "
                                    f"(byte 0x{data[e.start]:02x})") from None


def _stem(name: str) -> str:
    return "stdin" if name == "<stdin>" else Path(name).stem


def _read_jsonl(name: str, lines: Iterable[bytes], errors: str, skip_bad: bool, lang: str,
                skipped: list[Skipped]) -> Iterator[Document]:
    stem = _stem(name)
    offset = 0
    for no, raw in enumerate(lines, start=1):
        try:
            if raw.strip():
                yield _parse_line(raw, name, no, offset, errors, lang, f"{stem}:{no}")
        except _BadInput as e:
            if not skip_bad:
                raise InputError(str(e)) from None
            skipped.append(Skipped(name, no, e.reason))
        offset += len(raw)


def _parse_line(raw: bytes, name: str, no: int, offset: int, errors: str, lang: str,
                default_id: str) -> Document:
    line = _decode(raw, name, errors, offset, no)
    try:
        # strict=False admits raw tabs and other control characters inside
        # strings, which some writers emit; they stay in the text verbatim.
        obj = json.loads(line, strict=False)
    except json.JSONDecodeError as e:
        raise _BadInput(name, no, f"not valid JSON ({e.msg} at column {e.colno})") from None
    if not isinstance(obj, dict):
        raise _BadInput(name, no, f"expected a JSON object, got {type(obj).__name__}")
    text = obj.get("text")
    if not isinstance(text, str):
        what = "missing" if text is None else f"{type(text).__name__}, not a string"
        raise _BadInput(name, no, f'"text" is {what}')
    if _SURROGATE.search(text):
        raise _BadInput(name, no, '"text" holds an unpaired surrogate (not encodable as UTF-8)')
    doc_id = obj.get("id")
    if doc_id is None:
        doc_id = default_id
    elif isinstance(doc_id, (str, int)) and not isinstance(doc_id, bool):
        doc_id = str(doc_id)
    else:
        raise _BadInput(name, no, f'"id" must be a string or an integer, '
                                  f"not {type(doc_id).__name__}")
    doc_lang = obj.get("lang") or lang
    if not isinstance(doc_lang, str):
        raise _BadInput(name, no, f'"lang" must be a string, not {type(doc_lang).__name__}')
    return Document(doc_id, text, doc_lang, (), ())


def read_annotations(path: str) -> list[Document]:
    """Read an annotation file (gold or predicted), with errors naming file and line.

    Args:
        path: A JSONL file in the format of ``ANNOTATION.md``.

    Returns:
        The documents, with their spans and claims.

    Raises:
        InputError: The file is missing, not UTF-8, or a line is not a valid
            annotated document.

    >>> import os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "g.jsonl")
    >>> _ = open(p, "w").write('{"id": "x", "text": "Kursk", "spans": []}\\n')
    >>> read_annotations(p)[0].claims is None
    True
    """
    if not Path(path).is_file():
        raise InputError(f"{path}: no such file")
    docs = []
    offset = 0
    for no, raw in enumerate(_lines(Path(path)), start=1):
        if raw.strip():
            docs.append(_parse_annotated(raw, path, no, offset))
        offset += len(raw)
    return docs


def _parse_annotated(raw: bytes, path: str, no: int, offset: int) -> Document:
    try:
        obj = json.loads(_decode(raw, path, "strict", offset, no), strict=False)
        if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
            raise ValueError('expected a JSON object with a string "text"')
        return Document.from_dict(obj)
    except _BadInput as e:
        raise InputError(str(e)) from None
    except json.JSONDecodeError as e:
        raise InputError(f"{path}:{no}: not valid JSON ({e.msg} at column {e.colno})") from None
    except KeyError as e:
        raise InputError(f"{path}:{no}: not an annotated document (missing field {e})") from None
    except (TypeError, ValueError, AttributeError) as e:
        raise InputError(f"{path}:{no}: not an annotated document ({e})") from None


def write_jsonl(docs: Iterable[Document], fh: IO[str]) -> int:
    """Write documents to an open text stream, one JSON line each, as they come.

    Non-ASCII text is written as is, except U+0085, U+2028 and U+2029, which
    are escaped so that no line-splitting reader cuts a document in two.

    Args:
        docs: Documents (any iterable; consumed lazily).
        fh: A text stream opened for writing (UTF-8 for non-ASCII text).

    Returns:
        The number of documents written.

    >>> import io
    >>> buf = io.StringIO()
    >>> write_jsonl([Document("a", "x\\u00a0y")], buf)
    1
    >>> buf.getvalue()
    '{"id": "a", "lang": "id", "text": "x\\xa0y", "spans": [], "claims": []}\\n'
    """
    n = 0
    for d in docs:
        line = d.to_json()
        if _LINE_BREAKERS.search(line):
            # Legal raw in JSON, but str.splitlines() and some JSONL readers
            # break lines there; escaped, the text reads back the same.
            line = _LINE_BREAKERS.sub(lambda m: f"\\u{ord(m.group()):04x}", line)
        fh.write(line + "\n")
        n += 1
    return n
