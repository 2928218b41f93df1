"""Configuration: `[tool.budget-check]` in the nearest pyproject.toml, and the project root.

    [tool.budget-check]
    paths = ["specs", "configs/models"]    # what `budget-check` checks with no path
    exclude = ["specs/legacy/*"]           # globs, relative to this file's folder
    format = "text"                        # text, json, github or sarif
    torch = false                          # always confirm with torch
    pythonpath = ["src"]                   # where --torch imports user code from
    tolerance = "2%"                       # match.tolerance when a spec gives none
    torch-cpu-limit = "1GiB"
    torch-timeout = 300
    torch-allow = ["timm"]                 # packages outside the repository --torch may build from

    [tool.budget-check.budgets]            # for files that cannot carry a budget (config.json)
    "checkpoints/*/config.json" = "1.3B"   # a glob, relative to this file's folder
    "finetunes/*/adapter_config.json" = { trainable = "20M" }   # the keys of a spec's `budget:`
    "configs/train.yaml" = [                                     # a Hydra config: a budget per variant
      { node = "model.net", max = "70K" },
      { node = "model.net", overrides = ["experiment=example"], max = "160K" },
    ]
    cache = true                           # false: never use .budget-check-cache/

Command-line options win over the file.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

from .. import rules
from ..findings import Location, SpecError
from ..formats import Configured, Variant
from ..language.budgets import Budget, Tolerance, parse_budget, tolerance_kind
from ..language.matching import DEFAULT_TOLERANCE
from ..language.units import UnitError, format_bytes, parse_bytes, parse_count, read_number
from ..language.validation import FLAG, STRINGS, Invalid, Key, Kind, Table, choice, validate
from ..records import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from typing import Any

FORMATS = ("text", "json", "github", "sarif")
MAX_TIMEOUT = 86_400  # a day: beyond it a timeout is no bound, and some clocks overflow
MAX_CPU_LIMIT = 2**50  # a PiB: more than any machine has
VARIANT_KEYS = ("overrides", "node")  # a budgets entry's keys that pick a Hydra config's variant
_NODE = r"(?:[A-Za-z_]\w*(?:\.\w+)*)?"  # compiled by re on first use: few configs have variants


class ConfigError(Exception):
    """The configuration cannot be used; the message says where and why."""


class Config(NamedTuple):
    """The `[tool.budget-check]` settings, with their defaults."""

    root: Path  # the folder of the pyproject.toml, or the project root without one
    file: Path | None = None
    paths: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    format: str | None = None
    torch: bool = False
    pythonpath: tuple[str, ...] = ()
    tolerance: Tolerance = DEFAULT_TOLERANCE
    torch_cpu_limit: int = 2**30
    torch_timeout: float = 300.0
    torch_allow: tuple[str, ...] = ()
    cache: bool = True
    budgets: tuple[tuple[str, Configured], ...] = ()  # (glob, budget or Hydra variants), in the file's order

    def excluded(self, path: Path) -> bool:
        """Whether `path` matches an `exclude` glob (relative to the config's folder)."""
        return any(self._matches(path, pattern) for pattern in self.exclude)

    def budget_for(self, path: Path) -> Configured:
        """The budget (or a Hydra config's budgets per variant) of the first `budgets` glob that `path` matches."""
        return next((budget for pattern, budget in self.budgets if self._matches(path, pattern)), None)

    def _matches(self, path: Path, pattern: str) -> bool:
        import fnmatch  # only projects that use globs pay for it

        try:
            relative = path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return False
        return fnmatch.fnmatch(relative, pattern)


def project_root(start: Path) -> Path:
    """The nearest folder from `start` up that holds pyproject.toml or .git; else `start`."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / "pyproject.toml").is_file() or (folder / ".git").exists():
            return folder
    return start


def load_config(start: Path) -> Config:
    """The `[tool.budget-check]` table of the nearest pyproject.toml from `start` up.

    The search stops at the repository root and at the home directory: a project's
    configuration does not come from a folder above either.
    """
    start = start.resolve()
    home = _home()
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            table = _read_table(candidate)
            if table is not None:
                return _config(table, candidate)
        if (folder / ".git").exists() or folder == home:
            break
    return Config(root=project_root(start))


def _home() -> Path | None:
    try:
        return Path.home().resolve()
    except (RuntimeError, KeyError, OSError):  # no HOME and no user entry
        return None


def _read_table(path: Path) -> dict[str, Any] | None:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read it: {error}") from None
    if "budget-check" not in text:
        return None  # most projects' pyproject.toml: no need to parse it
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib

    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: cannot read it: {error}") from None
    tools = document.get("tool", {})
    if not isinstance(tools, dict):
        raise ConfigError(f"{path}: [tool] must be a table")
    table = tools.get("budget-check")
    if table is not None and not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.budget-check] must be a table")
    return table


def torch_timeout(value: object) -> float:
    """`--torch-timeout` and `torch-timeout`: seconds, more than 0 and at most MAX_TIMEOUT."""
    seconds = read_number(value if isinstance(value, str) else repr(value))
    if not 0 < seconds <= MAX_TIMEOUT:
        raise UnitError(f"a timeout is a number of seconds above 0 and at most {MAX_TIMEOUT:,}")
    return float(seconds)


def torch_cpu_limit(value: object) -> int:
    """`--torch-cpu-limit` and `torch-cpu-limit`: a memory size of at most MAX_CPU_LIMIT."""
    size = parse_bytes(value)
    if size > MAX_CPU_LIMIT:
        raise UnitError(f"a CPU limit is at most {format_bytes(MAX_CPU_LIMIT)}")
    return size


def _option(read: Callable[[Any], Any]) -> Callable[[Any, Location, Any], Any]:
    """A configuration reader from an option's: the same bounds in both places."""

    def read_value(value: Any, at: Location, context: Any) -> Any:
        if isinstance(value, bool):
            raise Invalid(f"cannot be {str(value).lower()}")
        try:
            return read(value)
        except UnitError as error:
            raise Invalid(f"cannot be read: {error}") from None

    return read_value


def _budgets(value: Any, at: Location, context: Any) -> tuple[tuple[str, Configured], ...]:
    if not isinstance(value, dict):
        raise Invalid("must be a table of globs to budgets")
    budgets: list[tuple[str, Configured]] = []
    for pattern, raw in value.items():
        if isinstance(raw, list) or (isinstance(raw, dict) and any(key in raw for key in VARIANT_KEYS)):
            entries = raw if isinstance(raw, list) else [raw]
            budgets.append((str(pattern), tuple(_variant(pattern, entry, at) for entry in entries)))
        else:
            budgets.append((str(pattern), _budget(pattern, raw, at)))
    return tuple(budgets)


def _variant(pattern: str, entry: Any, at: Location) -> Variant:
    """`{ overrides = ["experiment=example"], node = "model.net", max = "160K" }`: a Hydra config's budget
    when it is composed with these overrides, for this node."""
    if not isinstance(entry, dict):
        raise Invalid(f"{pattern!r}: a list holds tables of a budget's keys, `overrides` and `node`")
    overrides, node = entry.get("overrides", []), entry.get("node", "")
    if not isinstance(overrides, list) or not all(isinstance(item, str) for item in overrides):
        raise Invalid(f"{pattern!r}: overrides must be a list of Hydra overrides (experiment=example)")
    if not isinstance(node, str) or not re.fullmatch(_NODE, node):
        raise Invalid(f"{pattern!r}: node must be a dotted key of the config (model.net)")
    budget = _budget(pattern, {key: value for key, value in entry.items() if key not in VARIANT_KEYS}, at)
    return Variant(budget, tuple(overrides), node)


def _budget(pattern: str, raw: Any, at: Location) -> Budget:
    try:
        budget = parse_budget(raw, at)
    except SpecError as error:
        raise Invalid(f"{pattern!r}: {error.finding.message}") from None
    if budget is None:
        raise Invalid(f"{pattern!r}: a budget cannot be empty")
    return budget


CONFIG = Table(
    "[tool.budget-check]",
    keys=(
        Key("paths", STRINGS, "What `budget-check` checks when given no path.", default=()),
        Key("exclude", STRINGS, "Globs of files not to check, relative to this file's folder.", default=()),
        Key("format", choice(FORMATS), "The output format; by default text, or github in GitHub Actions."),
        Key("torch", FLAG, "Always confirm counts with torch, as --torch does.", default=False),
        Key("cache", FLAG, "Keep results in .budget-check-cache/ to check unchanged files at once.", default=True),
        Key("pythonpath", STRINGS, "Where --torch imports your code from.", default=()),
        Key(
            "tolerance",
            tolerance_kind(parse_count),
            "match.tolerance when a spec gives none: a percentage or a count.",
            default=DEFAULT_TOLERANCE,
        ),
        Key(
            "torch-cpu-limit",
            Kind("a memory size (1GiB)", {"type": ["string", "integer"]}, _option(torch_cpu_limit)),
            "The largest model --torch builds, in parameter memory.",
            default=2**30,
        ),
        Key(
            "torch-timeout",
            Kind(
                "a number of seconds",
                {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_TIMEOUT},
                _option(torch_timeout),
            ),
            "Seconds --torch waits for one spec.",
            default=300.0,
        ),
        Key(
            "torch-allow",
            STRINGS,
            "Packages outside the repository whose code a `torch.target` may run (timm, transformers).",
            default=(),
        ),
        Key(
            "budgets",
            Kind(
                "a table of globs to budgets",
                {"type": "object", "additionalProperties": {"type": ["string", "number", "object", "array"]}},
                _budgets,
            ),
            "Budgets for files that cannot carry one (a config.json): a glob, relative to this file's folder, "
            "to a budget string or a table of the keys of a spec's `budget:`. The first glob that matches wins. "
            "A Hydra config's table may add `overrides` and `node`, and a list of such tables gives the file one "
            "budget per experiment.",
            default=(),
        ),
    ),
    rule=rules.INVALID_VALUE,
    unknown=rules.UNKNOWN_KEY,
    label="{key}",
    description="budget-check's configuration in pyproject.toml; command-line options win over it.",
)


def _config(table: dict[str, Any], file: Path) -> Config:
    values, findings = validate(CONFIG, table)
    if findings:
        raise ConfigError("\n".join(f"{file}: {finding.message}" for finding in findings))
    return Config(
        root=file.parent,
        file=file,
        paths=tuple(values["paths"]),
        exclude=tuple(values["exclude"]),
        format=values["format"],
        torch=values["torch"],
        cache=values["cache"],
        pythonpath=tuple(values["pythonpath"]),
        tolerance=values["tolerance"],
        torch_cpu_limit=values["torch-cpu-limit"],
        torch_timeout=float(values["torch-timeout"]),
        torch_allow=tuple(values["torch-allow"]),
        budgets=values["budgets"],
    )
