"""Split news text into sentences as character ranges on the original text.

The splitter is a single left-to-right pass over candidate boundaries, so it
runs in linear time. A candidate is a run of terminal punctuation (``.``,
``?``, ``!``, ``…``) with any closing quotes or brackets, followed by
whitespace, or a line break. The rules:

- A blank line always ends a sentence.
- A single line break ends a sentence (a headline without a final period is
  its own sentence) unless the next line starts in lower case or with a digit,
  or the line ends in ``,``, ``;``, ``(`` or a dash: that is hard-wrapped prose.
- Terminal punctuation ends a sentence only when the next word can start one
  (upper case letter, digit, opening quote or bracket). So a closing quote
  followed by its attribution (``“Mereka datang!” kata Budanov.``) stays one
  sentence, and the closing quote belongs to the sentence it closes.
- A period never ends a sentence after a title or reference abbreviation
  (``Dr.``, ``Jl.``, ``No.``), an initial (``J. Smith``) or a dotted acronym
  (``U.S.``, ``a.k.a.``). Periods inside numbers (``11.000``) and names
  (``KOMPAS.TV``) are not followed by whitespace and never qualify.
- An ellipsis followed by an editorial insertion (``… [telah]``) does not end
  a sentence.
"""
from __future__ import annotations

import re

__all__ = ["split_sentences"]

# Abbreviations that stand before a name or a number, so the word after them
# starts with a capital or a digit although the sentence goes on. List-closing
# abbreviations (dll., dsb., etc.) are absent on purpose: they often end a
# sentence, and the next word decides.
_NON_FINAL_ABBREVIATIONS = frozenset(
    """
    dr drs dra ir prof h hj kh sdr sdri bpk bp ny jl jln no nr hlm tel telp
    jend letjen mayjen brigjen laksma laksda marsda marsma kol letkol mayor kapt
    lettu letda serka sertu pol
    mr mrs ms messrs st mt ft gen lt col maj capt sgt adm cmdr gov sen rep rev
    vs approx dept est fig inc ltd co corp jr sr
    """.split()
)

_CANDIDATE = re.compile(r"(?:\.{2,}|…|[.?!])+[\"'”’»)\]]*(?=\s|\Z)|\n")
_OPENERS = "“\"'‘«([{"
_HARD_WRAP_ENDS = ",;(-–—"
_DOTTED_ACRONYM = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return the sentences of ``text`` as half-open ``(start, end)`` ranges.

    Ranges are sorted, disjoint, stripped of surrounding whitespace, and
    together cover every non-whitespace character of ``text``.

    Args:
        text: The original document text.

    Returns:
        One ``(start, end)`` pair per sentence, in text order.

    Raises:
        TypeError: ``text`` is not a ``str``.

    >>> t = "Menurut Dr. Budi, sekitar 11.000 tentara tiba. “Mereka datang,” kata dia."
    >>> [t[a:b] for a, b in split_sentences(t)]
    ['Menurut Dr. Budi, sekitar 11.000 tentara tiba.', '“Mereka datang,” kata dia.']
    """
    if not isinstance(text, str):
        raise TypeError(f"split_sentences needs a str, got {type(text).__name__}")
    cuts = [0]
    for m in _CANDIDATE.finditer(text):
        if m.group() == "\n":
            if _newline_ends(text, m.start()):
                cuts.append(m.start())
        elif _punct_ends(text, m.start(), m.end()):
            cuts.append(m.end())
    cuts.append(len(text))
    out: list[tuple[int, int]] = []
    for a, b in zip(cuts, cuts[1:]):
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a < b:
            out.append((a, b))
    return out


def _next_visible(text: str, i: int) -> tuple[int, bool]:
    """Index of the next non-space char at or after ``i``, and whether a blank line came first."""
    newlines = 0
    n = len(text)
    while i < n and text[i].isspace():
        newlines += text[i] == "\n"
        i += 1
    return i, newlines >= 2


def _newline_ends(text: str, i: int) -> bool:
    j, blank = _next_visible(text, i)
    if blank or j >= len(text):
        return True
    k = i
    while k > 0 and text[k - 1].isspace():
        k -= 1
    if k > 0 and text[k - 1] in _HARD_WRAP_ENDS:
        return False
    c = text[j]
    return not (c.islower() or c.isdigit())


def _punct_ends(text: str, start: int, end: int) -> bool:
    j, blank = _next_visible(text, end)
    if blank or j >= len(text):
        return True
    c = text[j]
    punct = text[start:end].rstrip("\"'”’»)]")
    if punct.endswith(("…", "..")) and c in "[(":
        return False
    if not (c.isupper() or c.isdigit() or c in _OPENERS):
        return False
    if punct == "." and text[end - 1] == ".":
        return not _is_abbreviation(text, start)
    return True


def _is_abbreviation(text: str, dot: int) -> bool:
    """Whether the word ending at ``text[dot] == '.'`` is an abbreviation or initial."""
    k = dot
    # Bounded by the previous whitespace, so scans of distinct candidates never overlap.
    while k > 0 and not text[k - 1].isspace():
        k -= 1
    word = text[k:dot].lstrip(_OPENERS)
    if not word:
        return False
    if len(word) == 1 and word.isalpha() and word.isupper():
        return True
    return word.lower() in _NON_FINAL_ABBREVIATIONS or _DOTTED_ACRONYM.fullmatch(word) is not None
