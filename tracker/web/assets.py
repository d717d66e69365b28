"""Copy GOV.UK Frontend's compiled CSS (installed from the npm registry) into the static folder.

Run by ``make web-assets`` after ``npm install govuk-frontend@5``. The tracker is not a GOV.UK
service, so, as GOV.UK Frontend's guidance asks of services outside GOV.UK, the GDS Transport font
is dropped (Arial is used) and no crown or GOV.UK logo is copied. The result is git-ignored.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from tracker.web import GOVUK_CSS

_FONT_FACE = re.compile(r"@font-face\{[^}]*\}")
_TRANSPORT = re.compile(r"font-family:GDS Transport,")


def adapt_css(css: str) -> str:
    """Drop the GDS Transport font faces and fall back to the Arial stack it names second."""
    css = _FONT_FACE.sub("", css)
    css = _TRANSPORT.sub("font-family:", css)
    return re.sub(r"/\*# sourceMappingURL=[^*]*\*/", "", css)


def install(node_modules: Path, target: Path = GOVUK_CSS) -> Path:
    source = node_modules / "govuk-frontend" / "dist" / "govuk" / "govuk-frontend.min.css"
    if not source.is_file():
        raise SystemExit(f"{source}: not found (run npm install govuk-frontend@5 first)")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(adapt_css(source.read_text(encoding="utf-8")), encoding="utf-8")
    return target


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    node_modules = Path(args[0] if args else "build/npm/node_modules")
    print(f"GOV.UK Frontend CSS -> {install(node_modules)}")


if __name__ == "__main__":
    main()
