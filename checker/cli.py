"""The `budget-check` command: a thin layer of options over the core."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from . import __version__
from .check import FileResult, check_file
from .discovery import PathNotFound, spec_files

COMMANDS = ("check", "show")
DEFAULT_PATHS = ("specs",)

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """The command was used wrongly: exit 2 with this message."""


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    stdout = stdout or sys.stdout
    if not argv or argv[0] not in COMMANDS + ("-h", "--help", "--version"):
        argv.insert(0, "check")
    parser = _parser()
    options = parser.parse_args(argv)
    try:
        return options.run(options, stdout)
    except UsageError as error:
        print(f"budget-check: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # `budget-check ... | head`
        return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="budget-check",
        description="Exact parameter counts and budgets for model specs written in YAML.",
    )
    parser.add_argument("--version", action="version", version=f"budget-check {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = commands.add_parser("check", help="check specs against their budgets (the default command)")
    check.add_argument("paths", nargs="*", metavar="PATH", help="spec files or folders (default: specs/)")
    check.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    check.add_argument("-q", "--quiet", action="store_true", help="print only problems and the summary")
    check.set_defaults(run=_run_check)

    show = commands.add_parser("show", help="print a spec's breakdown: layers, params, totals, memory")
    show.add_argument("spec", metavar="SPEC", help="a spec file")
    show.add_argument("--depth", type=int, default=3, help="rows down to this depth (default 3)")
    show.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    show.set_defaults(run=_run_show)
    return parser


def _check_paths(paths: list[str]) -> list[FileResult]:
    if not paths:
        paths = [p for p in DEFAULT_PATHS if Path(p).is_dir()]
        if not paths:
            raise UsageError("no paths given and no specs/ folder here; try `budget-check PATH`")
    try:
        files = spec_files(paths)
    except PathNotFound as error:
        raise UsageError(f"no such file or folder: {error}") from None
    return [check_file(path, str(path)) for path in files]


def _run_check(options: argparse.Namespace, stdout: TextIO) -> int:
    from .reporters import reporter_for

    results = _check_paths(options.paths)
    reporter_for(options.format, stdout, quiet=options.quiet).report(results)
    failed = any(spec.status != "pass" for file in results for spec in file.specs)
    return EXIT_FAILED if failed else EXIT_OK


def _run_show(options: argparse.Namespace, stdout: TextIO) -> int:
    import json

    from .reporters import reporter_for
    from .reporters.table import render, tree_json

    if Path(options.spec).is_dir():
        raise UsageError(f"show takes one spec file, and {options.spec} is a folder")
    [result] = _check_paths([options.spec])
    counted = [spec for spec in result.specs if spec.tree is not None]
    if options.format == "json":
        json.dump([{"file": s.file, "name": s.name, "tree": tree_json(s.tree)} for s in counted], stdout, indent=2)
        stdout.write("\n")
    else:
        stdout.write("\n".join(render(spec, options.depth) for spec in counted))
    invalid = [spec for spec in result.specs if spec.tree is None]
    if invalid:
        reporter_for("text", stdout, quiet=True).report([FileResult(result.path, invalid)])
        return EXIT_FAILED
    return EXIT_OK
