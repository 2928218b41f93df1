"""Which files to check: folders are searched for YAML and the files of foreign formats
(a Hugging Face config.json), files are taken as given."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from ..formats import discovered_names

YAML_SUFFIXES = (".yaml", ".yml")
# Folders that hold other people's YAML, never specs.
SKIPPED_FOLDERS = {"node_modules", "__pycache__", "site-packages", "venv"}


class PathNotFound(Exception):
    pass


def spec_files(paths: Iterable[str]) -> list[Path]:
    """The files to check, in a stable order, each once.

    A file given by name is read whatever its suffix (pre-commit passes
    exactly the files it wants checked); a folder is searched recursively for
    *.yaml and *.yml and the file names foreign formats use (config.json),
    skipping hidden folders and installed packages.
    """
    files: list[Path] = []
    seen = set()
    for name in paths:
        path = Path(name)
        if path.is_dir():
            found = sorted(_files_under(path))
        elif path.exists() or path.is_symlink():
            found = [path]
        else:
            raise PathNotFound(name)
        for file in found:
            if file not in seen:
                seen.add(file)
                files.append(file)
    return files


def _files_under(folder: Path) -> Iterable[Path]:
    foreign = discovered_names()
    for root, folders, names in os.walk(folder):
        folders[:] = [f for f in folders if not f.startswith(".") and f not in SKIPPED_FOLDERS]
        for name in names:
            if name.endswith(YAML_SUFFIXES) or name in foreign:
                yield Path(root) / name
