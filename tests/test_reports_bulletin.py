"""The 季通报: every figure equals the metrics, GB/T 9704 layout with East-Asian fonts, a PDF with
Chinese text, the archive (two generations = two rows, re-download = the same bytes), the CLI."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from sqlalchemy import func, select

from metrics import freshness, kpis, places, rectification
from metrics.periods import Period
from metrics.ranking import interview_flags, quarterly_ranking
from metrics.scope import Scope
from reports.archive import EXPORT_ACTION, archived_bytes, audit_log, list_bulletins
from reports.bulletin import generate_bulletin
from reports.docx_format import east_asian_font_of
from warehouse.engine import get_engine
from warehouse.schema import audit_events, bulletin_archive

PROJECT_ROOT = Path(__file__).resolve().parent.parent
QUARTER = Period.parse("2024Q3")


@pytest.fixture(scope="module")
def writable_sample_url(request, tmp_path_factory) -> str:
    """A private copy of the sample warehouse (the bulletin writes archive and audit rows)."""
    if (PROJECT_ROOT / "sample_data" / "ledgers").exists():
        source_url = request.getfixturevalue("sample_db_url")
        source = Path(source_url.removeprefix("sqlite:///"))
    else:  # the committed sample is not there yet: generate it through the real pipeline
        from data_pipeline.load import load_paths
        from data_pipeline.sample import write_sample

        folder = tmp_path_factory.mktemp("sample_ledgers")
        write_sample(folder)
        source = folder / "warehouse.sqlite"
        reports = load_paths([folder / "ledgers"], get_engine(f"sqlite:///{source}"))
        assert all(r.committed for r in reports)
    target = tmp_path_factory.mktemp("bulletin") / "warehouse.sqlite"
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)  # a consistent copy even with a WAL beside the file
    return f"sqlite:///{target}"


@pytest.fixture(scope="module")
def engine(writable_sample_url):
    return get_engine(writable_sample_url)


@pytest.fixture(scope="module")
def scope() -> Scope:
    return Scope.county(user_name="王纪检", role="纪委")


@pytest.fixture(scope="module")
def county_bulletin(engine, scope):
    return generate_bulletin(engine, QUARTER, scope)


@pytest.fixture(scope="module")
def document(county_bulletin):
    return Document(io.BytesIO(county_bulletin.data))


def body_text(document) -> str:
    return "\n".join(p.text for p in document.paragraphs)


def percent(rate: float) -> str:
    return f"{rate * 100:.1f}%"


def relative(change: float) -> str:
    return f"{'上升' if change > 0 else '下降'}{abs(change) * 100:.1f}%"


def points(change: float) -> str:
    return f"{'提高' if change > 0 else '降低'}{abs(change):.1f}个百分点"


def test_title_names_the_county_and_the_quarter(document, engine):
    assert places.county_name(engine, Scope.county()) == "示范县"
    texts = [p.text for p in document.paragraphs if p.text]
    assert texts[0] == "示范县集中整治群众身边不正之风和腐败问题工作情况通报"
    assert texts[1] == "（2024年第三季度）"


def test_overall_sentences_carry_the_metrics_figures_and_their_changes(document, engine, scope):
    text = body_text(document)
    clues = kpis.kpi(engine, scope, metric="clue_count", period=QUARTER)
    assert f"本季度全县共受理问题线索{int(clues.value)}件，同比{relative(clues.yoy_change)}，环比{relative(clues.mom_change)}" in text
    cases = kpis.kpi(engine, scope, metric="case_count", period=QUARTER)
    people = kpis.kpi(engine, scope, metric="people_handled", period=QUARTER)
    funds = kpis.kpi(engine, scope, metric="recovered_funds", period=QUARTER)
    assert f"立案{int(cases.value)}件，同比{relative(cases.yoy_change)}，处理{int(people.value)}人，追缴资金{funds.value:,.2f}万元" in text
    completion = kpis.kpi(engine, scope, metric="rectification_completion_rate", period=QUARTER)
    assert f"截至2024年9月30日，整改完成率{percent(completion.value)}，同比{points(completion.yoy_change)}" in text
    satisfaction = kpis.kpi(engine, scope, metric="satisfaction_rate", period=QUARTER)
    assert f"本季度群众满意率{percent(satisfaction.value)}，同比{points(satisfaction.yoy_change)}" in text
    overdue = kpis.kpi(engine, scope, metric="overdue_count", period=QUARTER)
    assert f"逾期未完成整改事项{int(overdue.value)}件" in text


def test_the_ranking_table_equals_quarterly_ranking(document, engine, scope):
    ranking = quarterly_ranking(engine, scope, quarter=QUARTER).sort_values("rank")
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells][:3] == ["排名", "乡镇", "整改完成率"]
    rows = [[c.text for c in row.cells] for row in table.rows[1:]]
    assert len(rows) == len(ranking) == 12
    for printed, expected in zip(rows, ranking.itertuples()):
        assert printed[0] == str(int(expected.rank))
        assert printed[1].startswith(expected.township_name)
        assert printed[1].endswith("（建议约谈）") == bool(expected.suggest_interview)
        assert printed[2] == percent(expected.rectification_completion_rate)
        assert printed[4] == percent(expected.satisfaction_rate)
        assert printed[6] == f"{expected.score:.1f}"
        assert printed[7] == str(int(expected.overdue_items))


def test_problems_name_the_interview_township_and_the_overdue_count(document, engine, scope):
    text = body_text(document)
    flags = interview_flags(engine, scope, quarter=QUARTER)
    assert not flags.empty, "the sample must exercise 建议约谈"
    for name in flags["township_name"]:
        assert f"{name}连续两个季度综合排名末位，建议" in text
    overdue = rectification.overdue_items(engine, scope, as_of=QUARTER.end, include_due_soon=False)
    overdue = overdue[overdue["days_overdue"] > 0]
    assert f"仍有{len(overdue)}项整改事项超过整改时限未完成" in text
    assert f"最长逾期{int(overdue['days_overdue'].max())}天" in text


def test_attachments_hold_the_full_ranking_and_every_overdue_item(document, engine, scope):
    overdue = rectification.overdue_items(engine, scope, as_of=QUARTER.end, include_due_soon=False)
    overdue = overdue[overdue["days_overdue"] > 0]
    ranking_attachment, overdue_attachment = document.tables[1], document.tables[2]
    assert len(ranking_attachment.rows) - 1 == 12
    assert len(overdue_attachment.rows) - 1 == len(overdue)
    assert {row.cells[1].text for row in overdue_attachment.rows[1:]} == set(overdue["item_id"])
    assert "附件：1. 2024年第三季度各乡镇综合排名" in body_text(document)


def test_next_steps_come_from_the_editable_template(engine, scope, monkeypatch):
    monkeypatch.setenv("DASHBOARD_BULLETIN_NEXT_STEPS", "一是专门测试的要求。\n二是第二条要求。")
    from reports.bulletin import bulletin_content

    content = bulletin_content(engine, QUARTER, scope, with_chart=False)
    steps = content.sections[3]
    assert steps.heading == "四、下一步工作要求"
    assert [t for _, t in steps.paragraphs] == ["一是专门测试的要求。", "二是第二条要求。"]


def test_every_run_and_style_carries_the_east_asian_font(document):
    runs = [r for p in document.paragraphs for r in p.runs if r.text]
    runs += [r for t in document.tables for row in t.rows for c in row.cells for p in c.paragraphs for r in p.runs
             if r.text]
    runs += [r for s in document.sections for p in s.footer.paragraphs + s.header.paragraphs for r in p.runs
             if r.text]
    assert len(runs) > 100
    missing = [r.text for r in runs if not east_asian_font_of(r._element)]
    assert not missing, missing[:5]
    for name in ("Normal", "公文标题", "公文正文", "公文一级标题", "公文二级标题", "公文表格"):
        assert east_asian_font_of(document.styles[name].element), name
    title_run = document.paragraphs[0].runs[0]
    assert title_run.font.size.pt == 22  # 2号
    assert east_asian_font_of(title_run._element) == "方正小标宋简体"  # the first of settings font_title
    body_run = next(p for p in document.paragraphs if p.text.startswith("本季度全县共受理")).runs[0]
    assert east_asian_font_of(body_run._element) == "仿宋_GB2312" and body_run.font.size.pt == 16
    heading = next(p for p in document.paragraphs if p.text == "一、总体情况")
    assert heading.style.name == "公文一级标题" and heading.style.font.size.pt == 16


def test_the_font_table_declares_each_chain_with_its_fallback(document):
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from lxml import etree

    part = next(r.target_part for r in document.part.rels.values() if r.reltype == RT.FONT_TABLE)
    fonts = {f.get(qn("w:name")): f for f in etree.fromstring(part.blob).findall(qn("w:font"))}
    for first, fallback in (("方正小标宋简体", "方正小标宋_GBK"), ("仿宋_GB2312", "仿宋"), ("黑体", "SimHei"),
                            ("楷体_GB2312", "楷体")):
        assert fonts[first].find(qn("w:altName")).get(qn("w:val")) == fallback
        assert fonts[first].find(qn("w:charset")).get(qn("w:val")) == "86"  # GB2312


def test_page_is_a4_with_official_margins_and_a_page_number_field(document):
    section = document.sections[0]
    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297
    assert (round(section.top_margin.mm), round(section.bottom_margin.mm),
            round(section.left_margin.mm), round(section.right_margin.mm)) == (37, 35, 28, 26)
    footer_xml = section.footer._element.xml
    assert "PAGE" in "".join(t.text for t in section.footer._element.iter(qn("w:instrText")))
    assert "— " in footer_xml and " —" in footer_xml
    body = document.styles["公文正文"].paragraph_format
    assert 28 <= body.line_spacing.pt <= 29.5
    assert len(document.inline_shapes) == 1  # the ranking chart, as an image


def test_the_pdf_has_the_chinese_text_in_its_text_layer(county_bulletin, tmp_path):
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice (soffice) must be installed"
    docx_path = tmp_path / "bulletin.docx"
    docx_path.write_bytes(county_bulletin.data)
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(docx_path)],
                   check=True, capture_output=True, timeout=120)
    text = subprocess.run(["pdftotext", str(tmp_path / "bulletin.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    flat = "".join(text.split())
    for phrase in ("集中整治群众身边不正之风和腐败问题工作情况通报", "一、总体情况", "二、各乡镇整改推进情况",
                   "三、存在的主要问题", "四、下一步工作要求", "建议按规定对其"):
        assert phrase in flat, phrase
    pages = subprocess.run(["pdfinfo", str(tmp_path / "bulletin.pdf")], capture_output=True, text=True).stdout
    assert "(A4)" in pages


def test_each_generation_is_archived_and_redownloads_byte_for_byte(engine, scope, county_bulletin):
    before = len(list_bulletins(engine, scope))
    second = generate_bulletin(engine, QUARTER, scope)
    archive = list_bulletins(engine, scope)
    assert len(archive) == before + 1
    for generated in (county_bulletin, second):
        stored = archived_bytes(engine, scope, bulletin_id=generated.bulletin_id)
        assert hashlib.sha256(stored).hexdigest() == generated.sha256 == hashlib.sha256(generated.data).hexdigest()
    newest = archive[0]
    assert (newest.bulletin_id, newest.generated_by, newest.quarter_label) == (second.bulletin_id, "王纪检", "2024Q3")
    assert newest.size_bytes == len(second.data)
    exports = audit_log(engine, Scope.county(user_name="县管理员", role="管理员"), action=EXPORT_ACTION)
    details = [json.loads(text) for text in exports["detail"]]
    of_second = [i for i, detail in enumerate(details) if detail.get("bulletin_id") == second.bulletin_id]
    assert of_second and exports["user_name"].iloc[of_second[0]] == "王纪检"
    assert details[of_second[0]]["kind"] == "docx"


def test_a_township_bulletin_reads_that_townships_figures(engine, scope):
    ranking = quarterly_ranking(engine, scope, quarter=QUARTER)
    township = ranking.sort_values("rank").iloc[-1]
    result = generate_bulletin(engine, QUARTER, scope, township_code=township.township_code)
    document = Document(io.BytesIO(result.data))
    assert document.paragraphs[0].text == f"示范县{township.township_name}集中整治群众身边不正之风和腐败问题工作情况通报"
    clues = kpis.kpi(engine, scope, metric="clue_count", period=QUARTER, township_code=township.township_code)
    assert f"本季度{township.township_name}共受理问题线索{int(clues.value)}件" in body_text(document)
    assert f"排名第{int(township['rank'])}位" in body_text(document)


def test_a_county_leader_may_not_produce_the_bulletin(engine):
    with pytest.raises(PermissionError):
        generate_bulletin(engine, QUARTER, Scope.county(user_name="李县长", role="县领导"))


def test_the_command_line_writes_the_same_kind_of_bulletin_and_archives_it(writable_sample_url, engine, tmp_path):
    with engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(bulletin_archive)).scalar_one()
    out = tmp_path / "2024年第三季度" / "通报.docx"  # a folder that does not exist yet is made
    completed = subprocess.run(
        [sys.executable, "-m", "reports", "bulletin", "--quarter", "2024Q3", "--out", str(out),
         "--db", writable_sample_url, "--user", "命令行测试"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=180,
    )
    assert completed.returncode == 0, completed.stderr
    assert "已生成" in completed.stdout
    document = Document(str(out))
    assert document.paragraphs[0].text == "示范县集中整治群众身边不正之风和腐败问题工作情况通报"
    with engine.connect() as conn:
        after = conn.execute(select(func.count()).select_from(bulletin_archive)).scalar_one()
        detail = conn.execute(select(audit_events.c.detail).where(audit_events.c.user_name == "命令行测试")
                              .where(audit_events.c.action == "export")).scalars().all()
    assert after == before + 1
    assert json.loads(detail[-1])["kind"] == "docx"
    newest = list_bulletins(engine, Scope.county())[0]
    assert newest.county_code == "990101"  # the configured county's: the county users of a one-county warehouse see it
    assert archived_bytes(engine, Scope.county(), bulletin_id=newest.bulletin_id) == out.read_bytes()


def test_a_bulletin_made_on_the_command_line_draws_each_township_in_its_colour_on_the_ranking_page(
        writable_sample_url, tmp_path, monkeypatch, pages_registered_by_navigation):
    import reports.png
    from charts import theme
    from reports.__main__ import main
    from tests.app_helpers import figure_titled, open_app

    drawn = []  # the bulletin's own figures, as it hands them to the real renderer (imported where it draws)
    real_png = reports.png.chart_png

    def recording_chart_png(figure, **options):
        drawn.append(figure)
        return real_png(figure, **options)

    monkeypatch.setattr(reports.png, "chart_png", recording_chart_png)
    theme.register_townships([])  # a fresh process: nothing registered
    out = tmp_path / "通报.docx"
    assert main(["bulletin", "--quarter", "2024Q3", "--out", str(out), "--db", writable_sample_url]) == 0
    (bulletin_chart,) = [f for f in drawn if "各乡镇综合得分排名" in f.layout.title.text]

    def colour_of_each_township(fig):
        return {label.split(". ")[1].removesuffix("（建议约谈）"): colour
                for label, colour in zip(fig.data[0].y, fig.data[0].marker.color)}

    in_bulletin = colour_of_each_township(bulletin_chart)
    theme.register_townships([])
    monkeypatch.setenv("DASHBOARD_DB_URL", writable_sample_url)
    on_the_page = colour_of_each_township(figure_titled(open_app("ranking", granularity="季", period="2024年第三季度"),
                                                        "2024年第三季度乡镇综合排名"))
    assert len(in_bulletin) == 12 and in_bulletin == on_the_page
    assert len(set(in_bulletin.values())) == 12  # twelve townships, twelve colours


@pytest.fixture(scope="module", autouse=True)
def _stop_browser_after_module():
    yield
    from reports.png import renderer

    renderer().stop()


def test_the_bulletin_page_generates_lists_and_offers_the_archive(writable_sample_url, engine, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.signed_in import session_token
    from ui.frame import SESSION_TOKEN_STATE

    monkeypatch.setenv("DASHBOARD_DB_URL", writable_sample_url)
    app = AppTest.from_file("../pages/bulletin.py", default_timeout=120)
    app.session_state[SESSION_TOKEN_STATE] = session_token(writable_sample_url)
    app.run()
    assert not app.exception, app.exception
    app.selectbox(key="bulletin_quarter").select("2024Q3").run()
    users_county = Scope.county(role="纪委", county_code="990101")  # the test user's, as the page lists
    before = len(list_bulletins(engine, users_county))
    app.button(key="bulletin_generate").click().run()
    assert not app.exception, app.exception
    assert len(list_bulletins(engine, users_county)) == before + 1
    assert any("已生成并归档：示范县季通报_2024Q3.docx" in s.value for s in app.success)
    archive_lines = [m.value for m in app.markdown if "由" in m.value and "生成" in m.value]
    assert len(archive_lines) == before + 1 and "2024年第三季度·全县" in archive_lines[0]
    labels = [b.proto.label for b in app.get("download_button")]
    assert "下载季通报（Word）" in labels and labels.count("下载") == before + 1


def test_a_quarter_the_data_does_not_cover_to_its_end_says_so(engine, scope):
    from datetime import datetime

    from reports.bulletin import bulletin_content, render_bulletin

    data_as_of = freshness.data_freshness(engine, Scope.county())["data_as_of"]
    quarter = Period.containing("quarter", data_as_of)
    assert data_as_of < quarter.end  # the sample ends mid-quarter (2026-11-15)
    content = bulletin_content(engine, quarter, scope, with_chart=False)
    text = body_text(Document(io.BytesIO(render_bulletin(content, generated_by="王纪检",
                                                          generated_at=datetime(2026, 11, 25)))))
    assert f"（本季度数据截至{data_as_of.year}年{data_as_of.month}月{data_as_of.day}日）" in text
    full = bulletin_content(engine, QUARTER, scope, with_chart=False)
    assert full.data_as_of is None


def test_the_archive_keeps_the_exact_bytes_on_postgresql_too(pg_engine):
    from reports.archive import archive_bulletin

    data = bytes(range(256)) * 300  # every byte value, as a .docx (a zip) may hold
    first = archive_bulletin(pg_engine, data=data, generated_by="王纪检", quarter_label="2024Q3",
                             township_code=None, file_name="示范县季通报_2024Q3.docx")
    second = archive_bulletin(pg_engine, data=data[::-1], generated_by="王纪检", quarter_label="2024Q3",
                              township_code="990101101", file_name="示范县青石镇季通报_2024Q3.docx")
    every_county = Scope.county()
    assert archived_bytes(pg_engine, every_county, bulletin_id=first) == data
    assert archived_bytes(pg_engine, every_county, bulletin_id=second) == data[::-1]
    listed = list_bulletins(pg_engine, every_county)
    assert [b.bulletin_id for b in listed] == [second, first]
    assert listed[1].size_bytes == len(data)
    assert [b.bulletin_id for b in list_bulletins(pg_engine, every_county, township_code="990101101")] == [second]
    with pg_engine.connect() as conn:
        actions = conn.execute(select(audit_events.c.action)).scalars().all()
    assert actions.count("bulletin") == 2


@pytest.fixture(params=["sqlite", "postgresql"])
def two_counties_archive(request):
    """(engine, {label: bulletin id}) of an archive holding 990101's and 990102's bulletins (county-wide and a
    township's) and a 市级 user's 全市 one, on a real SQLite file and on PostgreSQL."""
    from reports.archive import archive_bulletin

    engine = request.getfixturevalue("empty_engine" if request.param == "sqlite" else "pg_engine")
    archived = {}
    # 990102101 by a 市级 user of no county: the township names the county all the same
    for label, township, county in (("990101", None, "990101"), ("990101101", "990101101", "990101"),
                                    ("990102", None, "990102"), ("990102101", "990102101", None),
                                    ("全市", None, None)):
        archived[label] = archive_bulletin(engine, data=label.encode(), generated_by="王纪检", quarter_label="2024Q3",
                                           township_code=township, file_name=f"{label}.docx", county_code=county)
    return engine, archived


def test_a_county_user_lists_and_fetches_only_its_countys_archived_bulletins(two_counties_archive):
    engine, archived = two_counties_archive
    county_user = Scope.county(user_name="王纪检", role="纪委", county_code="990101")
    assert [b.bulletin_id for b in list_bulletins(engine, county_user)] == [archived["990101101"], archived["990101"]]
    assert {b.county_code for b in list_bulletins(engine, county_user)} == {"990101"}
    assert archived_bytes(engine, county_user, bulletin_id=archived["990101"]) == b"990101"
    for other in ("990102", "990102101", "全市"):  # refused as an id never archived: the ids outside say nothing
        with pytest.raises(LookupError, match=f"归档中没有编号为 {archived[other]} 的通报"):
            archived_bytes(engine, county_user, bulletin_id=archived[other])
    # asking for the other county's township narrows to nothing of it
    assert archived["990102101"] not in [b.bulletin_id for b in list_bulletins(engine, county_user,
                                                                               township_code="990102101")]


def test_a_township_user_lists_and_fetches_only_its_townships_archived_bulletins(two_counties_archive):
    engine, archived = two_counties_archive
    township_user = Scope(user_name="青石镇用户", role="乡镇", township_code="990101101")
    assert [b.bulletin_id for b in list_bulletins(engine, township_user)] == [archived["990101101"]]
    assert archived_bytes(engine, township_user, bulletin_id=archived["990101101"]) == b"990101101"
    with pytest.raises(LookupError):
        archived_bytes(engine, township_user, bulletin_id=archived["990101"])


def test_a_prefecture_user_lists_every_countys_archived_bulletins_or_the_chosen_countys(two_counties_archive):
    engine, archived = two_counties_archive
    prefecture = Scope(user_name="市纪委", role="市级")
    listed = list_bulletins(engine, prefecture)
    assert [b.bulletin_id for b in listed] == sorted(archived.values(), reverse=True)
    assert {b.bulletin_id: b.county_code for b in listed}[archived["990102101"]] == "990102"
    assert archived_bytes(engine, prefecture, bulletin_id=archived["990102"]) == b"990102"
    chosen = prefecture.in_county("990102")
    assert [b.bulletin_id for b in list_bulletins(engine, chosen)] == [archived["990102101"], archived["990102"]]
    with engine.connect() as conn:  # each audit row belongs to the county its bulletin reports on
        audited = conn.execute(select(audit_events.c.detail, audit_events.c.county_code)
                               .where(audit_events.c.action == "bulletin")).all()
    assert sorted((json.loads(d)["file_name"], c or "") for d, c in audited) == sorted(
        (f"{label}.docx", "" if label == "全市" else label[:6]) for label in archived)


def test_a_quarter_after_the_data_is_refused_in_chinese(engine, scope, empty_engine):
    with pytest.raises(ValueError, match="2030年第一季度尚无数据"):
        generate_bulletin(engine, "2030Q1", scope)
    with pytest.raises(ValueError, match="还没有台账数据"):
        generate_bulletin(empty_engine, "2024Q3", scope)


def test_the_command_line_says_in_one_chinese_line_when_it_cannot_write(writable_sample_url, tmp_path):
    blocker = tmp_path / "不是文件夹.txt"
    blocker.write_text("x", encoding="utf-8")
    completed = subprocess.run(
        [sys.executable, "-m", "reports", "bulletin", "--quarter", "2024Q3", "--out", str(blocker / "通报.docx"),
         "--db", writable_sample_url],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=180,
    )
    assert completed.returncode == 2
    assert "无法写入文件" in completed.stderr and "Traceback" not in completed.stderr
    assert len(completed.stderr.strip().splitlines()) == 1


def test_every_reader_of_the_archive_and_the_audit_log_takes_the_asking_users_scope():
    """The archive's bulletins and the audit rows are discipline data too: a function that reads them
    takes the scope it filters by; only the two that write a row (stamped with a county) take none."""
    import inspect

    import reports.archive as archive

    unscoped = {name for name, function in vars(archive).items()
                if inspect.isfunction(function) and function.__module__ == archive.__name__
                and not name.startswith("_")
                and next(iter(inspect.signature(function).parameters), None) == "engine"
                and "scope" not in inspect.signature(function).parameters}
    assert unscoped == {"record_export", "archive_bulletin"}
