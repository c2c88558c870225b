"""The product's settings: one declared table of (name, default, help), read lazily.

A setting is looked up, in order, in the environment variable ``DASHBOARD_<NAME>``, then in
``.streamlit/secrets.toml`` (top-level key, or the ``[dashboard]`` table), then its default.
Nothing is read at import time, so every module imports in a test with no secrets present.
``tests/test_settings.py`` fails when a setting is missing from the README's table.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SettingError(ValueError):
    """A setting's value is unusable; the message (Chinese) names the setting and what it accepts."""


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str
    check: Callable[[Any], Any] | None = None  # validates (and may normalise) the value read


def _ranking_weights(value: Any) -> dict[str, float]:
    """The ranking's weights keyed by metric name; an unknown name is an error, not a silent weight of 0."""
    from metrics.definitions import METRICS, RANKING_METRICS

    accepted = "、".join(f"{name}（{METRICS[name].label}）" for name in RANKING_METRICS)
    if not isinstance(value, dict):
        raise SettingError(f"设置 ranking_weights 应为以指标名为键的 JSON 对象，可用的指标：{accepted}")
    unknown = [str(key) for key in value if key not in RANKING_METRICS]
    if unknown:
        raise SettingError(f"设置 ranking_weights 中有未知的指标：{'、'.join(unknown)}；可用的指标：{accepted}")
    weights = {}
    for name, weight in value.items():
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight < 0:
            raise SettingError(f"设置 ranking_weights 中“{name}”的权重应为非负数，现为：{weight!r}")
        weights[name] = weight
    return weights


def _day_of_month(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 28:
        raise SettingError(f"设置 {name} 应为 1 到 28 之间的整数（每月都有的日子），现为：{value!r}")
    return value


def _positive_number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise SettingError(f"设置 {name} 应为正数，现为：{value!r}")
    return value


def _whole_number_at_least(name: str, least: int, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise SettingError(f"设置 {name} 应为不小于 {least} 的整数，现为：{value!r}")
    return value


def _claim_name(value: Any) -> str:
    """The name of an id_token claim: non-empty text."""
    if not isinstance(value, str) or not value.strip():
        raise SettingError(f"设置 sso_username_claim 应为 ID 令牌中一项声明的名称（如 preferred_username），现为：{value!r}")
    return value.strip()


SETTINGS: tuple[Setting, ...] = (
    Setting("db_url", "", "数据库连接串；空则用项目 data/ 目录下内置的 SQLite 文件。也可用环境变量 DASHBOARD_DB_URL。"),
    Setting("data_dir", "data", "内置 SQLite 文件与导出归档所在目录（相对项目根目录）。"),
    Setting("log_level", "INFO", "日志级别（DEBUG、INFO、WARNING、ERROR）；日志写入数据目录下的 dashboard.log（轮转）。"),
    Setting("county_code", "990101", "本县 6 位区划代码（GB/T 2260），用于标题与校验区划代码前缀。"),
    Setting("prefecture_name", "", "地（市、州、盟）名称，如 示范市：市级用户未选县时侧边栏标题用它；空则为“全市”。",
            check=lambda value: str(value or "").strip()),
    Setting("ranking_weights", {"rectification_completion_rate": 30, "on_time_completion_rate": 20,
                                "satisfaction_rate": 30, "proactive_discovery_rate": 20},
            "乡镇综合排名的权重（合计 100），键为指标名：整改完成率、按期完成率、满意率、主动发现率。", _ranking_weights),
    Setting("due_soon_days", 10, "整改时限在多少天内即亮黄灯。"),
    Setting("list_rows_shown", 1000, "明细列表（重点线索、逾期及反复出现的整改事项、近7天新增）最多列出的条数；"
            "超出时页面说明只列出了前若干条，选择县或乡镇可查看全部。",
            check=lambda value: _whole_number_at_least("list_rows_shown", 10, value)),
    Setting("small_number_threshold", 3, "村级计数低于此值且用户无权看姓名时显示为“<3”。"),
    Setting("satisfaction_target", 0.90, "满意率目标线（0-1）。"),
    Setting("map_tiles", "none", "地图底图：none（仅边界）、xyz（内网瓦片，见 map_tile_url）、tianditu（天地图，需 map_tianditu_key）。"),
    Setting("map_tile_url", "", "内网 XYZ 瓦片地址模板，如 http://gis.example.gov/{z}/{x}/{y}.png。"),
    Setting("map_tile_is_gcj02", False, "瓦片是否为 GCJ-02 坐标（高德类瓦片），是则将点位偏移后绘制。"),
    Setting("map_tianditu_key", "", "天地图密钥（map_tiles=tianditu 时使用）。"),
    Setting("font_title", "方正小标宋简体,方正小标宋_GBK,华文中宋,Noto Serif CJK SC,SimSun",
            "公文标题字体（依次回退）。"),
    Setting("font_body", "仿宋_GB2312,仿宋,FangSong,Noto Serif CJK SC", "公文正文字体（依次回退）。"),
    Setting("font_heading", "黑体,SimHei,Noto Sans CJK SC", "公文一级标题字体。"),
    Setting("font_subheading", "楷体_GB2312,楷体,KaiTi,Noto Serif CJK SC", "公文二级标题字体。"),
    Setting("chart_font_family", "Noto Sans CJK SC, WenQuanYi Micro Hei, Microsoft YaHei, SimHei, sans-serif",
            "图表字体（CJK 字体栈）。"),
    Setting("bulletin_next_steps",
            "一是压紧压实整改责任。各乡镇党委要切实履行主体责任，对逾期整改事项逐项明确责任人和完成时限。\n"
            "二是聚焦重点领域攻坚。持续深化农村集体“三资”、惠民惠农补贴等领域专项治理。\n"
            "三是强化线索排查处置。对红色等级、挂牌督办线索实行清单化管理，限期办结。\n"
            "四是提升群众满意度。加大监督平台宣传力度，提高群众知晓率和参与度。",
            "季通报“下一步工作要求”的可编辑模板，每行一段。"),
    Setting("watermark_text", "内部资料 注意保密", "导出水印文字（另附用户与时间）。"),
    Setting("session_idle_minutes", 30, "登录会话空闲多少分钟后失效（需重新登录）。"),
    Setting("session_max_hours", 8, "登录会话自登录起最长有效小时数。"),
    Setting("cookie_secure", False, "登录 Cookie 是否加 Secure（经 HTTPS 访问时设为 true）。"),
    Setting("reporting_deadline_day", 5, "各乡镇报送截止日：次月（测评为季后首月）的第几日，之后到达记为迟报。",
            check=lambda value: _day_of_month("reporting_deadline_day", value)),
    Setting("desk_upload_limit_mb", 20, "数据报送页单个上传文件的大小上限（MB），须不大于 server.maxUploadSize。",
            check=lambda value: _positive_number("desk_upload_limit_mb", value)),
    Setting("sso_username_claim", "preferred_username",
            "统一身份认证（secrets.toml 的 [auth] 已配置时）以 ID 令牌中哪一项作为看板用户名；"
            "该用户须是看板中已启用的用户，角色与乡镇以看板的用户表为准。", _claim_name),
)

_BY_NAME = {s.name: s for s in SETTINGS}


@lru_cache(maxsize=1)
def _secrets() -> dict[str, Any]:
    path = PROJECT_ROOT / ".streamlit" / "secrets.toml"
    if not path.exists():
        return {}
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    merged = {k: v for k, v in data.items() if not isinstance(v, dict)}
    merged.update(data.get("dashboard", {}))
    return merged


def _coerce(raw: str, default: Any) -> Any:
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "是"}
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    if isinstance(default, dict):
        return json.loads(raw)
    return raw


def _checked(setting: Setting, value: Any) -> Any:
    return setting.check(value) if setting.check else value


def get(name: str) -> Any:
    """Return the setting's value from the environment, secrets.toml or its default."""
    setting = _BY_NAME[name]  # KeyError on an undeclared name is deliberate
    env = os.environ.get(f"DASHBOARD_{name.upper()}")
    if env is not None:
        try:
            value = _coerce(env, setting.default)
        except ValueError:
            raise SettingError(f"环境变量 DASHBOARD_{name.upper()} 的值无法读取：{env!r}") from None
        return _checked(setting, value)
    secrets = _secrets()
    if name in secrets:
        return _checked(setting, secrets[name])
    return setting.default


def check_all() -> None:
    """Read every setting once, so a bad value stops the start-up with its Chinese message (SettingError)."""
    for setting in SETTINGS:
        get(setting.name)


def reset_cache() -> None:
    """Forget secrets.toml (tests change it)."""
    _secrets.cache_clear()
