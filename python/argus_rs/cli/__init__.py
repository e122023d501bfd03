"""The ``argus-rs`` command line: one typer app, one module per subcommand.

A subcommand module defines its command function (and HELP text); it is
registered here.  :func:`main` is the console-script entry point: it turns every
error into one line on stderr and an exit code, never a traceback.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Sequence
from typing import Annotated

import typer

from argus_rs._core import ArgusReadError
from argus_rs.cli import (
    argus_argv,
    argus_cmd,
    ra_argv,
    ra_cmd,
    rabins_cmd,
    racluster_cmd,
    racount_cmd,
    radium_cmd,
    rahisto_cmd,
    ramon_cmd,
    rasort_cmd,
    rasplit_cmd,
    rastrip_cmd,
)
from argus_rs.cli._common import EXIT_READ_ERROR, EXIT_USAGE, PROG, CliError, report, silence_stdout
from argus_rs.cli.sensor_signals import SensorStop

__all__ = ["app", "main"]

#: exit code for a bug (an exception nobody expected), as sysexits' EX_SOFTWARE
EXIT_INTERNAL = 70

app = typer.Typer(
    name=PROG,
    help="Argus 3 network flow monitoring, reimplemented in Rust.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _show_version(value: bool) -> None:
    if value:
        from argus_rs import __version__

        print(f"{PROG} {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", "-V", is_eager=True, callback=_show_version, help="Print the version and exit."),
    ] = False,
) -> None:
    """Argus 3 network flow monitoring, reimplemented in Rust.

    Subcommands are named after the Argus programs they stand in for.
    """


app.command(name=argus_cmd.COMMAND, help=argus_cmd.HELP)(argus_cmd.argus)
app.command(name=ra_cmd.COMMAND, help=ra_cmd.HELP)(ra_cmd.ra)
app.command(name=racount_cmd.COMMAND, help=racount_cmd.HELP)(racount_cmd.racount)
app.command(name=rasort_cmd.COMMAND, help=rasort_cmd.HELP)(rasort_cmd.rasort_command)
app.command(name=racluster_cmd.COMMAND, help=racluster_cmd.HELP)(racluster_cmd.racluster_command)
app.command(name=ramon_cmd.COMMAND, help=ramon_cmd.HELP)(ramon_cmd.ramon_command)

app.command(name=rabins_cmd.COMMAND, help=rabins_cmd.HELP)(rabins_cmd.rabins_command)
app.command(name=rastrip_cmd.COMMAND, help=rastrip_cmd.HELP)(rastrip_cmd.rastrip)
app.command(name=rasplit_cmd.COMMAND, help=rasplit_cmd.HELP)(rasplit_cmd.rasplit_command)
app.command(name=rahisto_cmd.COMMAND, help=rahisto_cmd.HELP)(rahisto_cmd.rahisto_command)
app.command(name=radium_cmd.COMMAND, help=radium_cmd.HELP)(radium_cmd.radium)

#: the subcommands that take ra's command line verbatim
_RA_LIKE = frozenset(
    {ra_cmd.COMMAND, racount_cmd.COMMAND, rasort_cmd.COMMAND, racluster_cmd.COMMAND, ramon_cmd.COMMAND}
)
#: issue 5's binning/splitting clients (ra's command line too)
_RA_LIKE |= {rabins_cmd.COMMAND, rastrip_cmd.COMMAND, rasplit_cmd.COMMAND, rahisto_cmd.COMMAND}
#: issue 7's relay (its own option letters, verbatim too)
_RA_LIKE |= {radium_cmd.COMMAND}
_COMMANDS = frozenset({argus_cmd.COMMAND}) | _RA_LIKE


def _usage_error(exc: BaseException) -> tuple[str, int] | None:
    """(message, exit code) if ``exc`` is a click/typer usage error, whatever typer's version."""
    format_message = getattr(exc, "format_message", None)
    exit_code = getattr(exc, "exit_code", None)
    if callable(format_message) and isinstance(exit_code, int):
        return str(format_message()), exit_code
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI with ``argv`` (default: ``sys.argv[1:]``) and return the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        args = ["--help"]
    command = next((a for a in args if not a.startswith("-")), None)
    command = command if command in _COMMANDS else None
    if command == argus_cmd.COMMAND:
        at = args.index(command) + 1
        args = [*args[:at], *argus_argv.normalize(args[at:])]
    elif command in _RA_LIKE:
        at = args.index(command) + 1
        args = [*args[:at], *ra_argv.normalize(args[at:])]
    try:
        result = app(args=args, prog_name=PROG, standalone_mode=False)
    except CliError as exc:
        report(command, exc.message)
        return exc.code
    except ArgusReadError as exc:
        report(command, str(exc))
        return EXIT_READ_ERROR
    except ValueError as exc:
        report(command, str(exc))
        return EXIT_USAGE
    except SensorStop:
        return 0  # SIGTERM to the sensor: an orderly end (argus exits 0)
    except KeyboardInterrupt:
        report(command, "interrupted")
        return 130
    except OSError as exc:
        if exc.errno == errno.EPIPE:
            silence_stdout()
            return EXIT_READ_ERROR
        report(command, f"{exc.filename}: {exc.strerror}" if exc.filename and exc.strerror else str(exc))
        return EXIT_READ_ERROR
    except Exception as exc:  # the one place where anything becomes one line
        usage = _usage_error(exc)
        if usage is not None:
            report(command, usage[0])
            return usage[1]
        if type(exc).__name__ == "Abort":
            report(command, "aborted")
            return EXIT_READ_ERROR
        if os.environ.get("ARGUS_RS_DEBUG"):
            raise
        report(command, f"internal error: {type(exc).__name__}: {exc} (set ARGUS_RS_DEBUG=1 for the traceback)")
        return EXIT_INTERNAL
    return result if isinstance(result, int) and not isinstance(result, bool) else 0
