"""The ``tracker`` command line (contract: ../shared/DESIGN.md).

Exit codes: 0 clean, 1 problems or overdue stages found, 2 unusable input or usage.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import date
from pathlib import Path
from typing import Any

import click

from tracker.config import Config, ConfigError, check_overrides, find_config, load_config
from tracker.sources.base import is_gsheet

FORMATS_CHECK = ("table", "json", "csv", "xlsx")


def fail(message: str, code: int = 2) -> None:
    """One line on stderr, never a traceback."""
    click.echo(f"tracker: {message}", err=True)
    sys.exit(code)


def load_optional_config(path: str | None) -> Config | None:
    found = find_config(path)
    if found is None:
        return None
    try:
        config = load_config(found)
        for board in config.boards:
            check_overrides(board, str(found))
    except ConfigError as exc:
        fail(str(exc))
        raise  # unreachable: fail exits
    return config


def parse_as_of(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"--as-of must be a date as YYYY-MM-DD, not {text!r}")
        raise


def _same_source(a: str, b: str) -> bool:
    if is_gsheet(a) or is_gsheet(b):
        from tracker.sources.base import gsheet_key

        return gsheet_key(a) == gsheet_key(b)
    return Path(a).resolve() == Path(b).resolve()


def resolve_specs(sources: tuple[str, ...], config: Config | None) -> list[Any]:
    from tracker.check import SourceSpec, specs_from_config

    if not sources:
        if config is None:
            fail(
                "name at least one SOURCE (an .xlsx path or gsheet:KEY), or a config with "
                "--config, $TRACKER_CONFIG or ./tracker.toml"
            )
        assert config is not None
        specs = specs_from_config(config)
        if not specs:
            fail(f"{config.path}: no board names a source")
        return specs
    specs = []
    for source in sources:
        named = []
        if config is not None:
            named = [b for s, b in config.source_boards() if _same_source(s, source)]
        owners = tuple(dict.fromkeys(b.name for b in named))
        specs.append(SourceSpec(source, named[0] if named else None, owners))
    return specs


def run(sources: tuple[str, ...], config_path: str | None, as_of_text: str | None) -> Any:
    from tracker.check import read_options, run_check

    config = load_optional_config(config_path)
    as_of = parse_as_of(as_of_text)
    specs = resolve_specs(sources, config)
    options = read_options(config, [s.source for s in specs]) if config else {}
    if config is None and any(is_gsheet(s.source) for s in specs):
        from tracker.config import default_config

        options = read_options(default_config(), [s.source for s in specs])
    result = run_check(specs, as_of, **options)
    for message in result.unusable:
        click.echo(f"tracker: error: {message}", err=True)
    return result


def emit(text: str, output: str | None) -> None:
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="case-review-tracker")
def main() -> None:
    """Compliance tracker for child case reviews in the four UK nations."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


config_option = click.option(
    "--config",
    "config_path",
    metavar="FILE",
    help="tracker.toml (default: $TRACKER_CONFIG or ./tracker.toml)",
)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@config_option
def frameworks(fmt: str, config_path: str | None) -> None:
    """List the frameworks and every rule with its basis and citation."""
    from tracker.describe import frameworks_json

    config = load_optional_config(config_path)
    docs = frameworks_json(config)
    if fmt == "json":
        click.echo(json.dumps(docs, indent=2, ensure_ascii=False))
        return
    lines: list[str] = []
    for fw in docs:
        lines.append(f"{fw['id']}  ·  {fw['title']}")
        lines.append(f"  sheet {fw['sheet']!r} · calendar {fw['calendar']} · {fw['board_kind']}")
        for stage in fw["stages"]:
            if stage["untimed"]:
                lines.append(f"  {stage['label']}: start of the review (no timescale)")
            for rule in stage["rules"]:
                lines.append(f"  {stage['label']}: {rule['description']}")
                lines.append(
                    f"      {rule['must_label']} · {rule['basis']} · {rule['confidence']}"
                    f" · {rule['citation']}"
                )
        for o in fw["overrides"]:
            for rule in o["rules"]:
                lines.append(f"  {o['label']} at {o['board']}: {rule['description']}")
                lines.append(f"      local override · {rule['citation']}")
                if rule["replaces"]:
                    lines.append(
                        f"      replaces: {rule['replaces']['description']} "
                        f"({rule['replaces']['basis']})"
                    )
        lines.append("")
    click.echo("\n".join(lines), nl=False)


@main.command()
@click.argument("path")
@click.option(
    "--framework",
    "framework_ids",
    multiple=True,
    required=True,
    metavar="ID",
    help="a framework id (repeat for several); see `tracker frameworks`",
)
@config_option
def init(path: str, framework_ids: tuple[str, ...], config_path: str | None) -> None:
    """Create a template workbook, or add missing sheets and columns to an existing one."""
    from tracker.registry import get_framework

    try:
        chosen = [get_framework(i) for i in dict.fromkeys(framework_ids)]
    except KeyError as exc:
        fail(str(exc.args[0]))
        return
    if is_gsheet(path):
        from tracker.config import default_config
        from tracker.sources.base import SourceError
        from tracker.sources.google_api import GSheetSettings
        from tracker.sources.gsheet import init_gsheet

        config = load_optional_config(config_path) or default_config()
        try:
            outcome = init_gsheet(
                path,
                [f.id for f in chosen],
                credentials=config.google.credentials,
                settings=GSheetSettings.from_config(config.google),
            )
        except SourceError as exc:
            fail(str(exc))
            return
        for line in outcome.lines():
            click.echo(line)
        if outcome.blocked:
            sys.exit(1)  # a framework sheet asked for could not be added
        return
    from tracker.cli.templates import TemplateError, create_template, update_workbook

    target = Path(path)
    if target.suffix.lower() != ".xlsx":
        fail(
            f"{path}: templates are .xlsx workbooks (.ods, .xls and .xlsb are read, never "
            "written): name the file .xlsx"
        )
    try:
        if target.exists():
            report = update_workbook(target, chosen)
            if report["backup"] is None:
                click.echo(f"{path}: already has every sheet and column; nothing changed")
            else:
                added = report["sheets_added"] + [
                    f"{sheet}: {', '.join(cols)}" for sheet, cols in report["columns_added"].items()
                ]
                click.echo(f"{path}: added {'; '.join(added)} (backup: {report['backup']})")
        else:
            create_template(target, chosen)
            click.echo(f"{path}: template with {', '.join(f.sheet for f in chosen)} and Guide")
    except (TemplateError, OSError) as exc:
        fail(str(exc))


@main.command()
@click.argument("sources", nargs=-1)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.option(
    "--output", metavar="FILE", help="write there; a .xlsx name gives a problems workbook"
)
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="date for future-date checks")
@config_option
def validate(
    sources: tuple[str, ...],
    fmt: str,
    output: str | None,
    as_of: str | None,
    config_path: str | None,
) -> None:
    """Check workbooks for data problems: each one with its sheet, cell and how to fix it."""
    from tracker.cli.output import render_problems_table, validate_json, write_problems_xlsx

    result = run(sources, config_path, as_of)
    if output and output.lower().endswith(".xlsx"):
        write_problems_xlsx(result, Path(output))
        click.echo(f"{len(result.problems)} problems written to {output}")
    elif fmt == "json":
        emit(json.dumps(validate_json(result), indent=2, ensure_ascii=False) + "\n", output)
    else:
        emit(render_problems_table(result), output)
    problems = any(not p.is_info for p in result.problems)  # info notes need no action
    sys.exit(2 if result.unusable else 1 if problems else 0)


@main.command()
@click.argument("sources", nargs=-1)
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="default: today in Europe/London")
@click.option("--format", "fmt", type=click.Choice(FORMATS_CHECK), default="table")
@click.option("--output", metavar="FILE")
@click.option(
    "--all-stages",
    "verbose",
    is_flag=True,
    help="table: show every stage, not just what needs attention",
)
@config_option
def check(
    sources: tuple[str, ...],
    as_of: str | None,
    fmt: str,
    output: str | None,
    verbose: bool,
    config_path: str | None,
) -> None:
    """Work out every stage's due date and status."""
    from tracker.cli.output import check_csv, check_json_text, render_check_table, write_check_xlsx

    result = run(sources, config_path, as_of)
    if fmt == "xlsx":
        if not output:
            fail("--format xlsx needs --output FILE.xlsx")
        assert output is not None
        write_check_xlsx(result, Path(output))
    elif fmt == "json":
        emit(check_json_text(result), output)
    elif fmt == "csv":
        emit(check_csv(result), output)
    else:
        emit(render_check_table(result, verbose=verbose), output)
    sys.exit(result.exit_code)


from tracker.cli.web import serve as _serve  # noqa: E402
from tracker.cli.web import user as _user  # noqa: E402

main.add_command(_user)
main.add_command(_serve)
from tracker.cli.report import report_command, run_command  # noqa: E402

main.add_command(report_command)
main.add_command(run_command)


if __name__ == "__main__":  # pragma: no cover
    main()
