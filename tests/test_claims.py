"""Claim assembly from spans: each linking rule on made-up id/ms/en sentences.

Texts are written with inline marks, ``[LABEL surface]``, which become spans.
"""
from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nkclaims.claims import assemble
from nkclaims.schema import Claim, Span

_MARK = re.compile(r"\[(TROOPS|LOC|SRC|CUE|DATE) ([^\]]+)\]")


def _doc(marked: str) -> tuple[str, list[Span]]:
    """Turn ``"[SRC Budi] said"`` into ``("Budi said", [Span(0, 4, "SRC")])``."""
    text, spans, pos = [], [], 0
    for m in _MARK.finditer(marked):
        text.append(marked[pos : m.start()])
        start = sum(map(len, text))
        text.append(m.group(2))
        spans.append(Span(start, start + len(m.group(2)), m.group(1)))
        pos = m.end()
    text.append(marked[pos:])
    return "".join(text), spans


def _view(text: str, spans: list[Span], c: Claim) -> dict[str, object]:
    def s(i: int | None) -> str | None:
        return None if i is None else spans[i].surface(text)

    return {
        "troops": s(c.troops), "value": c.value, "unit": c.unit, "source": s(c.source),
        "cue": s(c.cue), "via": s(c.via), "locations": [s(i) for i in c.locations], "date": s(c.date),
    }


def _claims(marked: str, lang: str) -> list[dict[str, object]]:
    text, spans = _doc(marked)
    return [_view(text, spans, c) for c in assemble(text, spans, lang)]


def _last(marked: str, lang: str) -> dict[str, object]:
    return _claims(marked, lang)[-1]


# ----------------------------------------------------------------- attribution
@pytest.mark.parametrize(
    ("lang", "marked", "source", "cue"),
    [
        # cue before the statement
        ("id", "[CUE Menurut] [SRC Sari Dewi], [TROOPS sekitar 4.000] tentara berjaga.", "Sari Dewi", "Menurut"),
        ("ms", "[CUE Menurut] jurucakap tentera [SRC Ahmad Zaki], [TROOPS 900] askar berkawal.",
         "Ahmad Zaki", "Menurut"),
        ("en", "[CUE According to] [SRC Reuters], [TROOPS about 7,000] soldiers crossed.",
         "Reuters", "According to"),
        # attribution after a quotation
        ("id", "“Ada [TROOPS 500] tentara di sana,” [CUE kata] [SRC Joko].", "Joko", "kata"),
        ("ms", "“Kira-kira [TROOPS 800] askar sudah tiba,” [CUE kata] [SRC Ahmad].", "Ahmad", "kata"),
        ("en", "“We saw [TROOPS 2,000] troops,” [CUE said] [SRC Colonel Grey].", "Colonel Grey", "said"),
        ("en", "“We saw [TROOPS 2,000] troops,” [SRC Grey] [CUE said].", "Grey", "said"),
        # subject and verb
        ("id", "[SRC Kementerian Pertahanan] [CUE mengatakan] [TROOPS 1.200] personel dikirim.",
         "Kementerian Pertahanan", "mengatakan"),
        ("ms", "[SRC Kementerian Pertahanan] [CUE berkata] [TROOPS 600] anggota dihantar.",
         "Kementerian Pertahanan", "berkata"),
        ("en", "[SRC The ministry] [CUE said] on Monday that [TROOPS 3,500] troops had left.",
         "The ministry", "said"),
        # the one spoken to is not the speaker
        ("id", "[SRC Budi] kepada [SRC Reuters] [CUE mengatakan] [TROOPS 90] tentara tiba.", "Budi", "mengatakan"),
        ("en", "[SRC Smith], speaking to [SRC Reuters], [CUE said] [TROOPS 90] troops left.", "Smith", "said"),
        # subject separated by an aside
        ("id", "[SRC Sari] kepada wartawan di kantornya, [CUE mengatakan] [TROOPS 300] tentara tiba.",
         "Sari", "mengatakan"),
        # a passive relay alone is the source
        ("id", "Sebanyak [TROOPS 700] tentara dikerahkan, [CUE dikutip] [SRC Harian Rakyat].",
         "Harian Rakyat", "dikutip"),
        ("en", "Some [TROOPS 5,000] troops moved, [CUE as reported by] [SRC Kyodo].", "Kyodo", "as reported by"),
        # the verb's subject is not tagged: a name after it is not its speaker
        ("id", "Pejabat itu [CUE mengatakan] [SRC Budi] membawa [TROOPS 30] tentara.", None, "mengatakan"),
        ("en", "“It is over,” [CUE said] [SRC Colonel Grey], adding [TROOPS 40] troops left.", "Colonel Grey", "said"),
        # a passive without agent is a bare cue
        ("id", "Negara itu [CUE dilaporkan] menyiapkan [TROOPS 8.000] tentara.", None, "dilaporkan"),
        ("en", "The army [CUE reportedly] moved [TROOPS 400] soldiers.", None, "reportedly"),
        # no cue, no source
        ("id", "Sebanyak [TROOPS 40] tentara tiba kemarin.", None, None),
    ],
)
def test_claims_attribution_in_sentence(lang: str, marked: str, source: str | None, cue: str | None) -> None:
    got = _last(marked, lang)
    assert (got["source"], got["cue"]) == (source, cue)


@pytest.mark.parametrize(
    ("lang", "marked", "source", "cue", "via"),
    [
        ("en", "[SRC Time] [CUE citing] [SRC defence officials] says [TROOPS 9,000] soldiers left.",
         "defence officials", "citing", "Time"),
        ("id", "[SRC Antara] [CUE mengutip] [SRC juru bicara militer] menyebut [TROOPS 2.000] tentara tiba.",
         "juru bicara militer", "mengutip", "Antara"),
        ("ms", "[SRC Bernama] [CUE memetik] [SRC pegawai tentera] berkata [TROOPS 150] askar cedera.",
         "pegawai tentera", "memetik", "Bernama"),
        ("id", "“Ada [TROOPS 600] tentara,” [CUE ujar] [SRC Andi] [CUE seperti dikutip oleh] [SRC Warta Kota].",
         "Andi", "ujar", "Warta Kota"),
        ("en", "“We have [TROOPS 300] men,” [SRC Smith] [CUE said], [CUE quoted by] [SRC AFP].",
         "Smith", "said", "AFP"),
    ],
)
def test_claims_nested_attribution_takes_innermost(lang: str, marked: str, source: str, cue: str, via: str) -> None:
    got = _last(marked, lang)
    assert (got["source"], got["cue"], got["via"]) == (source, cue, via)


@pytest.mark.parametrize(
    ("lang", "marked", "source", "cue"),
    [
        ("id", "[SRC Rina Putri] [CUE mengatakan] pasukan siap. Sekitar [TROOPS 1.000] tentara berjaga, [CUE katanya].",
         "Rina Putri", "katanya"),
        ("id", "[SRC Rina] [CUE mengatakan] semua siap. [CUE Menurutnya], [TROOPS 250] tentara berjaga.",
         "Rina", "Menurutnya"),
        ("id", "“Kami siap,” [CUE kata] [SRC Rina]. Dia juga [CUE mengatakan] [TROOPS tiga] batalion siap.",
         "Rina", "mengatakan"),
        ("ms", "[SRC Ahmad] [CUE berkata] keadaan tenang. Seramai [TROOPS 90] askar berkawal, [CUE katanya].",
         "Ahmad", "katanya"),
        ("id", "[SRC Rina] [CUE mengatakan] semua siap. Ada [TROOPS 250] tentara berjaga, [CUE kata] dia.",
         "Rina", "kata"),
        ("en", "[SRC Smith] [CUE said] the border was calm. He [CUE added] that [TROOPS 600] troops stayed.",
         "Smith", "added"),
        # an outlet that only relayed the words is not the speaker
        ("id", "“Kami siap,” [CUE kata] [SRC Budi] [CUE seperti dikutip] [SRC Warta]. [CUE Menurutnya], "
               "[TROOPS 300] tentara tiba.", "Budi", "Menurutnya"),
        # the last named speaker wins over an earlier one
        ("en", "[SRC Lee] [CUE said] no. [SRC Kim] [CUE said] yes. She [CUE told] us [TROOPS 70] soldiers died.",
         "Kim", "told"),
    ],
)
def test_claims_pronoun_cue_takes_last_named_speaker(lang: str, marked: str, source: str, cue: str) -> None:
    got = _last(marked, lang)
    assert (got["source"], got["cue"]) == (source, cue)


@pytest.mark.parametrize(
    ("lang", "marked", "source"),
    [
        ("id", "[SRC Rina] [CUE mengatakan] [TROOPS 5.000] tentara tiba. Cuaca buruk. "
               "Dari jumlah tersebut, [TROOPS 1.000] tentara ke utara.", "Rina"),
        ("ms", "[SRC Ahmad] [CUE berkata] [TROOPS 800] askar tiba. Daripada jumlah itu, [TROOPS 300] askar cedera.",
         "Ahmad"),
        ("en", "[SRC NATO] [CUE said] [TROOPS 4,000] troops arrived. Of these, [TROOPS 900] were sent north.", "NATO"),
        ("id", "[SRC Rina] [CUE mengatakan] [TROOPS 5.000] tentara tiba. Sebagian besar dari mereka, "
               "[TROOPS 3.000] tentara, ke utara.", "Rina"),
        # no continuation marker: the next sentence is on its own
        ("id", "[SRC Rina] [CUE mengatakan] [TROOPS 5.000] tentara tiba. Lalu [TROOPS 200] tentara pergi.", None),
        ("en", "[SRC NATO] [CUE said] [TROOPS 4,000] troops arrived. Another [TROOPS 900] were sent north.", None),
    ],
)
def test_claims_continuation_inherits_previous_claim(lang: str, marked: str, source: str | None) -> None:
    assert _last(marked, lang)["source"] == source


@pytest.mark.parametrize(
    ("lang", "marked", "source"),
    [
        ("id", "“Kami melihat banyak gerakan. Ada [TROOPS 400] tentara di sana,” [CUE kata] [SRC Budi].", "Budi"),
        ("en", "[SRC Grey] [CUE said]: “It is bad. They sent [TROOPS 700] troops.”", "Grey"),
        # a cue far from the quotation is not its attribution
        ("id", "“Situasi buruk. Ada [TROOPS 400] tentara.” Hujan turun sepanjang hari dan [SRC Budi] [CUE mengatakan] "
               "jalan rusak.", None),
    ],
)
def test_claims_multi_sentence_quotation_takes_its_attribution(lang: str, marked: str, source: str | None) -> None:
    assert _last(marked, lang)["source"] == source


@pytest.mark.parametrize(
    ("lang", "marked", "source", "cue"),
    [
        # a cue linked to a source beats a nearer bare one
        ("id", "[SRC Rina] [CUE mengatakan] negara itu [CUE dikabarkan] mengirim [TROOPS 900] tentara.",
         "Rina", "mengatakan"),
        # of two linked cues, the nearer to the number wins
        ("en", "[SRC Lee] [CUE said] talks failed, while [SRC Park] [CUE said] [TROOPS 1,100] troops left.",
         "Park", "said"),
    ],
)
def test_claims_prefers_linked_then_nearest_cue(lang: str, marked: str, source: str, cue: str) -> None:
    got = _last(marked, lang)
    assert (got["source"], got["cue"]) == (source, cue)
    text, spans = _doc(marked)
    claim = assemble(text, spans, lang)[-1]
    assert claim.cue == max(i for i, s in enumerate(spans) if s.label == "CUE" and s.surface(text) == cue)


# ------------------------------------------------------------ places and date
@pytest.mark.parametrize(
    ("lang", "marked", "locations"),
    [
        ("id", "Sekitar [TROOPS 2.000] tentara tiba di [LOC Sumatra] kemarin.", ["Sumatra"]),
        ("id", "Sebanyak [TROOPS 300] tentara dikirim ke wilayah perbatasan [LOC Papua].", ["Papua"]),
        ("ms", "Seramai [TROOPS 400] askar dihantar ke [LOC Sabah] dan [LOC Sarawak].", ["Sabah", "Sarawak"]),
        ("en", "About [TROOPS 1,500] soldiers are stationed in [LOC Tartu], [LOC Estonia].", ["Tartu", "Estonia"]),
        ("en", "In [LOC Narva], [TROOPS 200] troops stood guard.", ["Narva"]),
        # dateline
        ("id", "[LOC MEDAN], HARIAN.COM - Sebanyak [TROOPS 60] tentara tiba.", ["MEDAN"]),
        ("en", "[LOC TALLINN] (Wire) — About [TROOPS 90] troops arrived.", ["TALLINN"]),
        # a place far from the number, or not locative, is not linked
        ("id", "[TROOPS 500] tentara itu merupakan bagian dari kerja sama yang sudah lama dibahas oleh para "
               "pemimpin dalam beberapa pertemuan di [LOC Jakarta].", []),
        ("en", "[LOC Latvia] sent [TROOPS 300] soldiers.", []),
        # a coordinated number owns the places after it
        ("id", "Ada [TROOPS 500] tentara di [LOC Bogor] dan [TROOPS 300] tentara di [LOC Depok].", ["Depok"]),
        ("en", "It sent [TROOPS 500] troops to [LOC Tartu], while [TROOPS 300] went to [LOC Parnu].", ["Parnu"]),
        # a place on the far side of a cue belongs to the attribution
        ("id", "Ada [TROOPS 200] tentara, [CUE kata] pejabat di [LOC Bandung].", []),
        ("en", "An official in [LOC Riga] [CUE said] [TROOPS 200] troops left.", []),
        # a place in another sentence is not used
        ("id", "Pasukan tiba di [LOC Aceh]. Sebanyak [TROOPS 70] tentara berjaga.", []),
    ],
)
def test_claims_locations_linked_to_number(lang: str, marked: str, locations: list[str]) -> None:
    assert _last(marked, lang)["locations"] == locations


def test_claims_locations_of_parallel_numbers_stay_apart() -> None:
    first = _claims("Ada [TROOPS 500] tentara di [LOC Bogor] dan [TROOPS 300] tentara di [LOC Depok].", "id")[0]
    assert first["locations"] == ["Bogor"]
    nested = "Mereka membunuh [TROOPS satu] unit yang terdiri dari [TROOPS 25] tentara di [LOC Bogor]."
    assert [c["locations"] for c in _claims(nested, "id")] == [["Bogor"], ["Bogor"]]


@pytest.mark.parametrize(
    ("lang", "marked", "date"),
    [
        ("id", "Pada [DATE Senin (4/11)], [TROOPS 500] tentara tiba.", "Senin (4/11)"),
        ("ms", "Seramai [TROOPS 50] askar tiba pada [DATE 3 Mac] dan pergi pada [DATE Mei lalu].", "3 Mac"),
        ("en", "It rained on [DATE Monday]. About [TROOPS 800] troops left.", None),
    ],
)
def test_claims_date_in_sentence(lang: str, marked: str, date: str | None) -> None:
    assert _last(marked, lang)["date"] == date


# ------------------------------------------------------------- unit and value
@pytest.mark.parametrize(
    ("lang", "marked", "unit"),
    [
        ("id", "Ada [TROOPS sekitar 11.000] prajurit infanteri.", "prajurit"),
        ("id", "Termasuk [TROOPS 3.000] bala bantuan baru.", "bala bantuan"),
        ("id", "Ada [TROOPS lima] unit, masing-masing besar.", "unit"),
        ("ms", "Seramai [TROOPS 300] anggota tentera tiba.", "anggota tentera"),
        ("id", "Sebanyak [TROOPS 18] orang tentara kabur.", "tentara"),
        ("id", "Ada [TROOPS 20] kapal perang.", "kapal"),
        ("en", "Some [TROOPS 900] U.S. troops left.", "troops"),
        ("en", "About [TROOPS 10,000] soldiers left.", "soldiers"),
        ("en", "Some [TROOPS 4,000] North Korean troops left.", "troops"),
        ("id", "Jumlahnya [TROOPS 40].", None),
    ],
)
def test_claims_unit_is_head_noun_as_written(lang: str, marked: str, unit: str | None) -> None:
    assert _last(marked, lang)["unit"] == unit


@pytest.mark.parametrize(
    ("lang", "marked", "expected"),
    [
        ("id", "Ada [TROOPS lebih dari 600.000] tentara.", (600000, 600000, None, True)),
        ("id", "Ada [TROOPS 3.000] tentara.", (3000, 3000, 3000, False)),
        # a hedge outside the span still hedges the number
        ("id", "Mereka kemungkinan mengirim [TROOPS lima] unit.", (5, 5, 5, True)),
        ("en", "An estimated [TROOPS 2,600] troops left.", (2600, 2600, 2600, True)),
        # no number in the span
        ("id", "Ada [TROOPS banyak sekali] tentara.", (None, None, None, False)),
    ],
)
def test_claims_value_from_quantity(lang: str, marked: str, expected: tuple) -> None:
    text, spans = _doc(marked)
    c = assemble(text, spans, lang)[-1]
    assert (c.value, c.low, c.high, c.approx) == expected


def test_claims_one_per_troops_span_in_span_order() -> None:
    marked = ("[LOC KOTA], X - [SRC Rina] [CUE mengatakan] [TROOPS 500] tentara dan [TROOPS 20] brigade tiba "
              "di [LOC Bogor] pada [DATE Senin].")
    text, spans = _doc(marked)
    claims = assemble(text, spans, "id")
    assert [c.troops for c in claims] == [3, 4]
    assert [c.value for c in claims] == [500, 20]
    assert claims[0].source == 1 and claims[0].cue == 2 and claims[0].date == 6
    assert claims[0].locations == (0, 5)
    assert assemble(text, [s for s in spans if s.label != "TROOPS"], "id") == []


def test_claims_empty_inputs() -> None:
    assert assemble("", []) == []
    assert assemble("Tidak ada apa-apa.", []) == []


@pytest.mark.parametrize(
    ("text", "spans", "lang", "error", "message"),
    [
        (b"x", [], "id", TypeError, "text as a str"),
        ("abc", [Span(0, 9, "TROOPS")], "id", ValueError, "span 0 .* outside the text"),
        ("abc", [Span(2, 2, "TROOPS")], "id", ValueError, "span 0 .* empty"),
        ("abc", [(0, 1, "TROOPS")], "id", TypeError, "span 0 is a tuple"),
        ("abc", [], "xx", ValueError, "unsupported lang 'xx'"),
    ],
)
def test_claims_bad_input_is_named(text, spans, lang, error, message) -> None:
    with pytest.raises(error, match=message):
        assemble(text, spans, lang)


_TOKENS = ["Menurut", "kata", "said", "dia", "di", "Kursk", "500", "sekitar 3.000", "tentara", "troops", ",",
           ".", "“", "”", "\n\n", "Dari jumlah tersebut,", "dikutip", "mengutip", "-", "Senin"]
_LABELS = ["TROOPS", "LOC", "SRC", "CUE", "DATE", None]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_TOKENS), st.sampled_from(_LABELS)), max_size=40),
       st.sampled_from(["id", "ms", "en"]))
def test_claims_any_spans_give_valid_claims(parts: list[tuple[str, str | None]], lang: str) -> None:
    text, spans = "", []
    for token, label in parts:
        start = len(text) + 1
        text += " " + token
        if label is not None:
            spans.append(Span(start, len(text), label))
    claims = assemble(text, spans, lang)
    assert [c.troops for c in claims] == [i for i, s in enumerate(spans) if s.label == "TROOPS"]
    for c in claims:
        for i, label in [(c.source, "SRC"), (c.via, "SRC"), (c.cue, "CUE"), (c.date, "DATE")]:
            assert i is None or spans[i].label == label
        assert all(spans[i].label == "LOC" for i in c.locations)
        assert c.source is None or c.source != c.via
