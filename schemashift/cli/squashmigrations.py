"""``squashmigrations``: fold a range of an app's migrations into one, checked first."""

from __future__ import annotations

from pathlib import Path

import click

from schemashift import api
from schemashift.cli.context import get_state, setup_project, warn
from schemashift.exceptions import CommandError


@click.command("squashmigrations")
@click.argument("app_label")
@click.argument(
    "migration_names", nargs=-1, required=True, metavar="[START_MIGRATION] END_MIGRATION"
)
@click.option("--squashed-name", help="The name of the squash (after its number).")
@click.option("--no-optimize", is_flag=True, help="Keep the operations as they are.")
@click.option(
    "--no-verify",
    is_flag=True,
    help="Skip the check on two scratch databases that the squash builds the same schema.",
)
@click.option("--no-header", is_flag=True, help="Leave out the header comment of the file.")
@click.option(
    "--noinput", "--no-input", "no_input", is_flag=True, help="Do not ask before squashing."
)
@click.pass_context
def command(
    ctx: click.Context,
    app_label: str,
    migration_names: tuple[str, ...],
    squashed_name: str | None,
    no_optimize: bool,
    no_verify: bool,
    no_header: bool,
    no_input: bool,
) -> None:
    """Squash the migrations of APP_LABEL from START_MIGRATION (default: the first) to
    END_MIGRATION into one migration that replaces them.

    Before the file is written, the migrations and the squash are applied to two scratch
    databases of the default database's backend (temporary files for SQLite, throwaway
    databases on the same server for PostgreSQL and MySQL/MariaDB, dropped afterwards) and
    their schemas compared; if they differ, the differences are printed and nothing is
    written. --no-verify skips that check.
    """
    if len(migration_names) > 2:
        raise CommandError("Give at most two migrations: [START_MIGRATION] END_MIGRATION.")
    start, end = (None, *migration_names) if len(migration_names) == 1 else migration_names
    setup_project(ctx)
    verbose = get_state(ctx).verbosity > 0
    result = api.squashmigrations(
        app_label,
        end,
        start=start,
        squashed_name=squashed_name,
        optimize=not no_optimize,
        verify=not no_verify,
        include_header=not no_header,
        confirm=_Confirm(verbose, ask=not no_input),
        on_built=_Built(optimized=not no_optimize) if verbose else None,
        warn=warn,
    )
    if result.written and verbose:
        _report(result)


class _Confirm:
    """Lists the migrations to squash and asks whether to go on (Django's question)."""

    def __init__(self, verbose: bool, ask: bool) -> None:
        self.verbose = verbose
        self.ask = ask

    def __call__(self, names: list[str]) -> bool:
        if self.verbose or self.ask:
            click.echo(click.style("Will squash the following migrations:", bold=True))
            for name in names:
                click.echo(f" - {name}")
        if not self.ask:
            return True
        answer = click.prompt(
            "Do you wish to proceed? [y/N]", default="n", show_default=False, prompt_suffix=" "
        )
        return answer.strip().lower().startswith("y")


class _Built:
    """Says how far the operations were optimized, and that the check begins."""

    def __init__(self, optimized: bool) -> None:
        self.optimized = optimized

    def __call__(self, result: api.SquashResult) -> None:
        if not self.optimized:
            click.echo(click.style("(Skipping optimization.)", bold=True))
            return self._checking(result)
        click.echo(click.style("Optimizing...", bold=True))
        if result.operations_after == result.operations_before - result.elided:
            click.echo("  No optimizations possible.")
        else:
            click.echo(
                f"  Optimized from {result.operations_before} operations to "
                f"{result.operations_after} operations."
            )
        self._checking(result)

    @staticmethod
    def _checking(result: api.SquashResult) -> None:
        if result.elided:
            click.echo(f"  Left out {result.elided} elidable operation(s).")
        if result.checked_on:
            click.echo(
                click.style(
                    f"Checking the squash on two scratch {result.checked_on} databases...",
                    bold=True,
                )
            )
        else:
            click.echo("  Not checked on scratch databases (--no-verify).")


def _report(result: api.SquashResult) -> None:
    if result.checked_on:
        click.echo("  It builds the same schema as the migrations it replaces.")
    click.echo(
        click.style(f"Created new squashed migration {_shown(result)}", bold=True)
        + "\n  You should commit this migration but leave the old ones in place;\n"
        "  the new migration will be used for new installs. Once you are sure\n"
        "  all instances of the codebase have applied the migrations you squashed,\n"
        "  you can delete them."
    )
    if result.copied_functions:
        click.echo(
            "  RunPython functions copied into it: " + ", ".join(result.copied_functions) + "."
        )


def _shown(result: api.SquashResult) -> str:
    try:
        return str(result.path.relative_to(Path.cwd()))
    except ValueError:
        return str(result.path)
