"""Slot fillers and sentence patterns for :mod:`nkclaims.data.synth`.

Invented name parts, titles, outlets and phrase patterns live here; troop
nouns, cue words and places come from :mod:`nkclaims.lexicon` and its
gazetteer, filtered by language. In patterns, ``{X}`` is a slot (``C`` claim
clause, ``S`` speaker, ``S2`` second speaker, ``O`` outlet as source, ``OX``
outlet as addressee (no span), ``D`` date, ``P`` place, ``PR`` pronoun, ``SN``
the speaker's short name; any other name is a cue kind). In dates and
phrases, ``|`` separates a prefix that stays outside the span.
"""
from __future__ import annotations

import functools
import re

from nkclaims import lexicon

LANGS: tuple[str, ...] = ("id", "ms", "en")


def _l(spec: str) -> tuple[str, ...]:
    return tuple(p for p in spec.split(";") if p.strip())


# ----------------------------------------------------------------- numbers
NUMBER_FORMS = {
    "id": _l("digits;grouped;grouped;words;words_mult;mult_ribu;mult_juta;mult_rb;mult_jt"),
    "ms": _l("digits;grouped;grouped;words;words_mult;mult_ribu;mult_juta"),
    "en": _l("digits;grouped;grouped;words;words_mult;mult_thousand;mult_million;mult_k"),
}
SCALE_WORD = {"id": ("ribu",), "ms": ("ribu",), "en": ("thousand",)}
_ID_WORDS = _l("satu;dua;tiga;empat;lima;enam;tujuh;delapan;sembilan")
_MS_WORDS = _l("satu;dua;tiga;empat;lima;enam;tujuh;lapan;sembilan")
_EN_WORDS = _l("one;two;three;four;five;six;seven;eight;nine;ten;eleven;twelve;thirteen;"
               "fourteen;fifteen;sixteen;seventeen;eighteen;nineteen")
_EN_TENS = _l("twenty;thirty;forty;fifty;sixty;seventy;eighty;ninety")


def words(n: int, lang: str) -> str:
    """Spell ``1 <= n <= 99`` in words.

    >>> words(12, "id"), words(45, "en"), words(10, "ms")
    ('dua belas', 'forty-five', 'sepuluh')
    """
    if lang == "en":
        if n < 20:
            return _EN_WORDS[n - 1]
        tens, unit = divmod(n, 10)
        return _EN_TENS[tens - 2] + (f"-{_EN_WORDS[unit - 1]}" if unit else "")
    units = _ID_WORDS if lang == "id" else _MS_WORDS
    if n < 10:
        return units[n - 1]
    if n < 20:
        return {10: "sepuluh", 11: "sebelas"}.get(n) or f"{units[n - 11]} belas"
    tens, unit = divmod(n, 10)
    return f"{units[tens - 1]} puluh" + (f" {units[unit - 1]}" if unit else "")


def group(n: int, lang: str) -> str:
    """Write ``n`` with thousands grouping: ``11.000`` in Indonesian, ``11,000`` otherwise.

    >>> group(600000, "id"), group(2600, "en")
    ('600.000', '2,600')
    """
    s = f"{n:,}"
    return s.replace(",", ".") if lang == "id" else s


VAGUE = {
    "id": _l("belasan;puluhan;ratusan;ribuan;puluhan ribu;ratusan ribu;beberapa ratus;beberapa ribu"),
    "ms": _l("belasan;puluhan;ratusan;ribuan;puluhan ribu;ratusan ribu;beberapa ratus;beberapa ribu"),
    "en": _l("dozens;hundreds;thousands;tens of thousands;several hundred;several thousand"),
}
RANGES = {
    "id": _l("{lo} hingga {hi};{lo} sampai {hi};{lo}-{hi} {m};antara {lo} dan {hi};{lo}-{hi}"),
    "ms": _l("{lo} hingga {hi};{lo}-{hi} {m};antara {lo} hingga {hi};antara {lo} dan {hi}"),
    "en": _l("{lo} to {hi};between {lo} and {hi};{lo}-{hi};{lo}-{hi} {m}"),
}
QUALIFIERS = {
    "id": {"point": _l("sebanyak;mencapai;sejumlah"),
           "hedge": _l("sekitar;kurang lebih;kira-kira;hampir;sekira"),
           "lower": _l("lebih dari;melebihi;setidaknya;sedikitnya;minimal"),
           "upper": _l("hingga;sampai;kurang dari;maksimal")},
    "ms": {"point": _l("seramai;sebanyak;mencapai"),
           "hedge": _l("kira-kira;sekitar;hampir;lebih kurang"),
           "lower": _l("lebih daripada;sekurang-kurangnya;melebihi;sedikitnya"),
           "upper": _l("hingga;kurang daripada;maksimum")},
    "en": {"point": _l("a total of"),
           "hedge": _l("about;around;nearly;approximately;some;an estimated;roughly"),
           "lower": _l("more than;over;at least"),
           "upper": _l("up to;less than;fewer than")},
}
DETACHED = {"id": _l("diperkirakan;kemungkinan"), "ms": _l("dianggarkan;kemungkinan")}

# ----------------------------------------------------------------- people
_NAMES = {  # invented combinations of common name parts, by origin
    "ua": ("Andriy;Oleksandr;Mykola;Taras;Yuliia;Olena;Serhiy;Vadym;Iryna;Bohdan;Dmytro;Oksana",
           "Kovalchuk;Marchenko;Hrytsenko;Tkachenko;Bondar;Savchuk;Melnyk;Lysenko;Petrenko;Kravets"),
    "ru": ("Sergei;Dmitri;Igor;Natalia;Viktor;Yevgeny;Alexei;Pavel;Anatoly;Galina;Maxim",
           "Volkov;Sokolov;Morozov;Lebedev;Orlov;Zaitsev;Belov;Gromov;Kuznetsov;Vinogradov"),
    "kr": ("Min-jun;Seo-yeon;Ji-hoon;Hye-jin;Sung-ho;Young-soo;Eun-ji;Dong-hyun;Kyung-mi",
           "Park;Lee;Choi;Jung;Kang;Yoon;Jang;Lim;Han;Shin"),
    "en": ("Mark;Sarah;John;Emily;David;Laura;Michael;Rachel;Thomas;Anne;Peter;Karen",
           "Henderson;Whitaker;Collins;Brennan;Fischer;Lindqvist;Morrison;Dupont;Harlow"),
    "id": ("Budi;Siti;Agus;Dewi;Rizal;Wahyu;Ratna;Hendra;Fajar;Lestari;Teguh;Indra",
           "Santoso;Wibowo;Hidayat;Pratama;Nugroho;Siregar;Lubis;Kusuma;Saputra;Harahap"),
    "ms": ("Ahmad;Nurul;Faizal;Aisyah;Hafiz;Zulkifli;Farah;Azman;Syafiq",
           "bin Hassan;binti Yusof;Ismail;Abdullah;bin Omar;Rahman;Zainal"),
}
NAME_ORIGINS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    k: (_l(f), _l(s)) for k, (f, s) in _NAMES.items()
}
TITLES = {
    "id": _l("kepala badan intelijen militer {c};Menteri Pertahanan {c};juru bicara Kementerian "
             "Luar Negeri {c};Presiden {c};analis militer;komandan pasukan {c};pejabat senior;"
             "anggota parlemen {c};Kepala Staf Gabungan {c};penasihat presiden {c};duta besar {c} "
             "untuk PBB;wakil menteri pertahanan {c};juru bicara militer {c};Sekretaris Jenderal NATO"),
    "ms": _l("Menteri Pertahanan {c};jurucakap Kementerian Luar {c};Presiden {c};penganalisis "
             "tentera;ketua perisikan tentera {c};pegawai kanan;duta {c} ke PBB;panglima tentera {c}"),
    "en": _l("{c} Defence Minister;{c}'s military intelligence chief;{c} President;military analyst;"
             "NATO Secretary General;{c} foreign ministry spokesperson;senior official;"
             "{c} Joint Chiefs chairman;lawmaker"),
}
DETERMINERS = {"id": _l("seorang;para"), "ms": _l("seorang;para"), "en": ()}
DESCRIBED = {
    "id": _l("pejabat intelijen {c};pejabat militer {c};sumber militer {c};pejabat pertahanan {c};"
             "badan intelijen {c};militer {c};diplomat {c};pejabat senior {c};analis militer;"
             "pengamat militer;intelijen {c}"),
    "ms": _l("pegawai perisikan {c};sumber tentera {c};pegawai kanan {c};pihak berkuasa {c};"
             "penganalisis tentera;tentera {c}"),
    "en": _l("{c} intelligence officials;{c} military sources;{c} defence officials;western "
             "officials;military analysts;{c} intelligence;senior {c} officials"),
}
OFFICES = {
    "id": _l("Kementerian Pertahanan {c};Kementerian Luar Negeri {c};Staf Gabungan {c};Badan "
             "Intelijen Nasional {c};Pentagon;NATO;Kremlin;Dinas Intelijen {c};PBB;Gedung Putih;"
             "Kantor Kepresidenan {c}"),
    "ms": _l("Kementerian Pertahanan {c};Kementerian Luar {c};Pentagon;NATO;Kremlin;PBB"),
    "en": _l("the |{c} Defence Ministry;the |Pentagon;NATO;the |Kremlin;the |White House;"
             "{c}'s Joint Chiefs of Staff;the |{c} foreign ministry;the |United Nations"),
}
OUTLETS = _l("Reuters;AFP;Yonhap;KCNA;TASS;RIA Novosti;BBC;CNN;Newsweek;Kyiv Independent;"
             "Ukrainska Pravda;Al Jazeera;Associated Press;NHK;Korea Herald;Interfax;Bloomberg;"
             "New York Times;Financial Times;ANTARA;Bernama;Sky News;Radio Free Asia;Politico;"
             "Meduza;Kompas;Tempo;CNA;Le Monde;Der Spiegel;Nikkei Asia;Daily NK")
DEMONYMS = _l("North Korean;Russian;Ukrainian;South Korean;Chechen;Belarusian;Iranian;American")
PRONOUNS = {"id": _l("Dia;Ia;Beliau;Mereka"), "ms": _l("Dia;Beliau;Mereka"), "en": _l("He;She;They")}

# ----------------------------------------------------------------- cues
CUES = {
    "id": {"verb": _l("mengatakan;menyatakan;menyebutkan;melaporkan;memperkirakan;mengonfirmasi;"
                      "membenarkan;mengungkapkan;menjelaskan;menegaskan;menambahkan;mengklaim"),
           "post": _l("kata;ujar;tutur;ungkap;jelas;tegas;tambah"),
           "prep": _l("menurut"), "cite": _l("mengutip"),
           "relay": _l("seperti dikutip oleh;seperti dikutip;dikutip;seperti dilansir"),
           "relay_pre": _l("Dilansir dari;Seperti dikutip dari;Mengutip"),
           "nya": _l("katanya;ujarnya;tuturnya;tambahnya;jelasnya"), "prepnya": _l("Menurutnya")},
    "ms": {"verb": _l("berkata;mengatakan;menyatakan;melaporkan;menganggarkan;mengesahkan;"
                      "menjelaskan;menegaskan"),
           "post": _l("kata;ujar;tambah"), "prep": _l("menurut"), "cite": _l("memetik"),
           "relay": _l("seperti dipetik;dipetik dari"),
           "relay_pre": _l("Menurut;Memetik"),
           "nya": _l("katanya;ujarnya;tambahnya"), "prepnya": _l("Menurutnya")},
    "en": {"verb": _l("said;reported;estimated;confirmed;claimed;stated;added"),
           "post": _l("said;added"), "prep": _l("according to"), "cite": _l("citing"),
           "relay": _l("as reported by;as cited by"), "relay_pre": _l("According to"),
           "told": _l("told")},
}
PATTERNS = {
    "id": _l("{prep} {S}{D}, {C}.;{S}{D} {verb} {C}.;{S} {verb} bahwa {C}.;“{C},” {post} {S}{D}.;"
             "{C}, {post} {S}.;{C}, {prep} {S}.;“{C},” {post} {S}, {relay} {O}.;{C}, {relay} {O}.;"
             "{relay_pre} {O}{D}, {C}.;{O}, {cite} {S}, {verb} bahwa {C}.;{prep} {O} yang {cite} {S}, {C}.;"
             "{PR} {verb} {C}.;{prepnya}, {C}.;“{C},” {nya}.;{C}, {nya}.;{C}.;{C}, {post} {S} kepada {OX}.;"
             "{S} juga {verb} bahwa {C}.;\"{C},\" {post} {S}."),
    "ms": _l("{prep} {S}{D}, {C}.;{S} {verb} {C}.;{S} {verb} bahawa {C}.;“{C},” {post} {S}.;"
             "{C}, {relay} {O}.;{relay_pre} {O}, {C}.;{O}, {cite} {S}, {verb} bahawa {C}.;"
             "{PR} {verb} {C}.;{prepnya}, {C}.;“{C},” {nya}.;{C}.;{S} memberitahu {OX} bahawa {C}."),
    "en": _l("{prep} {S}{D}, {C}.;{S} {verb} {C}.;{S} {verb} that {C}.;“{C},” {S} {post}.;"
             "“{C},” {post} {S}.;{C}, {S} {told} {OX}.;{O} {verb}, {cite} {S}, that {C}.;"
             "{C}, {O} {verb}.;{C}, {prep} {S}.;{PR} {verb} {C}.;“{C},” {PR} {post}.;{C}.;"
             "{C}, {relay} {O}.;{S} {told} {OX} that {C}."),
}
INTROS = {
    "id": _l("{S} {verb} hal itu dalam konferensi pers di {P}.;{S} {verb} bahwa pertempuran masih "
             "berlangsung di {P}.;{S} berbicara kepada wartawan di {P}{D}.;{S} {verb} situasi di {P} "
             "semakin memburuk."),
    "ms": _l("{S} {verb} perkara itu dalam sidang media di {P}.;{S} bercakap kepada pemberita di "
             "{P}{D}.;{S} {verb} pertempuran masih berterusan di {P}."),
    "en": _l("{S} spoke to reporters in {P}{D}.;{S} {verb} fighting was continuing in {P}.;"
             "{S} {verb} the situation in {P} was deteriorating."),
}
FOLLOW_UPS = {
    "id": _l("“{C},” {nya}.;{prepnya}, {C}.;{PR} {verb} bahwa {C}.;{C}, {nya}.;{SN} {verb} {C}.;"
             "“{C},” {post} {SN}.;{PR} juga {verb} {C}."),
    "ms": _l("“{C},” {nya}.;{prepnya}, {C}.;{PR} {verb} bahawa {C}.;“{C},” {post} {SN}."),
    "en": _l("“{C},” {PR} {post}.;{PR} {verb} that {C}.;“{C},” {SN} {post}.;{SN} {verb} {C}."),
}

# ----------------------------------------------------------------- clauses
VERBS = {
    "id": _l("telah dikerahkan ke;dikirim ke;ditempatkan di;berada di;tiba di;bertempur di;tewas di;"
             "terluka di;dilatih di;disiagakan di;diterbangkan ke;bergerak menuju;ditarik dari;"
             "dipindahkan ke;akan dikirim ke;sudah diberangkatkan ke;berkumpul di"),
    "ms": _l("telah dihantar ke;ditempatkan di;berada di;tiba di;bertempur di;terbunuh di;cedera di;"
             "dikerahkan ke;berkumpul di;akan dihantar ke"),
    "en": _l("have been deployed to;were sent to;are stationed in;arrived in;are fighting in;"
             "were killed in;were wounded in;are training in;have massed near;were moved to;"
             "withdrew from;will be sent to"),
}
BARE_SUBJECT = {  # troops without a count: no TROOPS span
    "id": _l("seorang tentara;seorang prajurit;pasukan {c};tentara {c};sebuah unit {c}"),
    "ms": _l("seorang askar;seorang tentera;tentera {c};askar {c}"),
    "en": _l("{d} troops;{d} forces;{d} soldiers"),
}
NEGATIVES = {
    "id": _l("{q}{n} drone ditembak jatuh;{q}{n} rudal diluncurkan;{q}{n} orang warga sipil tewas;"
             "{n} orang warga sipil terluka;seorang tentara terluka;lokasinya {q}{n} kilometer dari "
             "garis depan;perang telah berlangsung selama {n} bulan;bantuan senilai Rp {n} miliar "
             "dikirim;{n} persen wilayah itu dikuasai;seorang prajurit berusia {n} tahun ditangkap;"
             "kontrak itu berlaku selama {n} tahun;rencana itu disusun pada [tahun {y}];"
             "{q}{n} tank hancur;{big} ton amunisi dikirim;{n} kendaraan lapis baja rusak"),
    "ms": _l("{q}{n} dron ditembak jatuh;{n} orang awam terbunuh;seorang askar cedera;"
             "kira-kira {n} kilometer dari barisan hadapan;perang telah berlarutan selama {n} bulan;"
             "bantuan bernilai RM{n} juta dihantar;{n} peratus wilayah itu dikuasai;"
             "rancangan itu dibuat pada [tahun {y}];{q}{n} kereta kebal musnah"),
    "en": _l("{q}{n} drones were shot down;{n} civilians were killed;a soldier was wounded;"
             "the base is {q}{n} kilometers from the front line;the war has lasted {n} months;"
             "aid worth ${n} million was pledged;{n} percent of the region is occupied;"
             "a {n}-year-old soldier was captured;the plan was drawn up in [{y}];"
             "{q}{n} tanks were destroyed;{big} tons of ammunition were shipped"),
}
JOINERS = {"id": _l(", sementara ;, dan ;, sedangkan ; dan "),
           "ms": _l(", manakala ;, dan ; dan "), "en": _l(", while ;, and ; and ")}

# ----------------------------------------------------------------- places, dates
GENERIC_HEADS = {
    "id": _l("wilayah;kota;daerah;kawasan;desa;provinsi"),
    "ms": _l("wilayah;bandar;daerah;kawasan;wilayah sempadan"),
    "en": _l("region;area;province"),
}
DATES = {
    "id": _l("{wd} ({d}/{m}/{y});{wd} ({d}/{m});pada |{d} {mon};{d} {mon} {y};pekan lalu;minggu lalu;"
             "awal {mon};akhir {mon};pertengahan {mon};{mon} lalu;pada |bulan {mon};bulan lalu;"
             "pada |hari {wd};{wd}, {d} {mon} {y};tahun lalu"),
    "ms": _l("pada |{d} {mon};minggu lalu;minggu lepas;pada |hari {wd};awal {mon};bulan lalu;"
             "{wd} ({d}/{m});pada |{d} {mon} {y};akhir {mon}"),
    "en": _l("last week;on |{wd};on |{mon} {d};in |{mon};early {mon};last month;on |{d} {mon} {y};"
             "earlier this month;late {mon};in |{mon} {y}"),
}
WEEKDAYS = {"id": _l("Senin;Selasa;Rabu;Kamis;Jumat;Sabtu;Minggu"),
            "ms": _l("Isnin;Selasa;Rabu;Khamis;Jumaat;Sabtu;Ahad"),
            "en": _l("Monday;Tuesday;Wednesday;Thursday;Friday;Saturday;Sunday")}
MONTHS = {"id": _l("Januari;Februari;Maret;April;Mei;Juni;Juli;Agustus;September;Oktober;"
                   "November;Desember"),
          "ms": _l("Januari;Februari;Mac;April;Mei;Jun;Julai;Ogos;September;Oktober;November;Disember"),
          "en": _l("January;February;March;April;May;June;July;August;September;October;"
                   "November;December")}
DATELINES = {
    "id": _l(", KOMPAS.com - ;, KOMPAS.TV - ;, Liputan6.com - ;, detikNews - ;, Tempo.co - ;"
             " (ANTARA) - ;, CNN Indonesia - ;, Tribunnews.com - "),
    "ms": _l(" (Bernama) - ;, Berita Harian - ;, Utusan - "),
    "en": _l(" (Reuters) - ; (AP) — ; (AFP) - ;, Yonhap - "),
}

# Words that mark a gazetteer name as written for one language family.
_EN_MARK = re.compile(r"\b(?:North|South|East|West|Far|Federation|Republic|Oblast|Province|"
                      r"Peninsula|Region|Islands|United|Kingdom|States|and|Sea|Gulf|of|Korean|Russian|Western|"
                      r"Eastern|Europe|America|Southeast|Middle|Central|Asia Minor)\b")
_ID_MARK = re.compile(r"\b(?:Utara|Selatan|Timur|Barat|Tengah|Jauh|Provinsi|Wilayah|Republik|"
                      r"Federasi|Kepulauan|Semenanjung|Laut|Teluk|Pulau|dan|Serikat|Raya|Tenggara|Eropa|"
                      r"Afrika|Amerika|Daya)\b")
_KINDS = {"country": ("country",), "city": ("city", "ru-place", "ua-place"),
          "region": ("ru-oblast", "ua-oblast", "region", "kr-place")}


# Countries that news about troop numbers mostly names; drawn more often than the rest.
FOCUS = frozenset(_l("North Korea;Russia;Ukraine;South Korea;United States;China;Belarus;Iran;"
                     "Japan;Poland;Germany;France;United Kingdom;Syria;Israel"))


@functools.lru_cache(maxsize=None)
def places(lang: str, kind: str, focus: bool = False) -> tuple[str, ...]:
    """Gazetteer names of one kind (country, city, region) as written in ``lang``.

    Names that start with a generic head (``Provinsi Omsk``) are left out, since
    the generator puts its own head in front; ``focus`` keeps only :data:`FOCUS`.

    >>> "Korea Utara" in places("id", "country"), "North Korea" in places("en", "country")
    (True, True)
    """
    by_canon: dict[str, list[str]] = {}
    for p in lexicon.GAZETTEER:
        head = p.name.split()[0].lower()
        if (p.kind in _KINDS[kind] and p.name.isascii() and head not in lexicon.PLACE_HEADS
                and (not focus or p.canonical in FOCUS)):
            by_canon.setdefault(p.canonical, []).append(p.name)
    out = []
    for canon, names in sorted(by_canon.items()):
        if lang == "en":
            keep = [n for n in names if not _ID_MARK.search(n)]
            keep = [canon] if kind == "country" and canon in keep else keep
        else:
            keep = [n for n in names if not _EN_MARK.search(n)]
            native = [n for n in keep if n != canon]
            keep = native if kind == "country" and native else keep
        out += keep
    return tuple(out)


@functools.lru_cache(maxsize=None)
def troop_nouns(lang: str) -> tuple[str, ...]:
    """Troop head nouns for ``lang`` from the lexicon.

    >>> "soldiers" in troop_nouns("en"), "prajurit" in troop_nouns("id")
    (True, True)
    """
    nouns = sorted(lexicon.words("troop_nouns", lang))
    if lang == "en":  # a count takes the plural; `a soldier` is a hard negative of its own
        nouns = [n for n in nouns if n.endswith("s") or n in ("personnel", "infantry", "military personnel")]
    return tuple(nouns)


@functools.lru_cache(maxsize=None)
def cue_words(lang: str) -> frozenset[str]:
    """Every attribution cue of ``lang`` in the lexicon, lowercased.

    >>> "katanya" in cue_words("id")
    True
    """
    return frozenset(w for kind in lexicon.cue_lexicon(lang).values() for w in kind)
