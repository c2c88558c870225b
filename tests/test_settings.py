"""Settings: declared once, documented in the README, read lazily."""

import re
from pathlib import Path

import pytest

from config import settings

README = Path(__file__).resolve().parent.parent / "README.md"


def test_every_setting_is_documented_in_the_readme():
    documented = set(re.findall(r"^\|\s*`([a-z_0-9]+)`\s*\|", README.read_text(encoding="utf-8"), re.M))
    undocumented = {s.name for s in settings.SETTINGS} - documented
    assert not undocumented, f"settings missing from README's table: {sorted(undocumented)}"


def test_every_setting_has_help_text():
    assert all(s.help.strip() for s in settings.SETTINGS)


def test_environment_overrides_default_with_the_default_type(monkeypatch):
    assert settings.get("due_soon_days") == 10
    monkeypatch.setenv("DASHBOARD_DUE_SOON_DAYS", "14")
    assert settings.get("due_soon_days") == 14
    monkeypatch.setenv("DASHBOARD_RANKING_WEIGHTS", '{"rectification_completion_rate": 40, "on_time_completion_rate": 10, '
                       '"satisfaction_rate": 30, "proactive_discovery_rate": 20}')
    assert settings.get("ranking_weights")["rectification_completion_rate"] == 40


def test_a_ranking_weight_keyed_by_an_unknown_metric_stops_the_start_up_with_a_chinese_error(monkeypatch):
    # the old label-keyed form would have weighted every component 0 without a word
    monkeypatch.setenv("DASHBOARD_RANKING_WEIGHTS", '{"整改完成率": 30, "按期完成率": 20, "满意率": 30, "主动发现率": 20}')
    with pytest.raises(settings.SettingError) as error:
        settings.check_all()
    message = str(error.value)
    assert "ranking_weights" in message and "未知的指标：整改完成率、按期完成率、满意率、主动发现率" in message
    assert "rectification_completion_rate（整改完成率）" in message  # says what it accepts
    monkeypatch.setenv("DASHBOARD_RANKING_WEIGHTS", '{"satisfaction_rate": "三十"}')
    with pytest.raises(settings.SettingError, match="“satisfaction_rate”的权重应为非负数"):
        settings.get("ranking_weights")
    monkeypatch.setenv("DASHBOARD_RANKING_WEIGHTS", "{not json")
    with pytest.raises(settings.SettingError, match="DASHBOARD_RANKING_WEIGHTS 的值无法读取"):
        settings.check_all()


def test_the_default_weights_read_as_the_ranking_caption_shows_them():
    from metrics.ranking import ranking_weights, weights_text

    assert ranking_weights() == {"rectification_completion_rate": 30, "on_time_completion_rate": 20,
                                 "satisfaction_rate": 30, "proactive_discovery_rate": 20}
    assert weights_text() == "整改完成率×30% + 按期完成率×20% + 满意率×30% + 主动发现率×20%"


def test_database_url_defaults_to_the_embedded_sqlite_file(monkeypatch, tmp_path):
    from warehouse.engine import database_url

    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(tmp_path))
    assert database_url() == f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
    monkeypatch.setenv("DASHBOARD_DB_URL", "postgresql+psycopg://u@127.0.0.1:5432/county")
    assert database_url() == "postgresql+psycopg://u@127.0.0.1:5432/county"


def test_secrets_toml_is_read_when_no_environment(monkeypatch, tmp_path):
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text('db_url = "sqlite:///from-secrets.sqlite"\n', encoding="utf-8")
    monkeypatch.setattr(settings, "PROJECT_ROOT", tmp_path)
    settings.reset_cache()
    try:
        assert settings.get("db_url") == "sqlite:///from-secrets.sqlite"
    finally:
        settings.reset_cache()


def test_the_single_sign_on_username_claim_must_name_a_claim(monkeypatch):
    assert settings.get("sso_username_claim") == "preferred_username"
    monkeypatch.setenv("DASHBOARD_SSO_USERNAME_CLAIM", " employee_id ")
    assert settings.get("sso_username_claim") == "employee_id"
    monkeypatch.setenv("DASHBOARD_SSO_USERNAME_CLAIM", " ")
    with pytest.raises(settings.SettingError, match="sso_username_claim"):
        settings.check_all()
