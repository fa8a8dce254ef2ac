"""The ``nkclaims`` command line: ``extract`` and ``evaluate`` here; model commands in ``cli_model``.

Each subcommand has one ``add_<name>_parser`` function that registers its
parser and sets ``func``; :data:`SUBCOMMANDS` lists them, so a new command is
one function plus one entry. User errors print one line
``nkclaims: error: <message>`` on stderr and exit with status 2.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import sys
import time
from typing import IO, Callable, Iterable, Iterator, Sequence

from nkclaims import __version__
from nkclaims.schema import Claim, Document

__all__ = ["Progress", "SUBCOMMANDS", "build_parser", "claims_table", "main"]

# ValueError covers InputError, EvaluationError and bad values met by the
# taggers; OSError unreadable or unwritable files; ImportError the model
# path's dependencies. All are the user's to fix, so no traceback.
_USER_ERRORS = (ValueError, OSError, ImportError)


class Progress:
    """A one-line progress counter on a TTY stream, shown only for many items.

    Nothing is written unless ``enabled`` (default: ``stream.isatty()``) and at
    least ``min_items`` items have gone by; the line is redrawn at most every
    ``interval`` seconds.

    >>> import io
    >>> list(Progress(io.StringIO(), min_items=1).wrap("ab"))  # not a TTY: silent
    ['a', 'b']
    """

    def __init__(self, stream: IO[str], *, min_items: int = 50, interval: float = 0.2,
                 label: str = "docs", enabled: bool | None = None) -> None:
        self.stream, self.min_items, self.interval, self.label = stream, min_items, interval, label
        if enabled is None:
            enabled = bool(getattr(stream, "isatty", lambda: False)())
        self.enabled = enabled

    def wrap(self, items: Iterable) -> Iterator:
        """Yield ``items`` unchanged while drawing the counter; end the line when done."""
        start = last = time.monotonic()
        n = 0
        shown = False
        for item in items:
            yield item
            n += 1
            now = time.monotonic()
            if self.enabled and n >= self.min_items and (not shown or now - last >= self.interval):
                self._draw(n, now - start)
                shown, last = True, now
        if shown:
            self._draw(n, time.monotonic() - start)
            self.stream.write("\n")
            self.stream.flush()

    def _draw(self, n: int, elapsed: float) -> None:
        rate = n / elapsed if elapsed > 0 else 0.0
        self.stream.write(f"\rnkclaims: {n} {self.label}, {rate:.1f}/s, {elapsed:.0f}s")
        self.stream.flush()


def _positive_int(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value!r}")
    return n


def add_extract_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``extract``: inputs in, annotation JSONL (or a table) out."""
    p = sub.add_parser(
        "extract", help="extract troop-number claims from texts",
        description="Read .txt/.jsonl files, folders or - (stdin) and write one annotated "
                    "document per input, in input order.")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help=".txt, .jsonl, folder, or -")
    p.add_argument("-o", "--output", metavar="OUT", help="write here instead of stdout")
    p.add_argument("--format", choices=("jsonl", "table"), default="jsonl",
                   help="jsonl: the annotation format (default); table: claims for reading")
    p.add_argument("--tagger", choices=("rules", "model"),
                   help="default: model when the default model is available, else rules")
    p.add_argument("--model", metavar="DIR", help="model folder for --tagger model (default: the shipped model)")
    p.add_argument("--lang", help="language of inputs that do not name one (default: id)")
    p.add_argument("--errors", choices=("strict", "replace"), default="strict",
                   help="invalid UTF-8: stop with an error (strict) or read it as U+FFFD")
    p.add_argument("--skip-bad", action="store_true",
                   help="skip malformed inputs and list them on stderr")
    p.add_argument("--batch-size", type=_positive_int, metavar="N",
                   help="most windows per model batch (default: sized by a token budget)")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto",
                   help="where the model runs (default auto)")
    p.set_defaults(func=run_extract)


def add_evaluate_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``evaluate``: score a prediction file against a gold file."""
    p = sub.add_parser("evaluate", help="score predictions against gold annotations",
                       description="Strict and overlap span P/R/F1 per label, and claim P/R/F1.")
    p.add_argument("gold", metavar="GOLD", help="gold annotation JSONL")
    p.add_argument("pred", metavar="PRED", help="predicted annotation JSONL")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=run_evaluate)


from nkclaims.cli_model import MODEL_SUBCOMMANDS  # noqa: E402  (after the parsers it sits beside)

SUBCOMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [
    add_extract_parser, add_evaluate_parser, *MODEL_SUBCOMMANDS,
]


def build_parser() -> argparse.ArgumentParser:
    """Return the ``nkclaims`` parser with every subcommand of :data:`SUBCOMMANDS`.

    >>> build_parser().parse_args(["evaluate", "g.jsonl", "p.jsonl"]).json
    False
    """
    parser = argparse.ArgumentParser(
        prog="nkclaims", description="Extract claims about troop numbers from news text.")
    parser.add_argument("--version", action="version", version=f"nkclaims {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for register in SUBCOMMANDS:
        register(sub)
    return parser


def run_extract(args: argparse.Namespace) -> int:
    """Run ``extract`` with parsed arguments; return the exit status."""
    from nkclaims.io import read_inputs
    from nkclaims.pipeline import default_tagger, extract_with_model, extract_with_rules

    inputs = read_inputs(args.inputs, errors=args.errors, skip_bad=args.skip_bad, lang=args.lang)
    tagger = args.tagger or ("model" if args.model else default_tagger())
    if tagger == "model":
        docs = extract_with_model(inputs, batch_size=args.batch_size or "auto",
                                  device=args.device, model=args.model)
    else:
        docs = extract_with_rules(inputs)
    # A counter drawn on the terminal that is also showing the output would
    # garble it, so it runs only when the output goes to a file or a pipe.
    to_terminal = not args.output and sys.stdout.isatty()
    docs = Progress(sys.stderr, enabled=False if to_terminal else None).wrap(docs)
    if args.output:
        # Written beside OUT and moved into place at the end, so a run that
        # stops on bad input leaves no truncated OUT behind.
        tmp = f"{args.output}.part"
        try:
            fh = open(tmp, "w", encoding="utf-8", newline="\n")
        except OSError as e:
            raise OSError(e.errno, e.strerror, args.output) from None
        try:
            with fh as out:
                _write(docs, out, args.format)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        os.replace(tmp, args.output)
    else:
        out = _stdout()
        _write(docs, out, args.format)
        out.flush()
    if inputs.skipped:
        print(f"nkclaims: skipped {len(inputs.skipped)} bad input(s):", file=sys.stderr)
        for s in inputs.skipped:
            print(f"  {s}", file=sys.stderr)
    return 0


def _write(docs: Iterable[Document], out: IO[str], fmt: str) -> None:
    from nkclaims.io import write_jsonl

    if fmt == "table":
        out.write(claims_table(docs) + "\n")
    else:
        write_jsonl(docs, out)


def run_evaluate(args: argparse.Namespace) -> int:
    """Run ``evaluate`` with parsed arguments; return the exit status."""
    from nkclaims.evaluate import evaluate
    from nkclaims.io import read_annotations

    report = evaluate(read_annotations(args.gold), read_annotations(args.pred))
    out = _stdout()
    out.write((json.dumps(report.to_dict(), indent=2) if args.json else report.table()) + "\n")
    return 0


def _stdout() -> IO[str]:
    # Texts are written verbatim (ensure_ascii=False), so stdout must take UTF-8
    # even under a C locale.
    enc = (getattr(sys.stdout, "encoding", None) or "").lower().replace("-", "")
    if enc != "utf8" and hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(encoding="utf-8")
    return sys.stdout


_WS = re.compile(r"\s+")


def _show(text: str, limit: int = 40) -> str:
    flat = _WS.sub(" ", text).strip()
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _amount(c: Claim) -> str:
    if c.low is not None and c.high is not None and c.low != c.high:
        return f"{c.low}-{c.high}"
    if c.low is None and c.high is not None:
        return f"<={c.high}"
    if c.high is None and c.low is not None:
        return f">={c.low}"
    if c.value is None:
        return "?"
    return f"~{c.value}" if c.approx else str(c.value)


def claims_table(docs: Iterable[Document]) -> str:
    """Return an aligned table with one row per claim (one ``-`` row for a claimless doc).

    Columns: doc id, amount (``~n`` hedged, ``>=n``/``<=n`` open bounds,
    ``low-high`` ranges), unit, then source, cue, locations and date as the
    text writes them.

    >>> from nkclaims.schema import Span
    >>> d = Document("a", "sekitar 11.000 prajurit di Kursk",
    ...              spans=(Span(0, 14, "TROOPS"), Span(27, 32, "LOC")),
    ...              claims=(Claim(0, 11000, 11000, 11000, True, "prajurit", locations=(1,)),))
    >>> print(claims_table([d, Document("b", "")]))
    id  amount  unit      source  cue  locations  date
    a   ~11000  prajurit  -       -    Kursk      -
    b   -       -         -       -    -          -
    """
    rows = [("id", "amount", "unit", "source", "cue", "locations", "date")]
    for d in docs:
        def surf(i: int | None) -> str:
            return "-" if i is None else _show(d.spans[i].surface(d.text))

        for c in d.claims or ():
            locs = "; ".join(surf(i) for i in c.locations) or "-"
            rows.append((_show(d.id), _amount(c), _show(c.unit or "-"), surf(c.source),
                         surf(c.cue), locs, surf(c.date)))
        if not d.claims:
            rows.append((_show(d.id), "-", "-", "-", "-", "-", "-"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)


def _message(e: BaseException) -> str:
    if isinstance(e, OSError) and e.filename is not None:
        return f"{e.filename}: {e.strerror or e}"
    return str(e) or type(e).__name__


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (2 for usage and user errors).

    >>> main(["evaluate", "/nonexistent/gold.jsonl", "p.jsonl"])
    2
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse exits on --help, --version and usage errors
        return e.code if isinstance(e.code, int) else 0
    try:
        return args.func(args)
    except BrokenPipeError:
        # The reader went away (``| head``): stop quietly, and keep Python from
        # complaining again when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except _USER_ERRORS as e:
        print(f"nkclaims: error: {_message(e)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
