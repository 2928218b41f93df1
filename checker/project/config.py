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
    cache = true                           # false: never use .budget-check-cache/

Command-line options win over the file.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..findings import SpecError
from ..language.budgets import Tolerance, parse_tolerance
from ..language.hints import did_you_mean
from ..language.matching import DEFAULT_TOLERANCE
from ..language.units import parse_count

FORMATS = ("text", "json", "github", "sarif")
_KEYS = ("paths", "exclude", "format", "torch", "pythonpath", "tolerance", "torch-cpu-limit", "torch-timeout", "cache")


class ConfigError(Exception):
    """The configuration cannot be used; the message says where and why."""


@dataclass(frozen=True)
class Config:
    root: Path  # the folder of the pyproject.toml, or the project root without one
    file: Path | None = None
    paths: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    format: str | None = None
    torch: bool = False
    pythonpath: tuple[str, ...] = ()
    tolerance: Tolerance = DEFAULT_TOLERANCE
    torch_cpu_limit: str = "1GiB"
    torch_timeout: float = 300.0
    cache: bool = True

    def excluded(self, path: Path) -> bool:
        """Whether `path` matches an `exclude` glob (relative to the config's folder)."""
        import fnmatch  # only projects that exclude anything pay for it

        try:
            relative = path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return False
        return any(fnmatch.fnmatch(relative, pattern) for pattern in self.exclude)


def project_root(start: Path) -> Path:
    """The nearest folder from `start` up that holds pyproject.toml or .git; else `start`."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / "pyproject.toml").is_file() or (folder / ".git").exists():
            return folder
    return start


def load_config(start: Path) -> Config:
    """The `[tool.budget-check]` table of the nearest pyproject.toml from `start` up."""
    start = start.resolve()
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            table = _read_table(candidate)
            if table is not None:
                return _config(table, candidate)
        if (folder / ".git").exists():
            break  # a project's config does not come from a folder above its repository
    return Config(root=project_root(start))


def _read_table(path: Path) -> dict[str, Any] | None:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read it: {error}") from None
    if "budget-check" not in text:
        return None  # most projects' pyproject.toml: no need to parse it
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.9 and 3.10
        import tomli as tomllib

    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: cannot read it: {error}") from None
    table = document.get("tool", {}).get("budget-check")
    if table is not None and not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.budget-check] must be a table")
    return table


def _config(table: dict[str, Any], file: Path) -> Config:
    for key in table:
        if key not in _KEYS:
            raise ConfigError(f"{file}: unknown key {key!r} in [tool.budget-check]{did_you_mean(key, _KEYS)}")
    values: dict[str, Any] = {}
    for key in ("paths", "exclude", "pythonpath"):
        if key in table:
            values[key] = tuple(_strings(table[key], key, file))
    if "format" in table:
        if table["format"] not in FORMATS:
            raise ConfigError(f"{file}: format must be one of {', '.join(FORMATS)}, not {table['format']!r}")
        values["format"] = table["format"]
    if "torch" in table:
        if not isinstance(table["torch"], bool):
            raise ConfigError(f"{file}: torch must be true or false")
        values["torch"] = table["torch"]
    if "cache" in table:
        if not isinstance(table["cache"], bool):
            raise ConfigError(f"{file}: cache must be true or false")
        values["cache"] = table["cache"]
    if "tolerance" in table:
        values["tolerance"] = _tolerance(table["tolerance"], file)
    if "torch-cpu-limit" in table:
        values["torch_cpu_limit"] = str(table["torch-cpu-limit"])
    if "torch-timeout" in table:
        timeout = table["torch-timeout"]
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
            raise ConfigError(f"{file}: torch-timeout must be a number of seconds")
        values["torch_timeout"] = float(timeout)
    return Config(root=file.parent, file=file, **values)


def _strings(value: Any, key: str, file: Path) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{file}: {key} must be a list of strings")
    return value


def _tolerance(value: Any, file: Path) -> Tolerance:
    try:
        return parse_tolerance(parse_count, value, None)
    except SpecError as error:
        raise ConfigError(f"{file}: tolerance: {error.finding.message}") from None
