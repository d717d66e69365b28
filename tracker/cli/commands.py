"""The ``tracker`` command line (contract: docs/DESIGN.md).

Exit codes: 0 clean, 1 problems or overdue stages found, 2 unusable input, usage, or a config that
cannot be used. Every usage or config error is one line on stderr beginning ``tracker: ``.

Start-up matters for a command people type: this module imports only click and the config reader.
Everything a command needs (pandas and pandera for check and validate, werkzeug for users, Flask
for serve) is imported inside that command, so ``--help``, ``--version`` and ``frameworks`` start
quickly (``python bench/cli.py`` measures them).
"""

from __future__ import annotations

import atexit
import difflib
import gc
import json
import logging
import sys
import textwrap
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from tracker import __version__
from tracker.cli.usage import fail, load, parse_day
from tracker.sources.base import is_gsheet

if TYPE_CHECKING:
    from tracker.config import Config

FORMATS_CHECK = ("table", "json", "csv", "xlsx")


def load_optional_config(path: str | None) -> Config | None:
    return load(path, required=False)


def parse_as_of(text: str | None) -> date | None:
    return None if text is None else parse_day(text)


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
    # usage and config first: a mistyped date is refused before pandas is even imported
    as_of = parse_as_of(as_of_text)
    config = load_optional_config(config_path)
    from tracker.check import read_options, run_check

    specs = resolve_specs(sources, config)
    options = read_options(config, [s.source for s in specs]) if config else {}
    if config is None and any(is_gsheet(s.source) for s in specs):
        from tracker.config import default_config

        options = read_options(default_config(), [s.source for s in specs])
    from tracker.cli.terminal import Progress

    with Progress(len(specs)) as progress:
        return run_check(specs, as_of, progress=progress.step, **options)


def report_unusable(result: Any, *, in_table: bool) -> None:
    """Each unusable source once: in the table when the table is on the screen, else on stderr."""
    if in_table:
        return
    for message in result.unusable:
        click.echo(f"tracker: error: {message}", err=True)


def stream(write: Callable[[Any, Any], None], result: Any, output: str | None) -> None:
    """Write a large output as it is made: to the file, or to standard output."""
    if output:
        with Path(output).open("w", encoding="utf-8") as fh:
            write(result, fh)
    else:
        write(result, sys.stdout)
        sys.stdout.flush()


def emit(text: str, output: str | None) -> None:
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


def screen() -> tuple[int, bool]:
    """Standard output's width and whether to colour it (a terminal, without NO_COLOR)."""
    from tracker.cli.terminal import colour_enabled, width

    return width(sys.stdout), colour_enabled(sys.stdout)


class TrackerGroup(click.Group):
    """The ``tracker`` group: "did you mean" for a misspelt command, and click's usage errors in
    the same one-line form, prefix and exit code as every other error."""

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            close = difflib.get_close_matches(name, self.list_commands(ctx), n=1)
            hint = f": did you mean {close[0]}?" if close else ""
            raise click.UsageError(f"no such command {name!r}{hint}", ctx)
        return super().resolve_command(ctx, args)

    def main(  # type: ignore[override]
        self, args: Any = None, prog_name: str | None = None, **extra: Any
    ) -> Any:
        if extra.get("standalone_mode", True) is False:
            return super().main(args, prog_name, **extra)
        extra["standalone_mode"] = False
        try:
            code = super().main(args, prog_name, **extra)
        except click.exceptions.NoArgsIsHelpError as exc:  # bare `tracker`: the help, as asked
            click.echo(exc.ctx.get_help() if exc.ctx else exc.format_message())
            sys.exit(exc.exit_code)
        except click.UsageError as exc:
            message = exc.format_message().replace("\n", " ")
            message = message[:1].lower() + message[1:]
            where = exc.ctx.command_path if exc.ctx else "tracker"
            fail(f"{message} (see {where} --help)")
        except click.ClickException as exc:
            fail(exc.format_message())
        except click.Abort:
            fail("stopped", 1)
        sys.exit(code if isinstance(code, int) else 0)


@click.group(
    name="tracker",
    cls=TrackerGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 120},
)
@click.version_option(__version__, prog_name="tracker")
def main() -> None:
    """Compliance tracker for child case reviews in the four UK nations."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


config_option = click.option(
    "--config",
    "config_path",
    metavar="FILE",
    help="tracker.toml (default: $TRACKER_CONFIG or ./tracker.toml)",
)


@main.command(short_help="Every framework's stages and rules, with basis and citation.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@config_option
def frameworks(fmt: str, config_path: str | None) -> None:
    """List the frameworks and every rule with its basis and citation."""
    from tracker.cli.terminal import uk_date
    from tracker.frameworks.describe import frameworks_json

    config = load_optional_config(config_path)
    docs = frameworks_json(config)
    if fmt == "json":
        click.echo(json.dumps(docs, indent=2, ensure_ascii=False))
        return
    columns, colour = screen()
    lines: list[str] = []

    def add(text: str, indent: int = 2, more: int = 4) -> None:
        """One entry, wrapped to the width; its continuation lines indented under it."""
        lines.extend(
            textwrap.wrap(
                text,
                width=columns,
                initial_indent=" " * indent,
                subsequent_indent=" " * (indent + more),
                break_on_hyphens=False,
            )
        )

    for fw in docs:
        for heading in textwrap.wrap(f"{fw['id']}  ·  {fw['title']}", width=columns):
            lines.append(click.style(heading, bold=True) if colour else heading)
        add(f"sheet {fw['sheet']!r} · calendar {fw['calendar']} · {fw['board_kind']}")
        window = fw.get("in_force")
        if window:
            parts = [f"from {uk_date(window['from'])}"] if window["from"] else []
            parts += [f"until {uk_date(window['until'])}"] if window["until"] else []
            parts += [f"before: {window['predecessor']}"] if window["predecessor"] else []
            parts += [f"after: {window['successor']}"] if window["successor"] else []
            add(f"in force (new reviews, by {window['field']}) " + " · ".join(parts))
        for local in fw.get("local_counting", []):
            add(f"counting at {local['board']}: {local['counting']}")
        for stage in fw["stages"]:
            if stage["untimed"]:
                add(f"{stage['label']}: start of the review (no timescale)")
            for rule in stage["rules"]:
                add(f"{stage['label']}: {rule['description']}")
                add(
                    f"{rule['must_label']} · {rule['basis']} · {rule['confidence']}"
                    f" · {rule['citation']}",
                    6,
                )
        for o in fw["overrides"]:
            for rule in o["rules"]:
                add(f"{o['label']} at {o['board']}: {rule['description']}")
                add(f"{rule['must_label']} · {rule['basis']} · {rule['citation']}", 6)
                if rule["replaces"]:
                    add(
                        f"replaces: {rule['replaces']['description']} "
                        f"({rule['replaces']['basis']})",
                        6,
                    )
        lines.append("")
    click.echo("\n".join(lines), nl=False)


@main.command(short_help="Make a template workbook, or add missing sheets and columns.")
@click.argument("path")
@click.option(
    "--framework",
    "framework_ids",
    multiple=True,
    required=True,
    metavar="ID",
    help="a framework id, in any case (repeat for several); see `tracker frameworks`",
)
@config_option
def init(path: str, framework_ids: tuple[str, ...], config_path: str | None) -> None:
    """Create a template workbook, or add missing sheets and columns to an existing one."""
    from tracker.frameworks.registry import get_framework

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


@main.command(short_help="Data problems, each with its sheet, cell and fix.")
@click.argument("sources", nargs=-1)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.option(
    "--output", metavar="FILE", help="write there; a .xlsx name gives a problems workbook"
)
@click.option(
    "--as-of", "as_of", metavar="DATE", help="31/12/2024 or 2024-12-31, for future-date checks"
)
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
    from tracker.cli.terminal import plural

    result = run(sources, config_path, as_of)
    table = fmt == "table" and not (output and output.lower().endswith(".xlsx"))
    report_unusable(result, in_table=table and not output)
    if output and output.lower().endswith(".xlsx"):
        write_problems_xlsx(result, Path(output))
        click.echo(f"{plural(len(result.problems), 'problem')} written to {output}")
    elif fmt == "json":
        emit(json.dumps(validate_json(result), indent=2, ensure_ascii=False) + "\n", output)
    else:
        columns, colour = screen() if not output else (100, False)
        emit(render_problems_table(result, width=columns, colour=colour), output)
    problems = any(not p.is_info for p in result.problems)  # info notes need no action
    sys.exit(2 if result.unusable else 1 if problems else 0)


@main.command(short_help="Every stage's due date and status (overdue first).")
@click.argument("sources", nargs=-1)
@click.option(
    "--as-of", "as_of", metavar="DATE", help="31/12/2024 or 2024-12-31 (default: today in London)"
)
@click.option("--format", "fmt", type=click.Choice(FORMATS_CHECK), default="table")
@click.option("--output", metavar="FILE")
@click.option(
    "--all-stages",
    "verbose",
    is_flag=True,
    help="table: show every stage, not just what needs attention",
)
@click.option(
    "--compact",
    is_flag=True,
    help="json: one line, each stage naming its rule in a top-level rules map",
)
@config_option
def check(
    sources: tuple[str, ...],
    as_of: str | None,
    fmt: str,
    output: str | None,
    verbose: bool,
    compact: bool,
    config_path: str | None,
) -> None:
    """Work out every stage's due date and status."""
    from tracker.cli.output import render_check_table, write_check_csv, write_check_xlsx
    from tracker.output.json_stream import write_check_json

    if fmt == "xlsx" and not output:
        fail("--format xlsx needs --output FILE.xlsx")
    if compact and fmt != "json":
        fail("--compact is a form of --format json")
    result = run(sources, config_path, as_of)
    report_unusable(result, in_table=fmt == "table" and not output)
    if fmt == "xlsx":
        assert output is not None
        write_check_xlsx(result, Path(output))
    elif fmt == "json":
        stream(lambda r, out: write_check_json(r, out, compact=compact), result, output)
    elif fmt == "csv":
        stream(write_check_csv, result, output)
    else:
        columns, colour = screen() if not output else (100, False)
        emit(render_check_table(result, verbose=verbose, width=columns, colour=colour), output)
    sys.exit(result.exit_code)


from tracker.cli.web import serve as _serve  # noqa: E402
from tracker.cli.web import user as _user  # noqa: E402

main.add_command(_user)
main.add_command(_serve)
from tracker.cli.report import report_command, run_command  # noqa: E402

main.add_command(report_command)
main.add_command(run_command)
from tracker.cli.publish import publish_command  # noqa: E402

main.add_command(publish_command)


#: Optional integrations pandera loads when they happen to be installed (hypothesis for data
#: synthesis, geopandas for geometry columns): the tracker uses neither, and in an environment
#: with the test tools hypothesis alone added about 0.3 s of CPU to every `tracker check`.
UNUSED_OPTIONAL = ("hypothesis", "geopandas")


def _no_mock_module() -> Any:
    """A stand-in for ``unittest.mock`` with a ``Mock`` class nothing is an instance of.

    pandera imports typeguard, whose checker imports ``unittest.mock`` only to let mock objects
    pass its ``isinstance`` test (and its import hook, which nothing here installs, for
    ``patch``); that import brings in ``unittest`` and ``asyncio`` (about 50 ms of every
    ``tracker check``, python -X importtime). A command never makes a mock object, so the test
    gives the same answer with this class; ``patch`` refuses, loudly, if anything ever calls it.
    """
    import types

    def patch(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("unittest.mock is not loaded in the tracker command (cli.entry)")

    module = types.ModuleType("unittest.mock", "tracker: unittest.mock is not used here")
    module.Mock = type("Mock", (), {})  # type: ignore[attr-defined]
    module.patch = patch  # type: ignore[attr-defined]
    return module


def entry() -> None:
    """The ``tracker`` console script: ``main`` without pandera's unused optional imports.

    Only the command's own process is affected (``sys.modules`` entries set to None make those
    imports fail at once, as if not installed; ``unittest.mock`` is a stand-in,
    :func:`_no_mock_module`); tests and library users call ``main`` directly.
    """
    for name in UNUSED_OPTIONAL:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]
    if "unittest.mock" not in sys.modules:
        sys.modules["unittest.mock"] = _no_mock_module()
    # a command is a batch of work that makes its objects and keeps them until it is done:
    # collecting young objects every 50,000 allocations rather than 700 spares most walks of
    # the older generations (a 10,000-review check: 347 collections, 31 of them older, 0.2 s
    # of garbage collection; 4 collections, 0.1 s, with these thresholds; gc.callbacks)
    gc.set_threshold(50_000, 20, 20)
    atexit.register(_quick_exit)
    main()


def _quick_exit() -> None:
    """Spare the interpreter's last garbage collection when the command is done.

    At exit Python clears every module and then collects the cycles left, walking every object
    pandas, numpy and the results made: 0.3 s of a 10,000-review ``tracker check`` (measured
    from the last line printed to the process's end). Frozen objects are never collected, so
    that walk finds nothing; memory goes back with the process. Outputs are closed by then
    (files by their ``with``, standard output by the interpreter's own flush), and the
    finalizers that clean up (temporary folders, logging) run as ``atexit`` callbacks of
    their own, not through this collection.
    """
    gc.freeze()


if __name__ == "__main__":  # pragma: no cover
    entry()
