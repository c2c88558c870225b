"""The picture frame every page sits in: the engine, the user's scope, the global filters, meeting mode.

``dashboard.py`` calls ``render_frame()`` once per run, before the page; a page then reads the
same ``Frame`` with ``current_frame()`` and asks for data with ``frame.query(cases.case_trend,
periods=…)``: the frame passes the engine and the signed-in user's scope itself (a page cannot
pass another), and the result comes through ``metrics.cache`` keyed by the data version read
once per run (a load invalidates it). The filters are widgets bound to the URL
(``bind="query-params"``), so a view can be sent as a link and reopens the same:
``?granularity=季&period=2024年第三季度&township=青石镇``.
Meeting mode is ``?meeting=1``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from functools import cached_property
from typing import Any

import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.runtime.scriptrunner_utils.exceptions import ScriptControlException

from access.sessions import COOKIE_NAME, SignedIn, check_session, end_session
from access.web import sign_in_url
from charts import theme
from config import settings
from config.logs import configure_logging
from metrics import freshness, places
from metrics.cache import cached_call, cached_figure
from metrics.periods import GRANULARITY_LABELS, Period, periods_between
from metrics.scope import Scope
from warehouse.engine import data_version, database_url, get_engine

logger = logging.getLogger(__name__)

COUNTY_WIDE = "全县"
PREFECTURE_WIDE = "全市"
DATABASE_DOWN = "数据库暂时无法连接，请稍后重试或联系管理员。"
PAGE_FAILED = "本页暂时无法显示，请稍后重试或联系管理员。"
PAGE_NOT_OFFERED = "没有找到页面“{path}”，或您没有查看它的权限；已为您打开总览。"
GRANULARITY_KEY, PERIOD_KEY, TOWNSHIP_KEY, COUNTY_KEY = "granularity", "period", "township", "county"
MEETING_PARAM = "meeting"
_FRAME_KEY = "_frame"
_MEETING_STATE = "_meeting_mode"

# page id (file stem) → (title, file); the meeting's agenda order is MEETING_AGENDA
PAGES = {
    "overview": ("总览", "pages/overview.py"),
    "cases": ("案件统计", "pages/cases.py"),
    "rectification": ("整改推进", "pages/rectification.py"),
    "satisfaction": ("满意度", "pages/satisfaction.py"),
    "ranking": ("季度排名", "pages/ranking.py"),
    "heatmap": ("线索热力图", "pages/heatmap.py"),
    "bulletin": ("季通报", "pages/bulletin.py"),
    "users": ("用户管理", "pages/users.py"),
    "audit": ("审计日志", "pages/audit.py"),
    "desk": ("数据报送", "pages/desk.py"),
}
NAVIGATION = {
    "会议总览": ("overview",),
    "专题分析": ("cases", "rectification", "satisfaction", "ranking", "heatmap"),
    "通报与导出": ("bulletin",),
    "数据报送": ("desk",),
    "系统管理": ("users", "audit"),
}
# pages only some roles may use (the others: every signed-in role); a page also checks it when it runs
PAGE_ROLES = {"users": ("管理员",), "audit": ("管理员",), "desk": ("管理员", "乡镇")}
_RUN_USER = "_signed_in_this_run"  # navigation's session check, read once by current_user in the same run
MEETING_AGENDA = ("overview", "rectification", "cases", "satisfaction", "ranking", "heatmap")


@st.cache_resource(show_spinner=False)
def _engine_for(url: str) -> Engine:
    return get_engine(url)


def figure_context() -> tuple:
    """What every chart builder reads besides its arguments: the house font and the townships' colours."""
    return (theme.font_family(), theme.township_order_key())


def current_engine() -> Engine:
    """Return the one engine of the app (cached per database URL)."""
    return _engine_for(database_url())


SESSION_TOKEN_STATE = "_session_token"  # AppTest's way in: it cannot send a cookie (set only by server code)


def _session_token() -> str | None:
    for token in (st.context.cookies.get(COOKIE_NAME), st.session_state.get(SESSION_TOKEN_STATE)):
        if isinstance(token, str) and token:  # AppTest's stand-in cookies are not text
            return token
    return None


def signed_in_user() -> SignedIn | None:
    """Return who this browser session's cookie signs in, checked against the session table on every rerun."""
    return check_session(current_engine(), _session_token())


def current_user() -> SignedIn:
    """Return the signed-in user of this run (navigation's check, else checked here); without a valid
    session, show the way to sign in and stop the run."""
    user = st.session_state.pop(_RUN_USER, None) or signed_in_user()
    if user is None:
        st.title("请先登录")
        st.info("登录已失效或尚未登录：请重新登录后查看（刷新本页即转到登录页）。")
        st.markdown(f"[前往登录页]({sign_in_url()})")
        st.stop()
    return user


def _sign_out() -> None:
    """End this user's session everywhere (every tab at its next rerun); audited by end_session."""
    end_session(current_engine(), _session_token())
    st.session_state.pop(SESSION_TOKEN_STATE, None)


@dataclass(frozen=True)
class Frame:
    """What a page needs from the frame: the filters' values, the scope and a cached query."""

    engine_url: str
    version: tuple
    scope: Scope
    username: str  # the signed-in user's login name (who an admin change or an audit row is by)
    granularity: str  # month | quarter | year
    period: Period
    township_code: str | None  # None: the whole area (the county; a 市级 user with no county chosen: every county)
    township_name: str  # the whole area's label (whole_area) or the township's name
    latest: Period  # the latest period of the granularity that has data
    meeting: bool
    whole_area: str = COUNTY_WIDE  # 全县; 全市 for a 市级 user who has chosen no county (whole_area_of)

    @property
    def engine(self) -> Engine:
        return _engine_for(self.engine_url)

    @cached_property
    def as_of(self) -> date:
        """The as-of date of as-of metrics (整改): the period's last day, but never past the data."""
        return self.query(freshness.as_of_date, period=self.period)

    @cached_property
    def quarter(self) -> Period:
        """The quarter of the quarterly views (ranking, 约谈): the period's latest complete quarter.

        The ranking is the 季通报's and needs the quarter's survey: a quarter still running (the
        data ends inside it) has none yet, so the views fall back to the quarter before it.
        """
        return freshness.ranked_quarter(Period.containing("quarter", self.period.end),
                                        self.query(freshness.latest_period, granularity="quarter"), self.as_of)

    @cached_property
    def county_names(self) -> dict[str, str]:
        """The names of the counties in scope by code (a 市级 user's 全市: every county's)."""
        counties = self.query(places.county_options)
        return dict(zip(counties["county_code"], counties["county_name"]))

    def figure(self, builder: Callable, *args, **kwargs):
        """Return ``builder(*args, **kwargs)`` (a charts/ builder), reused while its inputs are unchanged.

        Building a plotly figure (validation, the template) costs more than reading a cached
        result, so a warm page gets a copy of the figure built from equal data (``metrics.cache``).
        """
        return cached_figure(builder, *args, context=figure_context(), **kwargs)

    def query(self, function: Callable, /, **arguments) -> Any:
        """Return ``function(engine, scope, **arguments)`` (a data function of ``metrics``) through the cache,
        with this run's engine, the user's scope and the data version."""
        return cached_call(function, self.engine, self.scope, version=self.version, **arguments)

    def query_in_county(self, county_code: str, function: Callable, /, **arguments) -> Any:
        """As ``query``, for one county of a 市级 user's 全市 (``Scope.in_county``: a county user's scope stays
        its own), as if the user had chosen that county in the sidebar: a choice within one county on a 全市 page."""
        return cached_call(function, self.engine, self.scope.in_county(county_code), version=self.version,
                           **arguments)


def navigation():
    """Register the pages, grouped, with st.navigation and return the page to run (dashboard.py runs it).

    Logging is configured and every setting read first: a bad setting stops here with its Chinese
    message (an unknown ranking weight is not a silent 0)."""
    configure_logging()
    st.set_page_config(page_title="正风反腐数据看板", layout="wide", initial_sidebar_state="expanded")
    try:
        settings.check_all()
    except settings.SettingError as error:
        logger.error("Settings rejected at start-up: %s", error)
        st.error(f"看板配置有误，请管理员修改后重启：{error}")
        st.stop()
    try:
        user = signed_in_user()
    except Exception:  # noqa: BLE001 - the frame checks again inside the error boundary and says why in Chinese
        logger.warning("Session check failed before navigation", exc_info=True)
        user = None
    st.session_state[_RUN_USER] = user
    sections = visible_pages(user.role if user else None)
    refused = _open_overview_instead_of_unknown_path({page_id for page_ids in sections.values() for page_id in page_ids})
    pages = {
        section: [st.Page(PAGES[page_id][1], title=PAGES[page_id][0], url_path=page_id, default=page_id == "overview")
                  for page_id in page_ids]
        for section, page_ids in sections.items()
    }
    page = st.navigation(pages, position="sidebar")
    if refused and user:
        st.toast(PAGE_NOT_OFFERED.format(path=refused))
    return page


def _open_overview_instead_of_unknown_path(page_ids: set[str]) -> str | None:
    """When the browser asked for a URL path that is none of ``page_ids`` (a typo, an old link, a page
    the user's role does not have), point this run at the default page and return that path, so the
    page says so in Chinese: Streamlit would otherwise show its English "Page not found" dialog.
    ``/overview`` is the default page under its own id (Streamlit serves it at ``/``): opened silently."""
    context = get_script_run_ctx()
    manager = context.pages_manager if context else None
    if manager is None or manager.intended_page_script_hash or not manager.intended_page_name:
        return None  # a click in the app names its page by hash; ``/`` names none
    requested = manager.intended_page_name.strip("/")
    if requested in page_ids and requested != "overview":
        return None
    manager.set_script_intent("", "")
    return None if requested == "overview" else requested


def visible_pages(role: str | None) -> dict[str, tuple[str, ...]]:
    """Return the navigation's sections and page ids a role sees (a section left empty is dropped)."""
    sections = {section: tuple(p for p in page_ids if may_use(role, p)) for section, page_ids in NAVIGATION.items()}
    return {section: page_ids for section, page_ids in sections.items() if page_ids}


def may_use(role: str | None, page_id: str) -> bool:
    """A page a role may use: every page for a signed-in user, but the ones PAGE_ROLES reserves."""
    allowed = PAGE_ROLES.get(page_id)
    return allowed is None or role in allowed


def require_page_role(frame: Frame, page_id: str) -> None:
    """Stop a page that the frame's role may not use (reached by its URL): one Chinese line, nothing else."""
    if frame.scope.role not in PAGE_ROLES.get(page_id, (frame.scope.role,)):
        st.error(f"当前角色（{frame.scope.role}）无权使用“{PAGES[page_id][0]}”。")
        st.stop()


@contextmanager
def errors_shown_in_chinese(where: str, *, stop: bool = False) -> Iterator[None]:
    """Run a page (or the frame) so that any error reaches the user as one Chinese line and the log keeps
    its traceback; Streamlit's own control flow (st.stop, st.rerun, st.switch_page) passes through.
    With ``stop``, the run ends after the line (the frame failed: the page under it has nothing to draw)."""
    try:
        yield
    except ScriptControlException:
        raise
    except Exception as error:  # noqa: BLE001 - the boundary: one Chinese line, the traceback to the log
        show_error_in_chinese(error, where)
        if stop:
            st.stop()


def show_error_in_chinese(error: Exception, where: str) -> None:
    """Log ``error`` with its traceback and show the user the one Chinese line for it."""
    if isinstance(error, OperationalError):
        logger.error("Database unreachable while running %s", where, exc_info=error)
        st.error(DATABASE_DOWN)
    else:
        logger.error("Error while running %s", where, exc_info=error)
        st.error(PAGE_FAILED)


def current_frame() -> Frame:
    """Return the frame of this run (``render_frame`` has run in dashboard.py)."""
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        # Streamlit's old pages/ auto-discovery ran this page file without dashboard.py (the first
        # request of a fresh server is a deep link like /cases; AppTest reruns a page this way).
        # Register our navigation (it replaces the auto-discovered one and turns discovery off)
        # and frame the page here, as dashboard.py does on every other run.
        navigation()
        with errors_shown_in_chinese("a deep link's first run", stop=True):
            return render_frame()
    frame = st.session_state.get(_FRAME_KEY)
    if frame is None:  # a page file run on its own (AppTest.from_file of one page)
        frame = render_frame()
    return frame


# --- the filters --------------------------------------------------------------------------------

def _period_options(first_year: int | None, latest: Period) -> list[str]:
    """Return the period codes from the first year with data to the latest period, newest first."""
    if first_year is None:
        return [latest.code]
    periods = periods_between(latest.granularity, date(first_year, 1, 1), latest.end)
    return [p.code for p in reversed(periods)]


def _label_of(code: str) -> str:
    try:
        return Period.parse(code).label
    except ValueError:
        return code


def _on_granularity_change() -> None:
    """Keep the period meaningful when the granularity changes: 2024Q3 → 2024 or → 2024年9月."""
    granularity = st.session_state.get(GRANULARITY_KEY)
    old = st.session_state.get("_last_period")
    if not granularity or not old:
        return
    latest = st.session_state.get("_latest_by_granularity", {}).get(granularity)
    day = old.end
    if latest is not None and day > latest.end:
        day = latest.end
    st.session_state[PERIOD_KEY] = Period.containing(granularity, day).code


def set_period(period: Period) -> None:
    """Set the global period filter (and its granularity): call from a widget callback (drilldown)."""
    st.session_state[GRANULARITY_KEY] = period.granularity
    st.session_state[PERIOD_KEY] = period.code


def whole_area_of(scope: Scope) -> str:
    """Return the label of the whole area a scope sees: 全市 for a 市级 scope of every county, else 全县."""
    return PREFECTURE_WIDE if scope.every_county else COUNTY_WIDE


def set_township(township_name: str) -> None:
    """Set the global township filter (a widget callback: the place drilldown); the whole area
    (``Frame.whole_area``: 全县 or 全市) goes back up."""
    st.session_state[TOWNSHIP_KEY] = township_name


def set_county(county_name: str) -> None:
    """Set a 市级 user's county filter (a widget callback: the 全市 chart's drilldown); its township goes
    back to the county's whole area."""
    st.session_state[COUNTY_KEY] = county_name
    st.session_state[TOWNSHIP_KEY] = COUNTY_WIDE


def drill_up() -> None:
    """Set the period filter to the current period's parent (a month's quarter, a quarter's year)."""
    frame = st.session_state.get(_FRAME_KEY)
    if frame is not None and frame.period.parent() is not None:
        set_period(frame.period.parent())


def _meeting_from_url() -> bool:
    if _MEETING_STATE not in st.session_state:
        st.session_state[_MEETING_STATE] = st.query_params.get(MEETING_PARAM) == "1"
    return bool(st.session_state[_MEETING_STATE])


def set_meeting_mode(on: bool) -> None:
    """Switch meeting mode on or off (a widget callback)."""
    st.session_state[_MEETING_STATE] = on


def _toggle_meeting() -> None:
    set_meeting_mode(bool(st.session_state.get("meeting_toggle")))


def render_frame() -> Frame:
    """Render the global filters in the sidebar and return this run's Frame (also stored for the page)."""
    engine = current_engine()
    url = database_url()
    version = data_version(engine)
    user = current_user()
    scope, username = user.scope(), user.username

    def query(function, /, **arguments):
        return cached_call(function, engine, scope, version=version, **arguments)

    with st.sidebar:
        title = st.empty()  # named after the county, once a 市级 user has chosen one
        if scope.role == "市级":  # a prefecture's user: every county, or one chosen here
            counties = query(places.county_options)
            county_names = dict(zip(counties["county_code"], counties["county_name"]))
            chosen = st.selectbox("县（市、区）", [PREFECTURE_WIDE, *county_names.values()], key=COUNTY_KEY,
                                  bind="query-params")
            scope = scope.in_county({v: k for k, v in county_names.items()}.get(chosen))
    townships = query(places.township_options)
    # colours come from the whole county's list, so a township keeps its colour whoever looks
    county_townships = cached_call(places.township_codes, engine, Scope.county(), version=version)
    theme.register_townships(county_townships["township_code"])
    years = query(freshness.available_years)
    latest_by_granularity = {g: query(freshness.latest_period, granularity=g) for g in GRANULARITY_LABELS}
    st.session_state["_latest_by_granularity"] = latest_by_granularity

    meeting = _meeting_from_url()
    with st.sidebar:
        title.markdown(f"### {query(places.county_name)}正风反腐数据看板")
        granularity = st.segmented_control(
            "统计粒度", options=list(GRANULARITY_LABELS), format_func=GRANULARITY_LABELS.get, default="quarter",
            key=GRANULARITY_KEY, bind="query-params", on_change=_on_granularity_change, required=True,
        ) or "quarter"
        latest = latest_by_granularity[granularity]
        options = _period_options(years[0] if years else None, latest)
        period_code = st.selectbox("统计期间", options=options, index=0, format_func=_label_of, key=PERIOD_KEY,
                                   bind="query-params")
        period = Period.parse(period_code or latest.code)
        if period.granularity != granularity:  # a stale value from another granularity
            period = latest
        names = dict(zip(townships["township_code"], townships["township_name"]))
        whole_area = whole_area_of(scope)
        township_choices = ([] if scope.township_code else [whole_area]) + list(names.values())
        township_name = st.selectbox("乡镇", options=township_choices, index=0, key=TOWNSHIP_KEY,
                                     bind="query-params")
        codes_by_name = {v: k for k, v in names.items()}
        township_code = scope.township_code or codes_by_name.get(township_name)  # names: the scope's townships only
        if scope.township_code:
            township_name = names.get(scope.township_code, township_name)
        st.toggle("会议模式（投影）", value=meeting, key="meeting_toggle", on_change=_toggle_meeting,
                  help="隐藏侧边栏、放大字号，用“下一页”按会议议程翻页。链接加 ?meeting=1 直接进入。")
        st.caption(f"当前用户：{scope.user_name}（{scope.role}）")
        st.button("退出登录", key="sign_out", on_click=_sign_out)

    meeting = bool(st.session_state[_MEETING_STATE])
    if meeting:
        st.query_params[MEETING_PARAM] = "1"
    elif st.query_params.get(MEETING_PARAM) is not None:
        del st.query_params[MEETING_PARAM]

    st.session_state["_last_period"] = period
    if meeting:  # the projector shows the room no reported person's name, whoever is signed in
        scope = replace(scope, names_masked=True)
    frame = Frame(engine_url=url, version=version, scope=scope, username=username, granularity=granularity,
                  period=period,
                  township_code=township_code, township_name=township_name or whole_area, latest=latest,
                  meeting=meeting, whole_area=whole_area)
    st.session_state[_FRAME_KEY] = frame
    if meeting:
        _meeting_css()
        _meeting_watermark(scope.user_name)
    return frame


def _meeting_watermark(user_name: str) -> None:
    """A faint watermark over the projected screen (a photo of the projector carries it too)."""
    from datetime import datetime
    from html import escape

    from reports.stamps import watermark_line

    text = escape(watermark_line(user_name, datetime.now()))
    st.html(f'<div class="meeting-watermark" style="position:fixed; inset:0; pointer-events:none; z-index:9999; '
            f'display:flex; align-items:center; justify-content:center; transform:rotate(-24deg); '
            f'font-size:2.6rem; color:rgba(120,120,120,0.10); white-space:nowrap;">{text}</div>')


def _meeting_css() -> None:
    """Hide the sidebar and enlarge the type and the tiles for the projector."""
    st.html("""<style>
    [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stSidebarNav"],
    header[data-testid="stHeader"] { display: none !important; }
    .block-container, [data-testid="stMainBlockContainer"] { max-width: 100% !important; padding-top: 1rem !important; }
    html, body, [data-testid="stAppViewContainer"] { font-size: 20px; }
    [data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li { font-size: 1.15rem; }
    [data-testid="stMetric"] { padding: 0.6rem 1rem; border: 1px solid #ddd; border-radius: 0.5rem; }
    [data-testid="stMetricValue"], [data-testid="stMetricValue"] p { font-size: 3.2rem !important; line-height: 1.15; }
    [data-testid="stMetricLabel"] p { font-size: 1.3rem !important; }
    [data-testid="stMetricDelta"], [data-testid="stMetricDelta"] p { font-size: 1.15rem !important; }
    h1 { font-size: 2.6rem !important; }
    </style>""")
