"""Settings: the documented defaults file, and precedence flag > env > user file > defaults."""

import tomllib
from pathlib import Path

import pytest

from bridge.config import DEFAULTS, ENVIRONMENT, Settings, load_settings
from bridge.errors import ConfigError
from tests.paths import REPO


def test_documented_defaults_file_equals_the_code():
    documented = tomllib.loads((REPO / "config" / "refbridge.toml").read_text())
    assert documented == DEFAULTS


def test_environment_variables_are_the_ones_design_md_names():
    assert set(ENVIRONMENT) == {
        "REFBRIDGE_ARXIV_URL", "REFBRIDGE_ARXIV_DELAY", "REFBRIDGE_ZOTERO_URL",
        "ZOTERO_API_KEY", "ZOTERO_LIBRARY", "REFBRIDGE_CACHE",
        "REFBRIDGE_CROSSREF_URL", "REFBRIDGE_S2_URL", "REFBRIDGE_DBLP_URL", "REFBRIDGE_CONTACT",
        "S2_API_KEY",
    }


def test_defaults_when_nothing_is_set(tmp_path: Path):
    settings = load_settings(environ={}, config_file=tmp_path / "none.toml")
    assert settings == Settings()
    assert settings.arxiv_url == "https://export.arxiv.org/api/query"
    assert settings.arxiv_delay == 3.0
    assert settings.zotero_url == "https://api.zotero.org"


def test_precedence_flag_over_env_over_file_over_default(tmp_path: Path):
    config = tmp_path / "config.toml"
    config.write_text('[arxiv]\ndelay = 7\nurl = "http://file/"\n[output]\ndate = "latest"\n')
    environ = {"REFBRIDGE_ARXIV_DELAY": "5"}
    settings = load_settings({"arxiv_delay": 1.5}, environ=environ, config_file=config)
    assert settings.arxiv_delay == 1.5          # flag
    settings = load_settings(environ=environ, config_file=config)
    assert settings.arxiv_delay == 5.0          # env
    assert settings.arxiv_url == "http://file/"  # file
    assert settings.date == "latest"
    assert settings.arxiv_timeout == 30.0       # default


def test_config_file_named_by_environment(tmp_path: Path):
    config = tmp_path / "mine.toml"
    config.write_text('[zotero]\nlibrary = "group:42"\n')
    settings = load_settings(environ={"REFBRIDGE_CONFIG": str(config)})
    assert settings.zotero_library == "group:42"


@pytest.mark.parametrize(("text", "message"), [
    ("[arxiv]\ndelay = 'soon'\n", "arxiv.delay must be a number of seconds from 0 to 3600"),
    ("[arxiv]\nspeed = 1\n", "unknown setting arxiv.speed"),
    ("[zotero]\nlibrary = 'me'\n", "ZOTERO_LIBRARY must look like"),
    ("[output]\ndate = 'newest'\n", "date must be 'first' or 'latest'"),
    ("[arxiv\n", "cannot read config file"),
])
def test_bad_config_is_a_clear_error(tmp_path: Path, text: str, message: str):
    config = tmp_path / "config.toml"
    config.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_settings(environ={}, config_file=config)


def test_api_key_never_in_repr():
    settings = Settings(zotero_api_key="P9NiFoyLeZu2bZNvvuQPDWsd")
    assert "P9NiFoyLeZu2bZNvvuQPDWsd" not in repr(settings)
    assert "[redacted]" in repr(settings)


@pytest.mark.parametrize(("environ", "text", "message"), [
    ({"REFBRIDGE_ARXIV_DELAY": "inf"}, "",
     "arxiv.delay must be a number of seconds from 0 to 3600, not 'inf'"),
    ({"REFBRIDGE_ARXIV_DELAY": "nan"}, "",
     "arxiv.delay must be a number of seconds from 0 to 3600, not 'nan'"),
    ({"REFBRIDGE_ARXIV_DELAY": "-1"}, "",
     "arxiv.delay must be a number of seconds from 0 to 3600, not '-1'"),
    ({}, "[arxiv]\nretries = 1000000000\n",
     "arxiv.retries must be a whole number from 0 to 20, not 1000000000"),
    ({}, "[arxiv]\nretries = 2.5\n", "arxiv.retries must be a whole number from 0 to 20, not 2.5"),
    ({}, "[arxiv]\nretries = true\n",
     "arxiv.retries must be a whole number from 0 to 20, not True"),
    ({}, "[arxiv]\ntimeout = 0\n",
     "arxiv.timeout must be a number of seconds from 0.1 to 3600, not 0"),
    ({}, "[arxiv]\nbatch_size = 101\n",
     "arxiv.batch_size must be a whole number from 1 to 100, not 101"),
    ({"REFBRIDGE_ARXIV_URL": "export.arxiv.org/api/query"}, "",
     "arxiv.url must be an http:// or https:// URL, not 'export.arxiv.org/api/query'"),
    ({"REFBRIDGE_ZOTERO_URL": "ftp://api.zotero.org"}, "",
     "zotero.url must be an http:// or https:// URL, not 'ftp://api.zotero.org'"),
    ({"REFBRIDGE_ZOTERO_URL": "http://host:port"}, "",
     "zotero.url must be an http:// or https:// URL, not 'http://host:port'"),
    ({"REFBRIDGE_ARXIV_URL": "http:///api/query"}, "",
     "arxiv.url must be an http:// or https:// URL, not 'http:///api/query'"),
])
def test_values_out_of_range_are_refused(tmp_path: Path, environ: dict[str, str], text: str,
                                         message: str):
    config = tmp_path / "config.toml"
    config.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_settings(environ=environ, config_file=config)
    assert str(caught.value) == message


@pytest.mark.parametrize(("variable", "value", "message"), [
    ("REFBRIDGE_ARXIV_DELAY", "inf",
     "arxiv.delay must be a number of seconds from 0 to 3600, not 'inf'"),
    ("REFBRIDGE_ARXIV_URL", "not a url",
     "arxiv.url must be an http:// or https:// URL, not 'not a url'"),
])
def test_a_bad_setting_is_one_line_and_exit_2_from_the_cli(
        monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str):
    from click.testing import CliRunner

    from bridge.cli import cli

    monkeypatch.setenv(variable, value)
    result = CliRunner().invoke(cli, ["import", "-", "-o", "-"], input="arXiv:1111.2011\n")
    assert (result.exit_code, result.stderr) == (2, f"refbridge: error: {message}\n")
