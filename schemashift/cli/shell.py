"""``shell``: a Python prompt (or a piece of code) with the settings loaded and the apps ready."""

from __future__ import annotations

import code
import sys
import traceback
from typing import Any

import click

from schemashift.apps import apps
from schemashift.cli.context import setup_project

INTERFACES = ("ipython", "python")


@click.command("shell")
@click.option("-c", "--command", "source", metavar="CODE", help="Run CODE and exit.")
@click.option(
    "-i",
    "--interface",
    type=click.Choice(INTERFACES),
    help="The prompt to start (default: IPython if installed, else Python's own).",
)
@click.pass_context
def command(ctx: click.Context, source: str | None, interface: str | None) -> None:
    """Start a Python prompt with the project loaded and its models imported.

    With -c, run the code and exit. Code piped in on standard input is run the same way.
    """
    setup_project(ctx)
    namespace = model_namespace()
    try:
        if source is not None:
            run_code(ctx, source, "<command>", namespace)
        elif interface is None and not sys.stdin.isatty():
            run_code(ctx, sys.stdin.read(), "<stdin>", namespace)
        else:
            interact(interface, namespace)
    finally:
        _close_connections()


def model_namespace() -> dict[str, Any]:
    """Every installed model by class name, as Django's shell imports them."""
    namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": __builtins__}
    for model in apps.get_models():
        namespace.setdefault(model.__name__, model)
    return namespace


def run_code(ctx: click.Context, source: str, filename: str, namespace: dict[str, Any]) -> None:
    """Run source code like ``python -c``: a traceback and exit status 1 if it raises."""
    try:
        exec(compile(source, filename, "exec"), namespace)
    except SystemExit:
        raise
    except BaseException as exc:
        frames = exc.__traceback__.tb_next if exc.__traceback__ else None
        traceback.print_exception(type(exc), exc, frames)
        ctx.exit(130 if isinstance(exc, KeyboardInterrupt) else 1)


def interact(interface: str | None, namespace: dict[str, Any]) -> None:
    """IPython when asked for or installed, else the standard library's prompt."""
    if interface in (None, "ipython"):
        try:
            from IPython import start_ipython
        except ImportError:
            if interface == "ipython":
                from schemashift.exceptions import SchemashiftError

                raise SchemashiftError(
                    "IPython is not installed: pip install ipython, or use -i python."
                ) from None
        else:
            start_ipython(argv=[], user_ns=namespace)
            return
    _enable_completion(namespace)
    code.interact(banner=_banner(), local=namespace, exitmsg="")


def _banner() -> str:
    names = sorted(model.__name__ for model in apps.get_models())
    loaded = f"Models: {', '.join(names)}" if names else "No models installed."
    return f"Python {sys.version.split()[0]} (schemashift shell)\n{loaded}"


def _enable_completion(namespace: dict[str, Any]) -> None:
    try:
        import readline
        import rlcompleter
    except ImportError:
        return
    readline.set_completer(rlcompleter.Completer(namespace).complete)
    readline.parse_and_bind("tab: complete")


def _close_connections() -> None:
    """Close the connections the code opened; importing the module would load SQLAlchemy."""
    connections_module = sys.modules.get("schemashift.db.connections")
    if connections_module is not None:
        connections_module.connections.close_all()
