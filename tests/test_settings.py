"""Settings: declared once, documented in the README, read lazily."""

import re
from pathlib import Path

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
    monkeypatch.setenv("DASHBOARD_RANKING_WEIGHTS", '{"整改完成率": 40, "按期完成率": 10, "满意率": 30, "主动发现率": 20}')
    assert settings.get("ranking_weights")["整改完成率"] == 40


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
