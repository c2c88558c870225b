"""A county built from the official 统计用区划代码 list loads whole, and its places resolve as clerks type them.

The county is 卓资县 (150921) as its 区划名录 lists it: every kind of township digits (街道 0xx,
镇 1xx, 乡 and 苏木 2xx-3xx, 类似乡级单位 4xx-5xx) and of village digits (居委会 0xx-1xx, 村委会
2xx-3xx, 类似居委会 4xx, 类似村委会 5xx), with the official long names.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from data_pipeline.load import load_paths
from data_pipeline.normalise import TOWNSHIP_LEVEL, VILLAGE_LEVEL, read_place_name
from tests.ledger_files import CLUE_HEADER, clue_row, write_xlsx
from warehouse import schema
from warehouse import vocabulary as vocab

OFFICIAL_HEADER = ["县名称", "乡镇代码", "乡镇名称", "村代码", "村名称"]  # no 村类型: the code says the kind
COUNTY = "卓资县"
TOWNSHIPS = {  # code: (official name, the kind its digits say)
    "150921001": ("新体路街道办事处", "街道"),
    "150921099": ("滨河街道办事处", "街道"),
    "150921100": ("卓资县十八台镇", "镇"),
    "150921199": ("大榆树镇", "镇"),
    "150921200": ("白塔回族乡", "乡"),
    "150921398": ("巴彦鄂温克民族苏木", "乡"),
    "150921399": ("大榆树乡", "乡"),
    "150921401": ("卓资县红旗林场", "类似乡级单位"),
    "150921599": ("卓资县工业园区管理委员会", "类似乡级单位"),
}
VILLAGES = {  # code: (official name, the kind its digits say)
    "150921001001": ("东街社区居民委员会", "社区"),
    "150921001199": ("西街社区居民委员会", "社区"),
    "150921099001": ("滨河社区居民委员会", "社区"),
    "150921100001": ("西沟社区居民委员会", "社区"),
    "150921100201": ("西沟村民委员会", "行政村"),
    "150921100399": ("东沟村村民委员会", "行政村"),
    "150921199201": ("大榆树村民委员会", "行政村"),
    "150921200201": ("白塔村民委员会", "行政村"),
    "150921398201": ("巴彦嘎查村民委员会", "行政村"),
    "150921399201": ("大榆树村民委员会", "行政村"),
    "150921401400": ("场部生活区居民委员会", "类似居委会"),
    "150921401499": ("二道沟生活区", "类似居委会"),
    "150921401500": ("第一作业区", "类似村委会"),
    "150921401599": ("第二作业区", "类似村委会"),
    "150921599500": ("金山管理区", "类似村委会"),
}


def official_rows() -> list[list]:
    return [[COUNTY, code[:9], TOWNSHIPS[code[:9]][0], code, name] for code, (name, _) in VILLAGES.items()]


@pytest.fixture
def zhuozi(tmp_path, empty_engine):
    """卓资县's 区划名录, loaded; returns (folder, engine, report)."""
    path = write_xlsx(tmp_path / "卓资县区划名录.xlsx", {"区划": (OFFICIAL_HEADER, official_rows())},
                      title="卓资县统计用区划代码")
    [report] = load_paths([path], empty_engine)
    return tmp_path, empty_engine, report


# --- the 区划名录 ------------------------------------------------------------------------------------

def test_every_kind_of_code_digit_loads_with_the_kind_its_digits_say(zhuozi):
    _, engine, report = zhuozi
    assert (report.rows_loaded, report.rows_rejected) == (len(VILLAGES), 0), report.rejections
    assert not [w for w in report.warnings if "村类型" in w]
    with engine.connect() as conn:
        townships = dict(conn.execute(select(schema.townships.c.township_code, schema.townships.c.township_kind)).all())
        villages = dict(conn.execute(select(schema.villages.c.village_code, schema.villages.c.village_kind)).all())
        names = dict(conn.execute(select(schema.villages.c.village_code, schema.villages.c.village_name)).all())
    assert townships == {code: kind for code, (_, kind) in TOWNSHIPS.items()}
    assert villages == {code: kind for code, (_, kind) in VILLAGES.items()}
    assert names["150921100201"] == "西沟村民委员会"  # the official name is what is stored and shown


def test_a_stated_village_kind_that_contradicts_the_code_is_a_warning_and_the_code_wins(tmp_path, empty_engine):
    header = OFFICIAL_HEADER + ["村类型"]
    stated = {"150921001001": "居委会", "150921100201": "社区", "150921401400": "社区", "150921401500": "行政村",
              "150921401599": "类似村委会", "150921599500": "村民委员会", "150921100399": "类似居委会"}
    rows = [row + [stated.get(row[3])] for row in official_rows()]
    path = write_xlsx(tmp_path / "区划名录.xlsx", {"区划": (header, rows)})
    [report] = load_paths([path], empty_engine)
    assert (report.rows_loaded, report.rows_rejected) == (len(VILLAGES), 0), report.rejections
    row_of = {row[3]: number for number, row in enumerate(rows, start=2)}
    assert [w for w in report.warnings if "村类型" in w] == [
        f"警告：「区划名录.xlsx」工作表“区划”第{row_of['150921100201']}行“村类型”：“社区”与村代码“150921100201”不符"
        "（第10-12位201为行政村），按代码记为行政村",
        f"警告：「区划名录.xlsx」工作表“区划”第{row_of['150921100399']}行“村类型”：“类似居委会”与村代码“150921100399”不符"
        "（第10-12位399为行政村），按代码记为行政村",
    ]
    with empty_engine.connect() as conn:
        villages = dict(conn.execute(select(schema.villages.c.village_code, schema.villages.c.village_kind)).all())
    assert villages == {code: kind for code, (_, kind) in VILLAGES.items()}


def test_digits_of_no_kind_are_rejected_naming_file_row_and_column(tmp_path, empty_engine):
    header = ["乡镇代码", "乡镇名称", "村代码", "村名称", "村类型"]
    rows = [["150921000", "县本级", "150921000201", "甲村", "行政村"],
            ["150921600", "六百镇", "150921600201", "乙村", "行政村"],
            ["150921999", "九九九乡", "150921999201", "丙村", "行政村"],
            ["150921100", "十八台镇", "150921100000", "十八台镇本级", "行政村"],
            ["150921100", "十八台镇", "150921100600", "丁村", "行政村"],
            ["150921100", "十八台镇", "150921100999", "戊村", "行政村"],
            ["150921100", "十八台镇", "150921100599", "第三作业区", None]]
    path = write_xlsx(tmp_path / "区划名录.xlsx", {"区划": (header, rows)})
    [report] = load_paths([path], empty_engine)
    assert (report.rows_loaded, report.rows_rejected) == (1, 6)
    township_rule = "（001-099街道、100-199镇、200-399乡、400-599类似乡级单位）"
    village_rule = "（001-199居委会（社区）、200-399村委会、400-499类似居委会、500-599类似村委会）"
    where = "「区划名录.xlsx」工作表“区划”"
    assert report.rejections == [
        f"{where}第2行“乡镇代码”：乡镇代码“150921000”的第7-9位“000”不在001-599之间{township_rule}",
        f"{where}第3行“乡镇代码”：乡镇代码“150921600”的第7-9位“600”不在001-599之间{township_rule}",
        f"{where}第4行“乡镇代码”：乡镇代码“150921999”的第7-9位“999”不在001-599之间{township_rule}",
        f"{where}第5行“村代码”：村代码“150921100000”的第10-12位“000”不在001-599之间{village_rule}",
        f"{where}第6行“村代码”：村代码“150921100600”的第10-12位“600”不在001-599之间{village_rule}",
        f"{where}第7行“村代码”：村代码“150921100999”的第10-12位“999”不在001-599之间{village_rule}",
    ]


@pytest.mark.parametrize(("code", "kind"), [
    ("150921001", "街道"), ("150921099", "街道"), ("150921100", "镇"), ("150921199", "镇"), ("150921200", "乡"),
    ("150921399", "乡"), ("150921400", "类似乡级单位"), ("150921599", "类似乡级单位"),
])
def test_township_digits_name_the_kind(code, kind):
    assert vocab.township_kind(code) == kind


@pytest.mark.parametrize(("code", "kind"), [
    ("150921100001", "社区"), ("150921100199", "社区"), ("150921100200", "行政村"), ("150921100399", "行政村"),
    ("150921100400", "类似居委会"), ("150921100499", "类似居委会"), ("150921100500", "类似村委会"),
    ("150921100599", "类似村委会"),
])
def test_village_digits_name_the_kind(code, kind):
    assert vocab.village_kind(code) == kind


@pytest.mark.parametrize("digits", ["000", "600", "999"])
def test_digits_000_and_600_to_999_name_no_kind(digits):
    with pytest.raises(ValueError):
        vocab.township_kind("150921" + digits)
    with pytest.raises(ValueError):
        vocab.village_kind("150921100" + digits)


# --- places as the ledgers spell them ---------------------------------------------------------

SPELLINGS = [  # (所属乡镇 as typed, 所属村(社区) as typed, township code, village code)
    ("新体路街道办事处", "东街社区居民委员会", "150921001", "150921001001"),  # the official names
    ("新体路街道", "东街社区", "150921001", "150921001001"),
    ("新体路", "东街", "150921001", "150921001001"),
    ("新体路办事处", "东街居委会", "150921001", "150921001001"),
    (" 新体路街道 ", "东街社区居委会", "150921001", "150921001001"),
    ("新 体 路 街 道", "西街社区", "150921001", "150921001199"),
    ("滨河街道", "滨河社区", "150921099", "150921099001"),
    ("卓资县十八台镇", "西沟村民委员会", "150921100", "150921100201"),
    ("十八台镇", "西沟村", "150921100", "150921100201"),
    ("十八台", "西沟村委会", "150921100", "150921100201"),
    ("卓资县十八台", "西沟社区", "150921100", "150921100001"),
    ("十八台镇人民政府", "东沟村", "150921100", "150921100399"),
    ("十八台镇", "东沟", "150921100", "150921100399"),
    ("大榆树镇", "大榆树村", "150921199", "150921199201"),
    ("大榆树乡", "大榆树", "150921399", "150921399201"),
    ("白塔回族乡", "白塔村民委员会", "150921200", "150921200201"),
    ("白塔乡", "白塔村", "150921200", "150921200201"),
    ("白塔", "白塔", "150921200", "150921200201"),
    ("巴彦鄂温克民族苏木", "巴彦嘎查", "150921398", "150921398201"),
    ("巴彦鄂温克族苏木", "巴彦嘎查村委会", "150921398", "150921398201"),
    ("巴彦苏木", "巴彦", "150921398", "150921398201"),
    ("红旗林场", "场部生活区", "150921401", "150921401400"),
    ("卓资县红旗林场", "场部生活区居委会", "150921401", "150921401400"),
    ("红旗林场", "二道沟生活区", "150921401", "150921401499"),
    ("红旗林场", "第一作业区", "150921401", "150921401500"),
    ("工业园区", "金山管理区", "150921599", "150921599500"),
    ("工业园区管委会", None, "150921599", None),
    ("150921401", "150921401599", "150921401", "150921401599"),
    ("ＢＴ", None, None, None),
]


def test_each_spelling_a_clerk_types_resolves_to_its_place(zhuozi):
    folder, engine, _ = zhuozi
    rows = [clue_row(i, 所属乡镇=township, **{"所属村(社区)": village})
            for i, (township, village, _, _) in enumerate(SPELLINGS, start=1)]
    [report] = load_paths([write_xlsx(folder / "线索.xlsx", {"线索": (CLUE_HEADER, rows)})], engine)
    assert report.rejections == [f"「线索.xlsx」工作表“线索”第{len(SPELLINGS) + 1}行“所属乡镇”："
                                 "无法识别的乡镇“ＢＴ”（区划名录中没有此名称或代码）"]
    with engine.connect() as conn:
        stored = {clue: (township, village) for clue, township, village in conn.execute(
            select(schema.clues.c.clue_id, schema.clues.c.township_code, schema.clues.c.village_code))}
    expected = {f"XS-2024-{i:04d}": (township, village)
                for i, (_, _, township, village) in enumerate(SPELLINGS, start=1) if township}
    assert stored == expected


def test_a_spelling_that_fits_two_places_is_rejected_naming_both(zhuozi):
    folder, engine, _ = zhuozi
    rows = [clue_row(1, 所属乡镇="大榆树", **{"所属村(社区)": None}),
            clue_row(2, 所属乡镇="十八台", **{"所属村(社区)": "西沟"})]
    [report] = load_paths([write_xlsx(folder / "线索.xlsx", {"线索": (CLUE_HEADER, rows)})], engine)
    assert report.rows_loaded == 0
    assert report.rejections == [
        "「线索.xlsx」工作表“线索”第2行“所属乡镇”：乡镇“大榆树”对应多个乡镇，无法确定："
        "大榆树镇（150921199）、大榆树乡（150921399），请填写全称或乡镇代码",
        "「线索.xlsx」工作表“线索”第3行“所属村(社区)”：村（社区）“西沟”在卓资县十八台镇对应多个村（社区），无法确定："
        "西沟社区居民委员会（150921100001）、西沟村民委员会（150921100201），请填写全称或代码",
    ]


@pytest.mark.parametrize(("township", "village", "reason"), [
    ("十八台乡", None, "无法识别的乡镇“十八台乡”（区划名录中没有此名称或代码）"),  # 十八台 is a 镇
    ("白塔满族乡", None, "无法识别的乡镇“白塔满族乡”（区划名录中没有此名称或代码）"),  # 白塔 is 回族
    ("凉城县十八台镇", None, "无法识别的乡镇“凉城县十八台镇”（区划名录中没有此名称或代码）"),  # another county
    ("红旗", None, "无法识别的乡镇“红旗”（区划名录中没有此名称或代码）"),  # a 林场 keeps its 林场
    ("十八台镇", "西沟嘎查", "在卓资县十八台镇的区划名录中找不到村（社区）“西沟嘎查”"),
    ("十八台镇", "150921200201", "村（社区）代码“150921200201”不属于卓资县十八台镇"),
])
def test_a_spelling_that_fits_no_place_is_rejected_never_guessed(zhuozi, township, village, reason):
    folder, engine, _ = zhuozi
    rows = [clue_row(1, 所属乡镇=township, **{"所属村(社区)": village})]
    [report] = load_paths([write_xlsx(folder / "线索.xlsx", {"线索": (CLUE_HEADER, rows)})], engine)
    assert report.rows_loaded == 0
    assert report.rejections[0].endswith("：" + reason)


def test_a_short_official_name_is_found_from_the_ledgers_long_spelling(tmp_path, empty_engine):
    # a 区划名录 typed by the county's clerk (short names), ledgers copied from the official list (long)
    header = ["县名称", "乡镇代码", "乡镇名称", "村代码", "村名称", "村类型"]
    rows = [[COUNTY, "150921100", "十八台镇", "150921100201", "西沟村", "行政村"],
            [COUNTY, "150921200", "白塔乡", "150921200001", "东街社区", "社区"],
            [COUNTY, "150921200", "白塔乡", "150921200202", "东门", "行政村"]]
    load_paths([write_xlsx(tmp_path / "区划.xlsx", {"区划": (header, rows)})], empty_engine)
    clues = [clue_row(1, 所属乡镇="卓资县十八台镇", **{"所属村(社区)": "西沟村民委员会"}),
             clue_row(2, 所属乡镇="白塔回族乡", **{"所属村(社区)": "东街社区居民委员会"}),
             clue_row(3, 所属乡镇="白塔乡", **{"所属村(社区)": "东门村"}),  # 东门 is coded 2xx: a 村
             clue_row(4, 所属乡镇="白塔乡", **{"所属村(社区)": "东门社区"})]
    [report] = load_paths([write_xlsx(tmp_path / "线索.xlsx", {"线索": (CLUE_HEADER, clues)})], empty_engine)
    assert report.rejections == ["「线索.xlsx」工作表“线索”第5行“所属村(社区)”：在白塔乡的区划名录中找不到村（社区）“东门社区”"]
    with empty_engine.connect() as conn:
        stored = dict(conn.execute(select(schema.clues.c.clue_id, schema.clues.c.village_code)).all())
    assert stored == {"XS-2024-0001": "150921100201", "XS-2024-0002": "150921200001", "XS-2024-0003": "150921200202"}


# --- the rules, one name at a time ----------------------------------------------------------------

@pytest.mark.parametrize(("name", "canonical", "stem"), [
    ("卓资县十八台镇", "十八台镇", "十八台"),
    ("新体路街道办事处", "新体路街道", "新体路"),
    ("城关办事处", "城关街道", "城关"),
    ("白塔回族乡", "白塔乡", "白塔"),
    ("红土壮族瑶族乡", "红土乡", "红土"),
    ("杜拉尔鄂温克民族乡", "杜拉尔乡", "杜拉尔"),
    ("音河达斡尔鄂温克民族乡", "音河乡", "音河"),
    ("土门土家族乡", "土门乡", "土门"),
    ("巴彦蒙古族苏木", "巴彦苏木", "巴彦"),
    ("高山族乡", "高山族乡", "高山族"),  # a nationality needs a stem before it
    ("青石镇", "青石镇", "青石"),
    ("卓资县红旗林场", "红旗林场", "红旗林场"),
])
def test_township_names_by_rule(name, canonical, stem):
    read = read_place_name(name, TOWNSHIP_LEVEL, (COUNTY,))
    assert (read.canonical, read.stem) == (canonical, stem)


@pytest.mark.parametrize(("name", "canonical", "stem"), [
    ("东街社区居民委员会", "东街社区", "东街"),
    ("东街居民委员会", "东街社区", "东街"),
    ("西沟村民委员会", "西沟村", "西沟"),
    ("西沟村村民委员会", "西沟村", "西沟"),
    ("西沟村委会", "西沟村", "西沟"),
    ("巴彦嘎查村民委员会", "巴彦嘎查", "巴彦"),
    ("第一作业区", "第一作业区", "第一作业区"),
])
def test_village_names_by_rule(name, canonical, stem):
    read = read_place_name(name, VILLAGE_LEVEL)
    assert (read.canonical, read.stem) == (canonical, stem)


@pytest.mark.parametrize("nationality", vocab.ETHNIC_GROUPS)
def test_every_nationality_of_a_minzu_xiang_is_dropped(nationality):
    read = read_place_name(f"白塔{nationality}乡", TOWNSHIP_LEVEL)
    assert (read.canonical, read.stem, read.nationalities) == ("白塔乡", "白塔", frozenset({nationality[:-1]}))
    assert read_place_name(f"白塔{nationality}苏木", TOWNSHIP_LEVEL).canonical == "白塔苏木"
