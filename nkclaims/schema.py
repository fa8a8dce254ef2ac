"""The result types shared by every stage, and their JSON form.

The JSON form is exactly the annotation file format of ``ANNOTATION.md``
(schema v1): one object per document with ``id``, ``lang``, ``text``,
``spans`` and ``claims``; claims point at spans by index.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

SCHEMA_VERSION = 1
LABELS: tuple[str, ...] = ("TROOPS", "LOC", "SRC", "CUE", "DATE")


@dataclass(frozen=True, slots=True)
class Span:
    """A labelled half-open character range ``[start, end)`` of a text.

    >>> Span(0, 5, "LOC").surface("Kursk is far")
    'Kursk'
    """

    start: int
    end: int
    label: str
    score: float | None = None

    def surface(self, text: str) -> str:
        """Return ``text[start:end]``."""
        return text[self.start : self.end]

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"start": self.start, "end": self.end, "label": self.label}
        if self.score is not None:
            d["score"] = round(float(self.score), 4)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Span":
        return cls(int(d["start"]), int(d["end"]), str(d["label"]), d.get("score"))


@dataclass(frozen=True, slots=True)
class Quantity:
    """A parsed troop number: ``value`` with bounds ``low``/``high`` and a hedge flag.

    ``low``/``high`` are ``None`` for an open bound (``lebih dari 600.000`` has
    ``high=None``).

    >>> Quantity(11000, 11000, 11000, True, "sekitar 11.000").approx
    True
    """

    value: int
    low: int | None
    high: int | None
    approx: bool
    text: str


@dataclass(frozen=True, slots=True)
class Claim:
    """One TROOPS span with its unit, attribution, places and date.

    ``troops``, ``source``, ``cue``, ``date``, ``via`` and ``locations`` are
    indexes into the owning document's ``spans``.
    """

    troops: int
    value: int | None
    low: int | None
    high: int | None
    approx: bool
    unit: str | None = None
    source: int | None = None
    cue: int | None = None
    locations: tuple[int, ...] = ()
    date: int | None = None
    via: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "troops": self.troops, "value": self.value, "low": self.low,
            "high": self.high, "approx": self.approx, "unit": self.unit,
            "source": self.source, "cue": self.cue,
            "locations": list(self.locations), "date": self.date, "via": self.via,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Claim":
        return cls(
            troops=int(d["troops"]), value=d.get("value"), low=d.get("low"),
            high=d.get("high"), approx=bool(d.get("approx", False)),
            unit=d.get("unit"), source=d.get("source"), cue=d.get("cue"),
            locations=tuple(d.get("locations") or ()), date=d.get("date"),
            via=d.get("via"),
        )


@dataclass(frozen=True, slots=True)
class Document:
    """A text with its spans and claims; the unit of every input and output.

    ``claims`` is ``None`` when a file carries spans only. ``meta`` rides
    along from the input and is not written to JSON.

    >>> d = Document("a", "Kursk", "id", (Span(0, 5, "LOC"),), ())
    >>> Document.from_json(d.to_json()) == d
    True
    """

    id: str
    text: str
    lang: str = "id"
    spans: tuple[Span, ...] = ()
    claims: tuple[Claim, ...] | None = ()
    meta: Any = field(default=None, compare=False)

    def surfaces(self) -> list[tuple[str, str]]:
        """Return ``(label, surface)`` for every span, in order."""
        return [(s.label, s.surface(self.text)) for s in self.spans]

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": self.id, "lang": self.lang, "text": self.text,
            "spans": [s.to_dict() for s in self.spans],
        }
        if self.claims is not None:
            d["claims"] = [c.to_dict() for c in self.claims]
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Document":
        claims = d.get("claims")
        return cls(
            id=str(d["id"]), text=d["text"], lang=d.get("lang") or "id",
            spans=tuple(Span.from_dict(s) for s in d.get("spans") or ()),
            claims=None if claims is None else tuple(Claim.from_dict(c) for c in claims),
        )

    @classmethod
    def from_json(cls, line: str) -> "Document":
        return cls.from_dict(json.loads(line))


def read_jsonl(path: str) -> list[Document]:
    """Read an annotation file (one document per line) strictly.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "g.jsonl")
    >>> _ = open(p, "w").write('{"id": "x", "lang": "id", "text": "Kursk", "spans": []}\\n')
    >>> read_jsonl(p)[0].id
    'x'
    """
    with open(path, encoding="utf-8") as f:
        return [Document.from_json(line) for line in f if line.strip()]


def write_jsonl(docs: Iterable[Document], path: str) -> None:
    """Write documents in the annotation file format."""
    with open(path, "w", encoding="utf-8") as f:
        for d in docs:
            f.write(d.to_json() + "\n")
