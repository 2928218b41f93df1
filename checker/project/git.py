"""Reading files as they were at a git revision: one `git cat-file --batch`, no checkout."""

from __future__ import annotations

import subprocess
from pathlib import Path


class GitError(Exception):
    """git cannot answer: not a repository, an unknown revision, git missing."""


def files_at(revision: str, paths: list[Path], cwd: Path) -> dict[Path, str | None]:
    """The text of each file at `revision`; None where it did not exist there (or is not text)."""
    top = Path(_git(["rev-parse", "--show-toplevel"], cwd).strip())
    commit = _git(["rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"], cwd, f"unknown revision {revision!r}")
    names: dict[Path, str] = {}
    for path in paths:
        try:
            names[path] = path.resolve().relative_to(top.resolve()).as_posix()
        except ValueError:
            names[path] = ""  # outside the repository: nothing to compare with
    wanted = [name for name in names.values() if name]
    blobs = _cat_files(commit.strip(), wanted, top) if wanted else {}
    return {path: blobs.get(name) for path, name in names.items()}


def _cat_files(commit: str, names: list[str], top: Path) -> dict[str, str | None]:
    requests = "".join(f"{commit}:{name}\n" for name in names).encode()
    try:
        output = subprocess.run(
            ["git", "cat-file", "--batch"], input=requests, cwd=top, capture_output=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        raise GitError(f"git cat-file failed: {error}") from None
    texts: dict[str, str | None] = {}
    position = 0
    for name in names:
        header_end = output.index(b"\n", position)
        header = output[position:header_end].split()
        position = header_end + 1
        if len(header) < 3 or header[1] != b"blob":  # "<name> missing", or a folder
            texts[name] = None
            continue
        size = int(header[2])
        content = output[position : position + size]
        position += size + 1
        try:
            texts[name] = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            texts[name] = None
    return texts


def _git(arguments: list[str], cwd: Path, failure: str | None = None) -> str:
    try:
        return subprocess.run(["git", *arguments], cwd=cwd, capture_output=True, text=True, check=True).stdout
    except FileNotFoundError:
        raise GitError("--base needs git, which is not installed") from None
    except subprocess.CalledProcessError as error:
        raise GitError(failure or error.stderr.strip() or f"git {' '.join(arguments)} failed") from None
