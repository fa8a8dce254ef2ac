"""Score predicted documents against gold ones: spans (strict, overlap) and claims.

The rules are those of ``ANNOTATION.md``: strict span matches need the same
offsets and label; overlap matches need the same label and any shared
character, counted one-to-one (greedily, largest overlap first); a predicted
claim matches a gold claim when ``value`` is equal, its source overlaps the
gold source (when gold has one) and at least one of its locations overlaps a
gold location (when gold has any), again one-to-one.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from nkclaims.schema import LABELS, Claim, Document, Span

__all__ = ["EvaluationError", "PRF", "Report", "evaluate"]


class EvaluationError(ValueError):
    """Gold and predicted documents cannot be compared (ids, texts or indexes disagree)."""


@dataclass(frozen=True)
class PRF:
    """True positive, false positive and false negative counts with P/R/F1.

    Precision and recall of an empty side are 0.0 (never a division error).

    >>> PRF(3, 1, 2).f1
    0.6667
    """

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return round(self.tp / (self.tp + self.fp), 4) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return round(self.tp / (self.tp + self.fn), 4) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        denom = 2 * self.tp + self.fp + self.fn
        return round(2 * self.tp / denom, 4) if denom else 0.0

    def __add__(self, other: PRF) -> PRF:
        return PRF(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    def to_dict(self) -> dict[str, float | int]:
        """Return counts and scores as plain JSON values.

        >>> PRF(1, 0, 1).to_dict()["recall"]
        0.5
        """
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": self.precision,
                "recall": self.recall, "f1": self.f1}


@dataclass(frozen=True)
class Report:
    """Scores of one evaluation run.

    ``strict`` and ``overlap`` map every label of ``LABELS`` (and any other
    label seen) to its counts; ``"ALL"`` is the micro average over labels.

    >>> r = evaluate([Document("a", "Kursk", spans=(Span(0, 5, "LOC"),))],
    ...              [Document("a", "Kursk", spans=(Span(0, 5, "LOC"),))])
    >>> r.strict["ALL"].f1, r.documents
    (1.0, 1)
    """

    documents: int
    strict: dict[str, PRF] = field(default_factory=dict)
    overlap: dict[str, PRF] = field(default_factory=dict)
    claims: PRF = PRF()

    def to_dict(self) -> dict[str, Any]:
        """Return the report as plain JSON values.

        >>> Report(0).to_dict()["claims"]["f1"]
        0.0
        """
        return {
            "documents": self.documents,
            "spans_strict": {k: v.to_dict() for k, v in self.strict.items()},
            "spans_overlap": {k: v.to_dict() for k, v in self.overlap.items()},
            "claims": self.claims.to_dict(),
        }

    def table(self) -> str:
        """Return an aligned text table: one row per label and mode, then claims.

        >>> print(Report(2, claims=PRF(1, 1, 0)).table().splitlines()[-1])
        claims  -       1   1   0     0.5000  1.0000  0.6667
        """
        rows = [("what", "label", "tp", "fp", "fn", "precision", "recall", "f1")]
        for mode, scores in (("strict", self.strict), ("overlap", self.overlap)):
            rows += [_row(mode, label, prf) for label, prf in scores.items()]
        rows.append(_row("claims", "-", self.claims))
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        # Text columns flush left, numbers flush right so their digits line up.
        lines = ["  ".join(c.ljust(w) if i < 2 else c.rjust(w)
                           for i, (c, w) in enumerate(zip(r, widths))).rstrip() for r in rows]
        return f"documents: {self.documents}\n" + "\n".join(lines)


def _row(mode: str, label: str, prf: PRF) -> tuple[str, ...]:
    return (mode, label, str(prf.tp), str(prf.fp), str(prf.fn),
            f"{prf.precision:.4f}", f"{prf.recall:.4f}", f"{prf.f1:.4f}")


def evaluate(gold: Sequence[Document], pred: Sequence[Document]) -> Report:
    """Compare predictions with gold documents matched by ``id``.

    Both sides must hold the same set of ids, each once, with identical
    texts. A ``claims`` of ``None`` (a spans-only file) counts as no claims.

    Args:
        gold: Reference documents.
        pred: Predicted documents, in any order.

    Returns:
        A :class:`Report` with per-label strict and overlap span scores, their
        micro average under ``"ALL"``, and claim scores.

    Raises:
        EvaluationError: Ids are duplicated or missing on one side, texts
            differ, or a span or claim index is out of range.

    >>> g = Document("a", "18 tentara", spans=(Span(0, 2, "TROOPS"),))
    >>> p = Document("a", "18 tentara", spans=(Span(0, 1, "TROOPS"),))
    >>> r = evaluate([g], [p])
    >>> r.strict["TROOPS"].f1, r.overlap["TROOPS"].f1
    (0.0, 1.0)
    """
    gold_by_id, pred_by_id = _index(gold, "gold"), _index(pred, "pred")
    missing = [i for i in gold_by_id if i not in pred_by_id]
    extra = [i for i in pred_by_id if i not in gold_by_id]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing from pred: {_ids(missing)}")
        if extra:
            parts.append(f"not in gold: {_ids(extra)}")
        raise EvaluationError("gold and pred documents differ; " + "; ".join(parts))

    labels = list(LABELS)
    strict: dict[str, PRF] = {}
    overlap: dict[str, PRF] = {}
    claims = PRF()
    for doc_id, g in gold_by_id.items():
        p = pred_by_id[doc_id]
        if g.text != p.text:
            raise EvaluationError(f"document {doc_id!r}: pred text differs from gold text "
                                  f"(first difference at character {_first_diff(g.text, p.text)})")
        _check_spans(g, "gold")
        _check_spans(p, "pred")
        for lab in {s.label for s in (*g.spans, *p.spans)} - set(labels):
            labels.append(lab)
        for lab in labels:
            gs = [s for s in g.spans if s.label == lab]
            ps = [s for s in p.spans if s.label == lab]
            strict[lab] = strict.get(lab, PRF()) + _strict(gs, ps)
            overlap[lab] = overlap.get(lab, PRF()) + _overlap(gs, ps)
        claims = claims + _claims(g, p)

    strict = {lab: strict.get(lab, PRF()) for lab in labels}
    overlap = {lab: overlap.get(lab, PRF()) for lab in labels}
    strict["ALL"] = sum(strict.values(), PRF())
    overlap["ALL"] = sum(overlap.values(), PRF())
    return Report(len(gold_by_id), strict, overlap, claims)


def _index(docs: Sequence[Document], side: str) -> dict[str, Document]:
    out: dict[str, Document] = {}
    for d in docs:
        if d.id in out:
            raise EvaluationError(f"{side}: document id {d.id!r} appears more than once")
        out[d.id] = d
    return out


def _ids(ids: list[str]) -> str:
    shown = ", ".join(repr(i) for i in ids[:5])
    return shown + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")


def _first_diff(a: str, b: str) -> int:
    return next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))


def _check_spans(doc: Document, side: str) -> None:
    n = len(doc.text)
    for i, s in enumerate(doc.spans):
        if not 0 <= s.start < s.end <= n:
            raise EvaluationError(f"{side} document {doc.id!r}: span {i} [{s.start}, {s.end}) "
                                  f"is empty or outside the text (length {n})")
    for j, c in enumerate(doc.claims or ()):
        refs = [c.troops, c.source, c.cue, c.date, c.via, *c.locations]
        bad = [r for r in refs if r is not None and not 0 <= r < len(doc.spans)]
        if bad:
            raise EvaluationError(f"{side} document {doc.id!r}: claim {j} points at span "
                                  f"{bad[0]}, but the document has {len(doc.spans)} spans")


def _strict(gold: list[Span], pred: list[Span]) -> PRF:
    g = {(s.start, s.end) for s in gold}
    p = {(s.start, s.end) for s in pred}
    tp = len(g & p)
    return PRF(tp, len(p) - tp, len(g) - tp)


def _shared(a: Span, b: Span) -> int:
    return max(0, min(a.end, b.end) - max(a.start, b.start))


def _overlap(gold: list[Span], pred: list[Span]) -> PRF:
    # Greedy, largest overlap first: with non-overlapping spans on each side
    # this is the natural pairing, and it never pairs one span twice.
    pairs = sorted(((_shared(g, p), i, j) for i, g in enumerate(gold) for j, p in enumerate(pred)
                    if _shared(g, p) > 0), key=lambda t: (-t[0], t[1], t[2]))
    used_g: set[int] = set()
    used_p: set[int] = set()
    for _, i, j in pairs:
        if i not in used_g and j not in used_p:
            used_g.add(i)
            used_p.add(j)
    tp = len(used_g)
    return PRF(tp, len(pred) - tp, len(gold) - tp)


def _claim_matches(g: Claim, gd: Document, p: Claim, pd: Document) -> bool:
    if g.value != p.value:
        return False
    if g.source is not None and (
            p.source is None or not _shared(gd.spans[g.source], pd.spans[p.source])):
        return False
    if g.locations and not any(_shared(gd.spans[a], pd.spans[b])
                               for a in g.locations for b in p.locations):
        return False
    return True


def _claims(gd: Document, pd: Document) -> PRF:
    gold, pred = list(gd.claims or ()), list(pd.claims or ())
    # Candidate pairs whose TROOPS spans overlap are tried first, so that two
    # claims with one value pair with the mention they are about.
    cand: dict[int, list[int]] = {}
    for j, p in enumerate(pred):
        ok = [i for i, g in enumerate(gold) if _claim_matches(g, gd, p, pd)]
        ok.sort(key=lambda i: -_shared(gd.spans[gold[i].troops], pd.spans[p.troops]))
        cand[j] = ok
    # Maximum one-to-one matching (augmenting paths): claim lists are short.
    owner: dict[int, int] = {}

    def augment(j: int, seen: set[int]) -> bool:
        for i in cand[j]:
            if i not in seen:
                seen.add(i)
                if i not in owner or augment(owner[i], seen):
                    owner[i] = j
                    return True
        return False

    tp = sum(augment(j, set()) for j in range(len(pred)))
    return PRF(tp, len(pred) - tp, len(gold) - tp)
