"""Where the project is: the folder whose code `--torch` imports."""

from __future__ import annotations

from pathlib import Path


def project_root(start: Path) -> Path:
    """The nearest folder from `start` up that holds pyproject.toml or .git; else `start`."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / "pyproject.toml").is_file() or (folder / ".git").exists():
            return folder
    return start
