"""Tests for nkclaims.spm_charsmap: SentencePiece-style rules encoded for tokenizers' Precompiled."""
from __future__ import annotations

import pytest

from nkclaims.spm_charsmap import composition_rules, precompiled_charsmap


@pytest.mark.parametrize("rules, text, want", [
    ({"\uff0c": ",", "\x07": ""}, "a\uff0cb\x07c", "a,bc"),
    ({"e\u0301": "\u00e9", "\uff45": "e"}, "Cafe\u0301 \uff45", "Caf\u00e9 e"),
    # tokenizers looks up whole graphemes and takes the shortest matching rule (as the reference does)
    ({"e\u0301": "X", "e": "Y"}, "e\u0301 e", "Y Y"),
    ({}, "abc", "abc"),
])
def test_spm_charsmap_precompiled_rules(rules, text, want):
    from tokenizers.normalizers import Precompiled

    assert Precompiled(precompiled_charsmap(rules)).normalize_str(text) == want


def test_spm_charsmap_many_keys_sharing_prefixes():
    from tokenizers.normalizers import Precompiled

    rules = {chr(cp): f"<{cp:x}>" for cp in range(0x4E00, 0x4E00 + 3000, 3)}
    rules |= {chr(cp): "" for cp in range(0x1F600, 0x1F650)}
    normalizer = Precompiled(precompiled_charsmap(rules))
    text = "".join(chr(cp) for cp in range(0x4DF0, 0x4E00 + 3100)) + "x\U0001F600y\U0001F650"
    assert normalizer.normalize_str(text) == "".join(rules.get(ch, ch) for ch in text)


@pytest.fixture(scope="module")
def fullwidth_e_rules() -> dict[str, str]:
    return composition_rules({0xFF45: "e"})


@pytest.mark.parametrize("key, want", [
    ("e\u0301", "\u00e9"), ("A\u030a", "\u00c5"), ("e\u0323\u0302", "\u1ec7"), ("\uff45\u0301", "\u00e9"),
])
def test_spm_charsmap_composition_rules_compose(fullwidth_e_rules, key, want):
    assert fullwidth_e_rules[key] == want


def test_spm_charsmap_composition_rules_skip_long_implied_and_unknown_keys(fullwidth_e_rules):
    assert all(len(k.encode("utf-8")) <= 5 and len(k) > 1 for k in fullwidth_e_rules)
    assert "DZ\u030c" not in fullwidth_e_rules  # implied by Z + caron -> Ž
    assert "\uff41\u0301" not in fullwidth_e_rules  # fullwidth a is not in the given map
