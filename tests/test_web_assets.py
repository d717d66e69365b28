"""GOV.UK Frontend's CSS, adapted for a service not on GOV.UK (no GDS Transport font)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker.web.assets import adapt_css, install

CSS = (
    '@font-face{font-family:GDS Transport;src:url(/assets/fonts/light.woff2) format("woff2")}'
    ".govuk-body{font-family:GDS Transport,arial,sans-serif;color:#0b0c0c}"
    "/*# sourceMappingURL=govuk-frontend.min.css.map */"
)


def test_adapt_css_drops_the_transport_font() -> None:
    out = adapt_css(CSS)
    assert "GDS Transport" not in out and "@font-face" not in out and "sourceMappingURL" not in out
    assert ".govuk-body{font-family:arial,sans-serif;color:#0b0c0c}" in out


def test_install_copies_from_node_modules(tmp_path: Path) -> None:
    dist = tmp_path / "node_modules/govuk-frontend/dist/govuk"
    dist.mkdir(parents=True)
    (dist / "govuk-frontend.min.css").write_text(CSS, encoding="utf-8")
    target = install(tmp_path / "node_modules", tmp_path / "static/govuk/govuk-frontend.min.css")
    assert "GDS Transport" not in target.read_text(encoding="utf-8")


def test_install_says_what_is_missing(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="npm install govuk-frontend@5"):
        install(tmp_path, tmp_path / "out.css")
