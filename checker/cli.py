"""The `budget-check` command: a thin layer of options over the core."""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from . import __version__
from .checks.check import FileResult, SpecResult, check_file
from .language.units import UnitError, read_number, read_percent
from .project.config import FORMATS, Config, ConfigError, load_config, torch_cpu_limit, torch_timeout
from .project.discovery import PathNotFound, spec_files
from .records import TYPE_CHECKING
from .reporters.escaping import escaped, quoted
from .reporters.streams import Output, OutputError, spell_unencodable_in_ascii

if TYPE_CHECKING:
    from typing import TextIO

    from .checks.solving import Solution
    from .formats import Format
    from .project.cache import ResultCache
    from .reporters.match import MatchReport
    from .torch.confirm import TorchSettings

DEFAULT_PATHS = ("specs",)

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
_HELP = ("-h", "--help")
MAX_SWEEP_ROWS = 1000


class UsageError(Exception):
    """The command was used wrongly: exit 2 with this message."""


def run() -> int:
    """The `budget-check` command itself: a process that lives for one run."""
    # Most of what the imports made lives as long as the process: the cycle collector need not walk it
    # again, and may run less often than every 700 new objects: counting makes many, in few cycles (yolo11's
    # five scales made one collection at 10,000, 1.2 ms; 1,000 specs peak at 43 MiB at 10,000 and 100,000).
    # (`start`, the command's entry, kept it off while they were made.)
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
    gc.enable()
    status = main()
    # Nor need the interpreter free it, object by object, on the way out: that costs a passing check about
    # 2.5 ms, a tenth of what it does. Its output written, the process ends at once. (The torch worker, the
    # cache and every file are closed by then. A stream that cannot take what is left leaves by the usual
    # way, which reports it.)
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:  # None when the process was started with it closed
                stream.flush()
    except (OSError, ValueError):
        return status
    os._exit(status)


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if stdout is None:
        for stream in (sys.stdout, sys.stderr):
            spell_unencodable_in_ascii(stream)
    output = Output(stdout or sys.stdout)
    if not argv or argv[0] not in (*_COMMANDS, *_HELP, "-V", "--version"):
        argv.insert(0, "check")
    options = _parser(argv[0]).parse_args(argv)
    try:
        options.config = load_config(Path.cwd())
        if options.config.file is not None and options.command != "schema":
            print(f"budget-check: configuration: {quoted(_shown(options.config.file))}", file=sys.stderr)
        status: int = options.run(options, output)
        output.flush()
        return status
    except (UsageError, ConfigError, OutputError) as error:
        print(f"budget-check: error: {escaped(str(error))}", file=sys.stderr)
        return EXIT_USAGE


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """argparse's formatter, told the terminal's width as shutil.get_terminal_size would tell it.

    argparse makes a formatter for every argument added, and the default one imports shutil (and with it
    the compression modules) to measure the terminal: a cost on every run for help that is rarely printed."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, width=_terminal_columns() - 2)


def _terminal_columns() -> int:
    """$COLUMNS, else the width of the terminal on standard output, else 80."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    stdout = sys.__stdout__
    if stdout is None:
        return 80
    try:
        return os.get_terminal_size(stdout.fileno()).columns or 80
    except (ValueError, OSError):
        return 80


def _parser(command: str) -> argparse.ArgumentParser:
    """The parser, with `command` and its arguments only (every command for the top-level help and
    `--version`): building them all costs each run time."""
    parser = argparse.ArgumentParser(
        prog="budget-check",
        description="Exact parameter counts and budgets for model specs written in YAML.",
        epilog=_check_help() if command in _HELP else None,
        formatter_class=_HelpFormatter,
    )
    parser.add_argument("-V", "--version", action="version", version=f"budget-check {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (summary, add_arguments, run) in _COMMANDS.items():
        if command in _COMMANDS and name != command:
            continue
        subparser = commands.add_parser(name, help=summary, formatter_class=_HelpFormatter)
        if name == command:
            add_arguments(subparser)
            subparser.set_defaults(run=run)
    return parser


def _check_help() -> str:
    """The check command's own help, for the top-level one: with no command named, check runs."""
    check = argparse.ArgumentParser(prog="budget-check [check]", add_help=False, formatter_class=_HelpFormatter)
    _check_arguments(check)
    return "check, the default command:\n\n" + check.format_help()


def _check_arguments(check: argparse.ArgumentParser) -> None:
    check.add_argument(
        "paths", nargs="*", metavar="PATH", help="spec files or folders (default: the configured paths, else specs/)"
    )
    check.add_argument("--format", choices=FORMATS, help="output format (default: text; github in GitHub Actions)")
    check.add_argument("-q", "--quiet", action="store_true", help="print only problems and the summary")
    check.add_argument("--fix", action="store_true", help="write suggested values into the spec files")
    check.add_argument(
        "--no-cache",
        dest="cache",
        action="store_false",
        default=None,
        help="check every file afresh, without reading or writing .budget-check-cache/",
    )
    check.add_argument("--base", metavar="REV", help="also count every spec as it was at git revision REV")
    check.add_argument(
        "--torch",
        action="store_true",
        default=None,
        help="also build every spec with torch, and the user's own module where `torch:` names it",
    )
    check.add_argument(
        "--torch-cpu-limit",
        type=_value_of(torch_cpu_limit),
        metavar="SIZE",
        help="modules that cannot be built on the meta device may be built on the CPU up to "
        "this much parameter memory (default 1GiB)",
    )
    check.add_argument(
        "--torch-timeout",
        type=_value_of(torch_timeout),
        metavar="SECONDS",
        help="the longest a module may take to build (default 300)",
    )


def _show_arguments(show: argparse.ArgumentParser) -> None:
    show.add_argument("spec", metavar="SPEC", help="a spec file")
    show.add_argument("--depth", type=int, default=3, help="rows down to this depth (default 3)")
    show.add_argument("--format", choices=("text", "json"), default="text", help="output format")


def _match_arguments(match: argparse.ArgumentParser) -> None:
    match.add_argument("spec", metavar="SPEC", help="a spec file (its first spec)")
    match.add_argument(
        "--set",
        dest="sets",
        action="append",
        default=[],
        metavar="VAR=VALUE",
        help="change a var (the new depth); repeatable",
    )
    match.add_argument("--vary", metavar="VAR", help="the var to solve for (default: match.vary or the preset width)")
    match.add_argument("--sweep", metavar="VAR=A..B", help="one row per value of VAR from A to B")
    match.add_argument("--multiple-of", type=_value_of(_positive), metavar="N", help="widths in multiples of N")
    match.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    match.add_argument("--fix", action="store_true", help="write the --set values and the width into SPEC")


def _init_arguments(init: argparse.ArgumentParser) -> None:
    init.add_argument("paths", nargs="*", metavar="PATH", help="spec files or folders (default as for check)")
    init.add_argument(
        "--margin", default="10%", metavar="PERCENT", help="headroom over the current count (default 10%%)"
    )


def _no_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def _value_of(read: Callable[[str], object]) -> Callable[[str], object]:
    """An option's type from a reading function: its UnitError becomes argparse's usage error (exit 2)."""

    def option_value(text: str) -> object:
        try:
            return read(text)
        except UnitError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    return option_value


def _positive(text: str) -> int:
    number = read_number(text)
    if number.denominator != 1 or number < 1:
        raise UnitError(f"{text!r} is not a whole number above 0")
    return int(number)


def _check_paths(paths: list[str], config: Config, cache: ResultCache | None = None) -> list[FileResult]:
    if not paths:
        paths = (
            [str(config.root / p) for p in config.paths]
            if config.paths
            else [p for p in DEFAULT_PATHS if Path(p).is_dir()]
        )
        if not paths:
            raise UsageError("no paths given and no specs/ folder here; try `budget-check PATH`")
    try:
        files = [path for path in spec_files(paths) if not config.excluded(path)]
    except PathNotFound as error:
        raise UsageError(f"no such file or folder: {error}") from None
    if cache is None:
        return [check_file(path, _shown(path), config.tolerance, config.budget_for(path)) for path in files]
    results = [cache.check_file(path, _shown(path), config.tolerance, config.budget_for(path)) for path in files]
    cache.save()
    return results


def _shown(path: Path) -> str:
    """Paths as the user gave them; configured ones relative to where the command runs."""
    if not path.is_absolute():
        return str(path)
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _run_check(options: argparse.Namespace, stdout: TextIO) -> int:
    from .reporters import reporter_for

    config = options.config
    use_torch = options.torch if options.torch is not None else config.torch
    if use_torch:
        settings = _torch_settings(options, config)
    reporter = reporter_for(_format(options, config), stdout, quiet=options.quiet)
    results = _check_paths(options.paths, config, _cache(options, config, use_torch, reporter.shows_other_counts))
    if options.fix:
        results = _fix(results, config, stdout)
    if options.base:
        results = _compare_with_base(results, options.base, config)
    if use_torch:
        from .torch.confirm import confirm

        results = confirm(results, settings)
    reporter.report(results)
    if options.paths and not any(file.specs for file in results):
        excluding = f"; {quoted(_shown(config.file))} excludes {', '.join(config.exclude)}" if config.exclude else ""
        print(f"budget-check: warning: no spec was checked in the paths given{escaped(excluding)}", file=sys.stderr)
    failed = any(spec.status in ("fail", "error") for file in results for spec in file.specs)
    return EXIT_FAILED if failed else EXIT_OK


def _cache(options: argparse.Namespace, config: Config, use_torch: bool, other_counts: bool) -> ResultCache | None:
    """The result cache, for the default path only: --torch, --base and --fix compute afresh. `other_counts`:
    whether the run reports the formats' other counts, which entries then hold."""
    wanted = options.cache if options.cache is not None else config.cache
    if not wanted or use_torch or options.base or options.fix:
        return None
    from .project.cache import open_cache

    # The configured budgets are part of a config.json's result.
    return open_cache(config.root, settings=repr((config.tolerance, config.budgets)), other_counts=other_counts)


def _format(options: argparse.Namespace, config: Config) -> str:
    if options.format:
        return str(options.format)
    if config.format:
        return config.format
    return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"


def _compare_with_base(results: list[FileResult], revision: str, config: Config) -> list[FileResult]:
    from .project.compare import compare_with_base
    from .project.git import GitError

    try:
        return compare_with_base(results, revision, Path.cwd(), config.tolerance)
    except GitError as error:
        raise UsageError(f"--base {revision}: {error}") from None


def _torch_settings(options: argparse.Namespace, config: Config) -> TorchSettings:
    from .torch.confirm import TorchMissing, TorchSettings, require_torch

    try:
        require_torch()
    except TorchMissing as error:
        raise UsageError(str(error)) from None
    return TorchSettings(
        root=config.root,
        pythonpath=config.pythonpath,
        cpu_limit=options.torch_cpu_limit or config.torch_cpu_limit,
        timeout=options.torch_timeout or config.torch_timeout,
        allow=config.torch_allow,
    )


def _fix(results: list[FileResult], config: Config, stdout: TextIO) -> list[FileResult]:
    """Write the suggestions into the files and say what was written; the files checked again where changed."""
    from .project.fixing import fix_suggestions
    from .reporters.fixes import write_fixes

    fixed = []
    for file in results:
        checked, fixes = fix_suggestions(file, config.tolerance, config.budget_for(Path(file.path)))
        write_fixes(fixes, stdout)
        fixed.append(checked)
    return fixed


def _one_spec(name: str, config: Config) -> SpecResult:
    if Path(name).is_dir():
        raise UsageError(f"{name} is a folder; give one spec file")
    [result] = _check_paths([name], config)
    for spec in result.specs:
        if spec.tree is None:
            from .reporters import reporter_for

            reporter_for("text", sys.stderr, quiet=True).report([FileResult(result.path, (spec,))])
            raise UsageError(f"{name}: the spec is invalid")
        return spec
    raise UsageError(f"{name} holds no spec (no document with a `model` key)")


def _run_show(options: argparse.Namespace, stdout: TextIO) -> int:
    from .reporters import reporter_for
    from .reporters.escaping import json_text
    from .reporters.table import render, tree_json

    if Path(options.spec).is_dir():
        raise UsageError(f"show takes one spec file, and {options.spec} is a folder")
    [result] = _check_paths([options.spec], options.config)
    counted = [spec for spec in result.specs if spec.tree is not None]
    if options.format == "json":
        trees = [
            {"file": s.file, "name": s.name, "format": s.format, "tree": tree_json(s.tree)}
            for s in counted
            if s.tree is not None
        ]
        stdout.write(json_text(trees))
    else:
        stdout.write("\n".join(render(spec, options.depth) for spec in counted))
    invalid = [spec for spec in result.specs if spec.tree is None]
    if invalid:
        reporter_for("text", stdout, quiet=True).report([FileResult(result.path, tuple(invalid))])
        return EXIT_FAILED
    return EXIT_OK


def _run_match(options: argparse.Namespace, stdout: TextIO) -> int:
    from .checks.solving import solve, solve_depths, width_var
    from .findings import SpecError
    from .formats import ULTRALYTICS, recognise
    from .language.spec import width_step, with_vars
    from .reporters.match import MatchReport

    text = _read_text(options.spec)
    formats = () if text is None else recognise(Path(options.spec).name, text).formats
    if ULTRALYTICS in formats:
        return _run_ultralytics_match(options, text or "", stdout)
    keyed = next((found for found in formats if found.keyed), None)
    if keyed is not None:
        return _run_keyed_match(options, keyed, text or "", stdout)
    result = _one_spec(options.spec, options.config)
    spec, params = result.spec, result.params
    if spec is None or params is None:  # _one_spec returns counted specs only
        raise UsageError(f"{options.spec}: the spec is invalid")
    sets = dict(_assignment(text) for text in options.sets)
    vary = options.vary or width_var(spec)
    if vary is None:
        raise UsageError("say which var to solve for with --vary (the spec has no match.vary or preset width)")
    if vary not in spec.vars:
        raise UsageError(f"--vary {vary}: not a var of {options.spec}")
    if vary in sets:
        raise UsageError(
            f"--set {vary}: {vary} is the var being solved for; set the others (or solve for another with --vary)"
        )
    if spec.hf_config is not None and (spec.match is None or spec.match.vary != vary):
        multiple_of = options.multiple_of or width_step(spec.vars, vary)  # what the config's family needs
    else:
        multiple_of = options.multiple_of or (spec.match.multiple_of if spec.match is not None else 1)
    tolerance = (spec.match.tolerance if spec.match is not None else None) or spec.tolerance
    report = MatchReport(result, vary, sets, tolerance=tolerance)
    try:
        if options.sweep:
            if options.fix:
                raise UsageError("--fix writes one width; leave out --sweep")
            sweep_var, low, high = _sweep(options.sweep)
            for depth, solution in solve_depths(spec, vary, params, sets, sweep_var, range(low, high + 1), multiple_of):
                report.add_row(sweep_var, depth, solution)
        else:
            report.solution = solve(with_vars(spec, sets), vary, params, multiple_of=multiple_of)
    except SpecError as error:
        raise UsageError(f"{options.spec}: {error.finding.message}") from None
    return _reported_match(options, report, result, {**sets, vary: report.solution and report.solution.value}, stdout)


def _reported_match(
    options: argparse.Namespace, report: MatchReport, result: SpecResult, values: dict[str, object], stdout: TextIO
) -> int:
    """The match written out, and with --fix its values written into the file and the file checked again."""
    report.write(stdout, options.format)
    if options.fix and report.solution is not None and not report.within_tolerance:
        return EXIT_FAILED  # the report says why nothing is written
    if options.fix and report.solution is not None and report.solution.value is not None:
        from .project.fixing import fix_spec
        from .reporters.fixes import write_fixes

        fixed = fix_spec(Path(result.file), result, values)
        write_fixes([fixed], stdout)
        if fixed.problem is not None:
            return EXIT_FAILED
        again = check_file(Path(result.file), result.file, options.config.tolerance)
        if any(spec.document == result.document and spec.tree is None for spec in again.specs):
            stdout.write(f"{quoted(result.file)}: {quoted(result.name)}: the fixed spec is invalid\n")
            return EXIT_FAILED
    return EXIT_OK if report.found else EXIT_FAILED


def _run_keyed_match(options: argparse.Namespace, found: Format, text: str, stdout: TextIO) -> int:
    """`match` on a LitGPT or torch.nn-only Hydra config: the file's own numbers, named by their paths."""
    from .checks.solving import solve_counts
    from .findings import SpecError
    from .reporters.match import MatchReport

    keyed = found.read_keyed(text, options.spec, Path(options.spec).parent)
    if keyed is None:
        raise UsageError(
            f"{options.spec}: match varies the sizes a {found.name} writes itself, and budget-check counts none "
            f"here (`budget-check {options.spec}` says why)"
        )
    result = _one_spec(options.spec, options.config)
    vary = options.vary or keyed.width
    if vary is None:
        raise UsageError("say which constructor argument to solve for with --vary PATH (`_args_.0.out_features`)")
    current = keyed.holds(vary)
    if isinstance(current, bool) or not isinstance(current, int):
        raise UsageError(f"--vary {vary}: {options.spec} writes no whole number there")
    sets = dict(_assignment(text) for text in options.sets)
    written = {var: value for var, value in sets.items() if isinstance(value, int) and not isinstance(value, bool)}
    if len(written) != len(sets) or vary in sets:
        raise UsageError(f"--set takes whole numbers for the file's other sizes, and not {vary}, the one solved for")
    target = result.params or 0

    def solved(values: dict[str, int]) -> Solution:
        def count(value: int) -> int:
            return keyed.count({**values, vary: value}).params

        return solve_counts(vary, current, count, target, multiple_of=options.multiple_of or 1)

    report = MatchReport(result, vary, sets, tolerance=result.spec.tolerance if result.spec else None)
    try:
        if options.sweep:
            if options.fix:
                raise UsageError("--fix writes one width; leave out --sweep")
            sweep_var, low, high = _sweep(options.sweep)
            for depth in range(low, high + 1):
                report.add_row(sweep_var, depth, solved({**written, sweep_var: depth}))
        else:
            report.solution = solved(written)
    except SpecError as error:
        raise UsageError(f"{options.spec}: {error.finding.message}") from None
    return _reported_match(options, report, result, {**sets, vary: report.solution and report.solution.value}, stdout)


def _run_ultralytics_match(options: argparse.Namespace, text: str, stdout: TextIO) -> int:
    from .checks.solving import solve_ultralytics_depths
    from .formats.ultralytics import widths
    from .formats.ultralytics.importing import read_model_text, scale_names
    from .reporters.match import MatchReport

    model = read_model_text(text)
    if model is None:
        raise UsageError(f"{options.spec}: the model file is invalid; `budget-check {options.spec}` says why")
    changes = [_assignment(change) for change in options.sets]
    sweep_var, depths = _decimal_sweep(options.sweep) if options.sweep else (None, [])
    named = {var for var, _ in changes} | ({sweep_var} if sweep_var else set())
    if len(named) != 1 or options.vary or options.multiple_of:
        raise UsageError(
            "for an Ultralytics file, give one scale's new depth: --set n.depth=D or --sweep n.depth=A,B,..."
        )
    [var] = named
    letter = widths.scale_of_depth_var(model, var)
    if letter is None:
        scales = ", ".join(f"{scale.letter}.depth" for scale in model.scales) or "depth_multiple"
        raise UsageError(f"{var} names no depth of {options.spec}; it has {scales}")
    name = scale_names(model, Path(options.spec).stem).get(letter)
    counted = [spec for spec in _check_paths([options.spec], options.config)[0].specs if spec.name == name]
    result = counted[0] if counted else None
    reference = None if result is None else result.params
    if result is None or reference is None:
        raise UsageError(
            f"{options.spec}: scale {letter or '(none)'} cannot be counted; `budget-check {options.spec}` says why"
        )

    report = MatchReport(result, widths.width_var(letter), dict(changes))
    if sweep_var:
        if options.fix:
            raise UsageError("--fix writes one width; leave out --sweep")
        for depth, solution in solve_ultralytics_depths(model, letter, reference, depths):
            report.add_row(sweep_var, depth, solution)
    else:
        depth = _decimal(changes[0][1], var)
        [(_, report.solution)] = solve_ultralytics_depths(model, letter, reference, [depth])
    report.write(stdout, options.format)
    if options.fix and report.solution is not None and report.solution.value is not None:
        from .project.fixing import fix_spec
        from .reporters.fixes import write_fixes

        fixed = fix_spec(Path(options.spec), result, {var: depth, widths.width_var(letter): report.solution.value})
        write_fixes([fixed], stdout)
        if fixed.problem is not None:
            return EXIT_FAILED
    return EXIT_OK if report.found else EXIT_FAILED


def _read_text(name: str) -> str | None:
    """The text of a file named on the command line, if it is one that reads as UTF-8."""
    path = Path(name)
    try:
        return path.read_text(encoding="utf-8") if path.is_file() else None
    except (OSError, UnicodeDecodeError):
        return None


def _decimal(text: object, var: str) -> float:
    try:
        value = float(str(text))
    except ValueError:
        raise UsageError(f"{var} takes a decimal such as 0.67, not {text!r}") from None
    if not 0 < value < 100:
        raise UsageError(f"{var} takes a positive multiplier such as 0.67, not {text!r}")
    return value


def _decimal_sweep(text: str) -> tuple[str, list[float]]:
    var, _, values = text.partition("=")
    if not var or not values:
        raise UsageError(f"--sweep takes VAR=A,B,... for an Ultralytics file, not {text!r}")
    return var.strip(), [_decimal(value.strip(), var) for value in values.split(",")]


def _assignment(text: str) -> tuple[str, object]:
    var, separator, value = text.partition("=")
    if not separator or not var.strip() or not value.strip():
        raise UsageError(f"--set takes VAR=VALUE, not {text!r}")
    value = value.strip()
    if not value.lstrip("-").isdigit():
        return var.strip(), value  # an expression, read as a spec reads it
    try:
        return var.strip(), int(read_number(value))
    except UnitError as error:
        raise UsageError(f"--set {var.strip()}: {error}") from None


def _sweep(text: str) -> tuple[str, int, int]:
    var, _, bounds = text.partition("=")
    low, _, high = (part.strip() for part in bounds.partition(".."))
    if not (var and low.isdigit() and high.isdigit() and len(low) + len(high) < 20 and int(low) <= int(high)):
        raise UsageError(f"--sweep takes VAR=A..B with whole numbers A <= B, not {text!r}")
    if int(high) - int(low) >= MAX_SWEEP_ROWS:
        raise UsageError(f"--sweep gives at most {MAX_SWEEP_ROWS:,} rows; narrow {low}..{high}")
    return var, int(low), int(high)


def _run_init(options: argparse.Namespace, stdout: TextIO) -> int:
    from .project.adopt import add_budgets
    from .project.fixing import FixError

    try:
        margin = read_percent(options.margin)
    except UnitError as error:
        raise UsageError(f"--margin takes a percentage such as 10%: {error}") from None
    written, failed = 0, False
    for file in _check_paths(options.paths, options.config):
        for spec in file.specs:
            if spec.tree is None:  # the check said why; init says which spec gets no budget
                finding = next((f for f in spec.findings if f.invalid), spec.findings[0])
                stdout.write(
                    f"{quoted(file.path)}: {quoted(spec.name)}: no budget: {finding.code} {escaped(finding.message)}\n"
                )
                failed = True
        try:
            added = add_budgets(Path(file.path), file.specs, margin)
        except (FixError, OSError) as error:
            stdout.write(f"{quoted(file.path)}: not changed: {escaped(str(error))}\n")
            failed = True
            continue
        for new in added:
            if new.budget is None:
                stdout.write(
                    f"{quoted(file.path)}: {quoted(new.spec)}: cannot add a budget in place; add one by hand\n"
                )
            else:
                stdout.write(
                    f"{quoted(file.path)}: {quoted(new.spec)}: budget: {new.budget} ({new.params:,} params "
                    f"+ {options.margin.strip().removesuffix('%')}%)\n"
                )
                written += 1
    stdout.write(f"{written} budget{'s' if written != 1 else ''} written\n")
    return EXIT_FAILED if failed else EXIT_OK


def _run_schema(options: argparse.Namespace, stdout: TextIO) -> int:
    from .language.schema import schema_text

    stdout.write(schema_text())
    return EXIT_OK


# Each command: its one-line help, how to add its arguments, and what runs it.
_COMMANDS = {
    "check": ("check specs against their budgets (the default command)", _check_arguments, _run_check),
    "show": ("print a spec's breakdown: layers, params, totals, memory", _show_arguments, _run_show),
    "match": ("the width that keeps a spec's count when its depth changes", _match_arguments, _run_match),
    "init": ("write a first budget into every spec that has none", _init_arguments, _run_init),
    "schema": ("print the JSON Schema of spec files, for editors", _no_arguments, _run_schema),
}
