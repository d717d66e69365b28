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


from tracker.report_cli import report_command, run_command  # noqa: E402

main.add_command(report_command)
main.add_command(run_command)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
