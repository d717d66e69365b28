"""The ``tracker`` command line (contract: ../shared/DESIGN.md).

Exit codes: 0 clean, 1 problems or overdue stages found, 2 unusable input or usage.
"""

from __future__ import annotations

import sys

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="case-review-tracker")
def main() -> None:
    """Compliance tracker for child case reviews in the four UK nations."""


from tracker.web_cli import serve as _serve  # noqa: E402
from tracker.web_cli import user as _user  # noqa: E402

main.add_command(_user)
main.add_command(_serve)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
