"""build_dataset, load_jsonl_dataset / load_any dispatch, and the dev-set guard."""
from __future__ import annotations

import json

import pytest

from nkclaims.data.build import DevSetOverlapError, build_dataset, load_any, load_jsonl_dataset, seed_hashes
from nkclaims.data.corpora import corpora_root
from nkclaims.data.synth import generate
from nkclaims.schema import Document, Span, write_jsonl

COLUMNS = {"id", "text", "lang", "spans", "source"}


def _no_seeds(tmp_path):
    return tmp_path / "no-seeds.jsonl"


def _valid_rows(ds):
    for row in ds:
        for s in row["spans"]:
            assert 0 <= s["start"] < s["end"] <= len(row["text"])


def test_build_synth_only_saves_train_and_dev(tmp_path):
    out = tmp_path / "ds"
    dd = build_dataset(out, n_synth=40, include=("synth",), seeds_gold=_no_seeds(tmp_path))
    assert dd["train"].num_rows == 40 and dd["dev"].num_rows == 4
    assert set(dd["train"].column_names) == COLUMNS
    assert not set(dd["train"]["text"]) & set(dd["dev"]["text"])
    back = load_any(out)
    assert back["train"]["text"] == dd["train"]["text"]
    _valid_rows(back["train"])


def test_build_with_corpora_is_stratified_and_deterministic(tmp_path):
    if not (corpora_root() / "idner-news-2k" / "train.txt").is_file():
        pytest.skip("shared corpora not present")
    kw = dict(n_synth=30, n_bppt=20, max_per_corpus=50, include=("synth", "idner", "bppt"),
              seeds_gold=_no_seeds(tmp_path))
    dd = build_dataset(tmp_path / "a", **kw)
    train, dev = dd["train"], dd["dev"]
    assert sorted(set(train["source"])) == ["bppt", "idner", "synth"]
    assert sorted(set(dev["source"])) == ["bppt", "idner", "synth"]
    assert train["source"].count("idner") == 50 and dev["source"].count("idner") == 5
    assert all(i.startswith("idner-dev") for i, s in zip(dev["id"], dev["source"]) if s == "idner")
    _valid_rows(train)
    assert build_dataset(None, **kw)["train"]["id"] == train["id"]


def test_build_rejects_unknown_source(tmp_path):
    with pytest.raises(ValueError, match="unknown sources"):
        build_dataset(None, include=("synth", "wiki"))


def test_build_guard_fires_on_dev_overlap(tmp_path):
    # a dev file that holds a sentence the generator will produce for this seed
    leaked = generate(5, seed=13)[2]
    seeds = tmp_path / "seeds_gold.jsonl"
    write_jsonl([Document("seed-x", "Judul. " + leaked.text, "id", (), ())], str(seeds))
    assert seed_hashes(seeds)
    with pytest.raises(DevSetOverlapError, match="dev set"):
        build_dataset(None, n_synth=5, include=("synth",), seeds_gold=seeds)


def test_build_guard_on_real_seeds(tmp_path, seeds_gold_path):
    from nkclaims.schema import read_jsonl

    gold = read_jsonl(str(seeds_gold_path))[1]
    p = tmp_path / "leak.jsonl"
    write_jsonl([Document("mine", gold.text[:400], "id", (), None)], str(p))
    with pytest.raises(DevSetOverlapError, match="leak.jsonl"):
        load_jsonl_dataset(p)
    with pytest.raises(DevSetOverlapError):
        load_any([p])


def test_build_load_any_dispatches_on_extension(tmp_path):
    seeds = _no_seeds(tmp_path)
    j = tmp_path / "a.jsonl"
    write_jsonl([Document("d1", "di Kursk", "id", (Span(3, 8, "LOC"),), None)], str(j))
    c = tmp_path / "b.conll"
    c.write_text("kata\tO\nBudi\tB-PER\n\n", encoding="utf-8")
    ds = load_any([j, c], tag_map={"PER": "SRC"}, seeds_gold=seeds)
    assert ds["source"] == ["a", "b"] and ds["text"] == ["di Kursk", "kata Budi"]
    assert ds[1]["spans"] == [{"start": 5, "end": 9, "label": "SRC"}]
    assert set(ds.column_names) == COLUMNS


@pytest.mark.parametrize(
    "name, content, match",
    [
        ("x.csv", "a,b\n", "unknown kind"),
        ("bad.jsonl", "{not json}\n", r"bad.jsonl:1: not a document"),
        ("span.jsonl", json.dumps({"id": "a", "text": "abc", "spans": [{"start": 1, "end": 9, "label": "LOC"}]}) + "\n",
         "outside its text"),
        ("ovl.jsonl", json.dumps({"id": "a", "text": "abcdef", "spans": [{"start": 0, "end": 3, "label": "LOC"},
                                                                       {"start": 2, "end": 5, "label": "SRC"}]}) + "\n",
         "overlapping"),
    ],
)
def test_build_load_any_bad_inputs_are_clear(tmp_path, name, content, match):
    p = tmp_path / name
    p.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=match):
        load_any(p, seeds_gold=_no_seeds(tmp_path))


def test_build_load_any_rejects_plain_folder(tmp_path):
    with pytest.raises(ValueError, match="not a dataset saved"):
        load_any(tmp_path)
    with pytest.raises(FileNotFoundError):
        load_jsonl_dataset(tmp_path / "missing.jsonl")
