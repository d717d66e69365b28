"""``tracker publish``: due dates and data problems written back where officers work, on demand.

A Google Sheet gets its ``Tracker`` tab rewritten; an Excel workbook gets a companion
``NAME.tracker.xlsx`` beside it (or in its board's ``publish_dir``), never a change to itself.
Exit codes: 0 every sheet written, 1 one could not be written, 2 unusable input or usage.
"""

from __future__ import annotations

import sys

import click

from tracker.cli.commands import run


@click.command("publish", short_help="Due dates and data problems back beside the officers' data.")
@click.argument("sources", nargs=-1)
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="default: today in Europe/London")
@click.option(
    "--config",
    "config_path",
    metavar="FILE",
    help="tracker.toml (default: $TRACKER_CONFIG or ./tracker.toml)",
)
def publish_command(sources: tuple[str, ...], as_of: str | None, config_path: str | None) -> None:
    """Write each source's Tracker sheet: due and overdue stages, recent ones, data problems."""
    from tracker.check import SourceSpec
    from tracker.cli.commands import load_optional_config, resolve_specs
    from tracker.output.publish.run import FAILED, REFUSED, publish_results

    result = run(sources, config_path, as_of)
    config = load_optional_config(config_path)
    specs: list[SourceSpec] = resolve_specs(sources, config)
    state_dir = config.state_dir if config else None
    published = publish_results(result, specs, config, state_dir=state_dir, force=True)
    for item in published:
        click.echo(item.line(), err=item.outcome in (REFUSED, FAILED))
    if result.unusable:
        sys.exit(2)
    sys.exit(1 if any(p.outcome in (REFUSED, FAILED) for p in published) else 0)
