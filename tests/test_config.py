"""tracker.toml: the whole documented shape accepted, every unknown or wrong key named."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tracker.config import ConfigError, find_config, load_config, parse_config

FULL = """
state_dir = "var"

[[boards]]
name = "Highland Child Protection Committee"
nation = "scotland"
sources = ["sample_workbooks/highland.xlsx", "gsheet:abc123"]
recipients = ["cpc.manager@example.org"]

[boards.timescales]
"scotland-scr.icr_completed" = "within 20 working days after notified"

[national]
recipients = ["inspectors@example.org"]

[email]
backend = "smtp"
from = "tracker@example.org"

[email.smtp]
host = "smtp.example.org"
port = 587
security = "starttls"
username = "tracker"
password_env = "TRACKER_SMTP_PASSWORD"

[schedule]
timezone = "Europe/London"
weekly_report = "mon 08:00"
refresh_minutes = 15

[web]
host = "127.0.0.1"
port = 8080
secret_key_env = "TRACKER_SECRET_KEY"
"""


def test_the_documented_example_is_accepted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "tracker.toml"
    path.write_text(FULL)
    config = load_config(path)
    board = config.boards[0]
    assert board.nation == "scotland"
    assert board.sources == ("sample_workbooks/highland.xlsx", "gsheet:abc123")
    assert board.timescales == {
        "scotland-scr.icr_completed": "within 20 working days after notified"
    }
    assert config.national_recipients == ("inspectors@example.org",)
    assert config.email.backend == "smtp" and config.email.smtp.port == 587
    assert config.schedule.weekly_report == "mon 08:00"
    assert config.web.port == 8080
    assert config.state_dir == Path("var")
    monkeypatch.setenv("TRACKER_SMTP_PASSWORD", "s3cret")
    assert config.email.smtp.password() == "s3cret"


def test_relative_paths_are_read_from_the_config_files_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "conf").mkdir()
    path = tmp_path / "conf" / "tracker.toml"
    path.write_text('[[boards]]\nname = "A"\nnation = "wales"\nsources = ["a.xlsx"]\n')
    monkeypatch.chdir(tmp_path)
    assert load_config(path).boards[0].sources == ("conf/a.xlsx",)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('stat_dir = "x"', "stat_dir: unknown key"),
        (
            '[[boards]]\nname = "A"\nnation = "wales"\nsources = []\nrecipent = []',
            "boards[0].recipent: unknown key",
        ),
        (
            '[[boards]]\nname = "A"\nnation = "cornwall"\nsources = []',
            "boards[0].nation: must be one of",
        ),
        ('[[boards]]\nname = "A"\nsources = []', "boards[0].nation: is required"),
        (
            '[[boards]]\nname = "A"\nnation = "wales"\nsources = "a.xlsx"',
            "boards[0].sources: must be a list",
        ),
        (
            '[[boards]]\nname = "A"\nnation = "wales"\nsources = []\nrecipients = ["nobody"]',
            "boards[0].recipients: 'nobody' is not an e-mail address",
        ),
        ('[email]\nbackend = "pigeon"', "email.backend"),
        ('[email.smtp]\npassword = "x"', "email.smtp.password: unknown key"),
        ('[email]\nbackend = "smtp"', "email.smtp.host: is required"),
        ('[schedule]\ntimezone = "Mars/Olympus"', "schedule.timezone: unknown time zone"),
        ('[schedule]\nweekly_report = "someday 25:00"', "schedule.weekly_report"),
        ('[web]\nport = "8080"', "web.port: must be a whole number"),
        ("[nationl]\nrecipients = []", "nationl: unknown key"),
    ],
)
def test_each_mistake_is_named_with_the_file_and_key(tmp_path: Path, text: str, key: str) -> None:
    path = tmp_path / "tracker.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value).startswith(f"{path.resolve()}: ")
    assert key in str(err.value)


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "none.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[[boards]\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)


def test_the_config_is_found_by_flag_then_environment_then_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRACKER_CONFIG", raising=False)
    assert find_config(None) is None
    (tmp_path / "tracker.toml").write_text("")
    assert find_config(None) == tmp_path / "tracker.toml"
    monkeypatch.setenv("TRACKER_CONFIG", "/etc/other.toml")
    assert find_config(None) == Path("/etc/other.toml")
    assert find_config("given.toml") == Path("given.toml")


def test_no_config_means_no_boards_and_defaults() -> None:
    config = parse_config({})
    assert config.boards == () and config.email.backend == "outbox"
    assert config.schedule.timezone == "Europe/London"


@pytest.mark.parametrize(
    "data, key",
    [
        (
            {
                "boards": [
                    {
                        "name": "North\r\nBcc: x@evil.example",
                        "nation": "england",
                        "sources": ["a.xlsx"],
                    }
                ]
            },
            "boards[0].name",
        ),
        (
            {
                "boards": [
                    {
                        "name": "North",
                        "nation": "england",
                        "sources": ["a.xlsx"],
                        "recipients": ["a@example.org\nBcc: x@evil.example"],
                    }
                ]
            },
            "boards[0].recipients[0]",
        ),
        ({"national": {"recipients": ["a@example.org\r"]}}, "national.recipients[0]"),
        ({"email": {"from": "t@example.org\nX: y"}}, "email.from"),
    ],
)
def test_line_breaks_in_any_value_are_refused_with_the_key_named(
    data: dict[str, object], key: str
) -> None:
    with pytest.raises(
        ConfigError, match=rf"^config: {re.escape(key)}: must not hold a line break"
    ):
        parse_config(data)


def test_web_session_and_proxy_settings(tmp_path: Path) -> None:
    web = parse_config(
        {"web": {"session_idle_minutes": 10, "session_hours": 4, "trusted_proxies": 1}}
    ).web
    assert (web.session_idle_minutes, web.session_hours, web.trusted_proxies) == (10, 4, 1)
    assert parse_config({}).web.session_idle_minutes == 30
    with pytest.raises(ConfigError, match="web.session_idle_minutes: must be from 1"):
        parse_config({"web": {"session_idle_minutes": 0}})
    with pytest.raises(ConfigError, match="web.trusted_proxies: must be from 0 to 5"):
        parse_config({"web": {"trusted_proxies": 9}})


def test_web_public_url_is_an_http_address_without_its_last_slash() -> None:
    assert parse_config({}).web.public_url is None
    web = parse_config({"web": {"public_url": " https://tracker.example.org/cases/ "}}).web
    assert web.public_url == "https://tracker.example.org/cases"
    assert parse_config({"web": {"public_url": "http://127.0.0.1:8080"}}).web.public_url == (
        "http://127.0.0.1:8080"
    )


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("javascript:alert(1)", "http:// or https:// address"),
        ("ftp://tracker.example.org", "http:// or https:// address"),
        ("tracker.example.org", "http:// or https:// address"),
        ("https://", "http:// or https:// address"),
        ("https://tracker.example.org/?next=x", "no query, fragment or password"),
        ("https://tracker.example.org/#top", "no query, fragment or password"),
        ("https://user:secret@tracker.example.org", "no query, fragment or password"),
        ('https://tracker.example.org/"onclick=x', "must not hold spaces, quotes or <>"),
        ("https://tracker.example.org/a b", "must not hold spaces, quotes or <>"),
        ("https://tracker.example.org/<b>", "must not hold spaces, quotes or <>"),
        ("http://tracker.example.org:port/", "port that is not a number"),
    ],
)
def test_web_public_url_refuses_what_a_link_must_not_hold(value: str, why: str) -> None:
    with pytest.raises(ConfigError, match=rf"^config: web.public_url: .*{re.escape(why)}"):
        parse_config({"web": {"public_url": value}})
