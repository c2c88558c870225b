"""数据报送 — the clerk's desk (管理员: any ledger of the county; 乡镇: its own township's rows).

Upload ledgers into the same pipeline as ``python -m data_pipeline load`` (one transaction per
file, every row accounted for), read the summary and the rejected rows, download the rejects,
see 报送情况 and declare a 零报告, and undo a batch from the load history. Thin: the loading is
``data_pipeline.load``, the undo and 零报告 ``data_pipeline.batches``, the reading ``metrics.reporting``.
"""

import tempfile
from datetime import date
from functools import partial
from pathlib import Path

import streamlit as st

from config import settings
from data_pipeline.batches import Actor, DeskError, declare_zero_report, undo_batch
from data_pipeline.desk import (
    UPLOAD_SUFFIXES,
    error_on_the_desk,
    load_uploads,
    mapping_choices,
    rejected_lines,
    summary_frame,
    upload_refusal,
)
from data_pipeline.ledgers import DIVISIONS, LEDGER_KINDS
from data_pipeline.rejects import rejects_workbook_bytes
from data_pipeline.templates import template_file_name, template_xlsx
from metrics import freshness, places, reporting
from metrics.periods import Period
from ui.components import file_uploader_in_chinese, show_table
from ui.downloads import XLSX_MIME
from ui.frame import current_frame, require_page_role
from ui.reporting import show_reporting_matrix

frame = current_frame()
require_page_role(frame, "desk")
scope = frame.scope
actor = Actor(frame.username, scope.role, scope.township_code, scope.county_code)
st.title("数据报送")
limit_mb = float(settings.get("desk_upload_limit_mb"))
if scope.township_code:
    st.caption(f"上传{frame.township_name}的台账：只有本乡镇的行会入库，其他乡镇的行拒收（不属于本乡镇）。区划名录由管理员加载。")
else:
    st.caption("上传各乡镇的台账（可多选）：与命令行导入走同一流程，每个文件一个事务，每一行都有去向。")

message = st.session_state.pop("desk_message", None)
if message:
    (st.error if message[0] == "error" else st.success)(message[1])



def _load(uploads: dict[str, bytes], confirmed: dict[str, str] | None = None) -> None:
    """Load the uploaded files (name → bytes) through the pipeline; keep the reports, and the files whose
    header needs the clerk's word, for the next rerun."""
    bar = st.progress(0.0, text="加载中……")
    with tempfile.TemporaryDirectory(prefix="desk_") as folder:
        paths = []
        for name, data in uploads.items():
            path = Path(folder) / Path(name).name
            path.write_bytes(data)
            paths.append(path)
        reports = load_uploads(frame.engine, paths, actor, confirmed=confirmed,
                               on_file=lambda done, total: bar.progress(done / total, text=f"已处理 {done}/{total} 个文件"))
    bar.empty()
    st.session_state["desk_reports"] = reports
    st.session_state["desk_pending"] = {r.file_name: uploads[r.file_name] for r in reports
                                        if r.mismatch is not None and r.file_name in uploads}
    st.rerun()  # the other pages (and this one's tables) read the new data version


upload, status_tab, history_tab, templates_tab = st.tabs(["上传台账", "报送情况", "加载记录", "填报模板"])

with upload:
    file_uploader_in_chinese(limit_mb)
    files = st.file_uploader(f"选择台账文件（{'、'.join(UPLOAD_SUFFIXES)}，单个不超过 {limit_mb:g} MB）",
                             accept_multiple_files=True, key="desk_files")
    refusals = {f.name: reason for f in files or [] if (reason := upload_refusal(f.name, f.size, limit_mb))}
    for reason in refusals.values():
        st.error(reason)
    accepted = [f for f in files or [] if f.name not in refusals]
    if st.button("开始加载", type="primary", disabled=not accepted, key="desk_load"):
        _load({f.name: f.getvalue() for f in accepted})

    reports = st.session_state.get("desk_reports")
    if reports:
        st.subheader("本次加载结果")
        st.table(summary_frame(reports).set_index("文件"))
        st.caption("核对：读取行数 = 入库 + 拒收 + 结构行（标题、表头、空行、合计）；重复行计入拒收；未变化行计入入库。")
        for report in reports:
            if report.error:
                st.error(error_on_the_desk(report))
            for warning in report.warnings:
                if warning != "已加载，跳过":
                    st.warning(f"{report.file_name}：{warning}")
        pending = st.session_state.get("desk_pending", {})
        for report in (r for r in reports if r.mismatch is not None and r.file_name in pending):
            choices = mapping_choices(report)
            st.subheader(f"确认表头：{report.file_name}")
            st.caption(f"这个文件最接近“{report.mismatch.kind.label}”，但缺少下列标准表头。请为每个标准表头选出文件中"
                       "对应的那一列（只按您的选择对应，不自动猜测）；确认后重新加载，并为本县记住，下次同样的表头不再询问。")
            with st.form(f"desk_mapping_{report.file_name}"):
                chosen = {}
                for position, (standard, headers, suggested) in enumerate(choices):
                    options = [None, *headers]
                    chosen[standard] = st.selectbox(
                        f"“{standard}”对应文件中的", options, index=options.index(suggested) if suggested else 0,
                        format_func=lambda h: "（没有对应的列）" if h is None else f"“{h}”",
                        key=f"desk_mapping_{report.file_name}_{position}")
                if st.form_submit_button("确认表头并重新加载"):
                    confirmed = {source: standard for standard, source in chosen.items() if source}
                    if len(confirmed) < len(chosen):
                        st.session_state["desk_message"] = ("error", "还有标准表头没有选择对应的列，无法加载。")
                        st.rerun()
                    _load({report.file_name: pending[report.file_name]}, confirmed)
        batch_ids = tuple(r.batch_id for r in reports if r.batch_id and not r.skipped and r.rows_rejected)
        if batch_ids:
            rejected = rejected_lines(frame.engine, batch_ids, actor=actor)
            st.subheader(f"拒收行（{len(rejected)}条原因）")
            st.dataframe(rejected, hide_index=True, width="stretch", key="desk_rejected",
                         height=38 + 35 * min(len(rejected), 12))
            st.download_button("下载拒收行（Excel，可修改后重新上传）",
                               data=partial(rejects_workbook_bytes, frame.engine, batch_ids=batch_ids, actor=actor),
                               file_name="拒收行.xlsx", on_click="ignore", key="desk_rejects_download",
                               mime=XLSX_MIME)

with status_tab:
    this_quarter = Period.containing("quarter", date.today())
    years = frame.query(freshness.available_years) or [this_quarter.year]
    quarters = [q for year in range(min(years), this_quarter.year + 1) for q in Period.whole_year(year).children()
                if q.start <= this_quarter.start]
    kind_names = {None: "全部台账", **reporting.LEDGER_LABELS}
    left, right = st.columns(2)
    kind = left.selectbox("台账", list(kind_names), format_func=kind_names.get, key="desk_status_kind")
    chosen = right.selectbox("期间", quarters, index=len(quarters) - 1, format_func=lambda p: p.label,
                             key="desk_status_period")
    st.caption(f"到达晚于次月{settings.get('reporting_deadline_day')}日（满意度测评：季后首月）记为迟报；"
               "截止日前尚未到达记为未到期。")
    show_reporting_matrix(frame, chosen, key="desk_status_matrix", ledger_kind=kind)

    st.subheader("报送零报告（本期无新增）")
    towns = frame.query(places.township_options)
    town_names = dict(zip(towns["township_code"], towns["township_name"]))
    with st.form("desk_zero_report"):
        left, middle, right = st.columns(3)
        township = left.selectbox("乡镇", list(town_names), format_func=town_names.get, key="desk_zero_township")
        zero_kind = middle.selectbox("台账", list(reporting.LEDGER_LABELS), format_func=reporting.LEDGER_LABELS.get,
                                     key="desk_zero_kind")
        periods = [*chosen.children(), chosen] if chosen.granularity == "quarter" else [chosen]
        zero_period = right.selectbox("期间（测评选季度，其余选月份）", periods, format_func=lambda p: p.label,
                                      key="desk_zero_period")
        if st.form_submit_button("报送零报告"):
            try:
                declared = declare_zero_report(frame.engine, actor, township_code=township, ledger_kind=zero_kind,
                                               period_code=zero_period.code)
            except DeskError as error:
                st.session_state["desk_message"] = ("error", str(error))
            else:
                st.session_state["desk_message"] = ("success", (
                    f"已登记{town_names[township]}{zero_period.label}{reporting.LEDGER_LABELS[zero_kind]}零报告"
                    if declared else "该零报告此前已登记"))
            st.rerun()

with history_tab:
    history = frame.query(reporting.load_history)
    show_table(frame, history.drop(columns=["ledger_kind"]), "加载记录", "desk_history", empty_text="尚无加载记录。")
    undoable = history[history["undone_at"].isna()]
    if scope.township_code:
        undoable = undoable[undoable["loaded_by"] == frame.username]
    if not undoable.empty:
        st.subheader("撤销本批次")
        st.caption("撤销后，该批次写入的行删除，被它替换的行恢复原样；在一个事务内完成，并记入审计日志。")
        labels = {int(b): f"第{int(b)}批次 · {f} · {k}（入库{int(n)}行）" for b, f, k, n in
                  zip(undoable["batch_id"], undoable["file_name"], undoable["ledger_label"], undoable["rows_loaded"])}
        with st.form("desk_undo"):
            batch = st.selectbox("批次", list(labels), format_func=labels.get, key="desk_undo_batch")
            sure = st.checkbox("我已确认要撤销这一批次", key="desk_undo_confirm")
            if st.form_submit_button("撤销本批次"):
                if not sure:
                    st.session_state["desk_message"] = ("error", "请先勾选确认后再撤销。")
                else:
                    try:
                        done = undo_batch(frame.engine, batch, actor)
                    except DeskError as error:
                        st.session_state["desk_message"] = ("error", str(error))
                    else:
                        st.session_state["desk_message"] = ("success", (
                            f"已撤销第{done.batch_id}批次（{done.file_name}）：删除{done.rows_removed}行，"
                            f"恢复{done.rows_restored}行"))
                st.rerun()

with templates_tab:
    st.caption("按台账下载填报模板：标准表头、下拉选项、日期格式与填表说明；按模板填写的台账可直接上传，不会因格式被拒收。"
               + ("本乡镇的模板只能选择本乡镇及其村（社区）。" if scope.township_code else ""))
    towns = frame.query(places.township_options)
    if scope.township_code:
        own = (scope.township_code, frame.township_name)
        villages = frame.query(places.village_table, township_code=scope.township_code, period=frame.period)
        template_places = {"township": own, "villages": list(villages["village_name"])}
    else:
        own, template_places = None, {"townships": list(towns["township_name"])}
    columns = st.columns(3)
    for position, kind in enumerate(k for k in LEDGER_KINDS if not (scope.township_code and k is DIVISIONS)):
        columns[position % 3].download_button(
            f"下载{kind.label}模板", data=partial(template_xlsx, kind, **template_places),
            file_name=template_file_name(kind, own), on_click="ignore", key=f"desk_template_{kind.name}",
            mime=XLSX_MIME)
