"""A cache of check results: checking an unchanged file again costs a read and a hash.

An entry is keyed by the file's bytes, the path it is shown as, budget-check's
code (its version, and the size and time of each of its files: what Python
itself looks at to reuse a module's bytecode, so that an install of other code
under the same version, such as a pre-commit hook pinned to another commit, or
an edited checkout, never reuses its entries) and the settings that change a
result, and holds what the reporters print. Entries live in
`.budget-check-cache/` at the project root, which a `.gitignore` inside keeps
out of git, one file each, named by its key: a run reads the entries of the
files it checks and writes those it adds, so a hook that checks one file
costs the same in a repository of ten thousand specs as in one of ten (one
file holding every entry cost a run 8.5 ms per thousand).

A pull request may commit that folder, so nothing in it is trusted: the folder
and its files are never followed through a link and must belong to the user,
anything unexpected is treated as absent, and each entry is signed, with its
name, by a key kept outside the repository (in the user's own cache folder),
so an entry that budget-check did not write on this machine is never read, nor
replaced or removed: what a pull request put there stays as it was.
Only the default path is cached: `--torch`, `--base` and `--fix` results are
computed afresh.

A format's other counts (Ultralytics' fused count) cost as much as the count
itself and only the JSON reporter prints them on this path, so an entry holds
them only when the run that wrote it reported them; a run that reports them
checks again a file whose entry lacks them, and keeps the fuller entry.
"""

from __future__ import annotations

import json
import os
import stat
from functools import partial
from pathlib import Path

from .. import __version__, rules
from ..checks.check import FileResult, SpecResult, check_bytes, file_error
from ..files import Unreadable, read_bytes
from ..findings import Finding, Location, Related, Suggestion
from ..formats import Configured, OtherCount
from ..language.budgets import Budget, Limits, Tolerance
from ..language.counting import Part
from ..language.sizes import Unknown
from ..records import TYPE_CHECKING

if TYPE_CHECKING:
    from hashlib import blake2b, sha256
    from typing import Any
else:
    # hashlib loads OpenSSL when imported: 3 to 7 ms a run, more than checking a spec costs. CPython's own
    # SHA-256 and BLAKE2 (hashlib's blake2b is always the latter) give the same digests without it.
    try:
        from _sha2 import sha256  # Python 3.12 and later
    except ImportError:
        try:
            from _sha256 import sha256  # Python 3.10 and 3.11
        except ImportError:  # a Python built without its own hashes
            from hashlib import sha256
    try:
        from _blake2 import blake2b
    except ImportError:
        from hashlib import blake2b

FOLDER = ".budget-check-cache"
LAYOUT = 3  # of an entry: part of every key, so that entries written with other fields are never read
MAX_ENTRIES = 20_000  # the least recently written go first
MAX_FORGOTTEN = 1_000  # entries one run looks at to forget: a bound on what a folder of junk can cost
MAX_BYTES = 16 * 2**20  # a larger entry is not ours: it is not read
_KEY_LENGTH = 64  # an entry's name: its key, a SHA-256 in hex
_NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0)
PACKAGE = Path(__file__).parent.parent  # budget-check's own files, whose code the entries were computed by


class ResultCache:
    """The cached results of one project: each file's entry read when the file is checked, the entries added
    written when the run ends."""

    def __init__(self, folder: Path, key: bytes, settings: str, other_counts: bool = True):
        self.folder = folder
        self.key = key
        self.settings = settings  # what besides the bytes and the path changes a result
        self.other_counts = other_counts  # whether this run reports the formats' other counts
        self.added: dict[str, Any] = {}

    def check_file(self, path: Path, shown_as: str, tolerance: Tolerance, budget: Configured = None) -> FileResult:
        """The result of `check_file`, from the cache when the file has not changed."""
        try:
            data = read_bytes(path)
        except Unreadable as error:
            return file_error(shown_as, error)
        entry_key = self._entry_key(data, shown_as)
        entry = _read_entry(self.folder, entry_key, self.key)
        if entry is not None:
            try:
                if not self.other_counts or _has_other_counts(entry):
                    return decode_file(entry)
            except (KeyError, TypeError, ValueError):  # written by a budget-check with a bug: compute it again
                pass
        result = check_bytes(data, shown_as, path.parent, tolerance, budget)
        if cacheable(result, data):
            self.added[entry_key] = encode_file(result, self.other_counts)
        return result

    def save(self) -> None:
        """Write the entries added, then forget the oldest past MAX_ENTRIES; a failure only costs the next run
        its speed."""
        if not self.added or not _own_folder(self.folder, create=False):
            return
        for entry_key, entry in self.added.items():
            try:
                _write_entry(self.folder, entry_key, entry, self.key)
            except (OSError, ValueError):  # ValueError: JSON refuses a count past 4,300 digits
                pass
        try:
            _forget_oldest(self.folder, self.key)
        except OSError:
            pass

    def _entry_key(self, data: bytes, shown_as: str) -> str:
        digest = sha256(data)
        digest.update(b"\0" + shown_as.encode("utf-8", "surrogatepass") + b"\0" + self.settings.encode())
        return digest.hexdigest()


def open_cache(root: Path, settings: str, other_counts: bool = True) -> ResultCache | None:
    """The cache of the project at `root`, for a run that reports the formats' other counts or not;
    None when it cannot be used safely."""
    key = _signing_key()
    folder = root / FOLDER
    if key is None or not _own_folder(folder, create=True):
        return None
    try:
        code = f"{__version__}\0{code_fingerprint(PACKAGE)}"
    except OSError:  # its own files out of reach: nothing tells which code wrote an entry
        return None
    return ResultCache(folder, key, f"{code}\0{LAYOUT}\0{settings}", other_counts)


def code_fingerprint(package: Path) -> str:
    """The size and time of every file under `package` but bytecode, as one digest: a walk of some 130 files,
    in the order the folders list them (the same while nothing changes), 2.4 M instructions, a hundredth of a
    check served by the cache."""
    found = []
    pending = [str(package)]
    while pending:
        with os.scandir(pending.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name != "__pycache__":
                        pending.append(entry.path)
                    continue
                status = entry.stat(follow_symlinks=False)
                found.append(f"{entry.path}\0{status.st_size}\0{status.st_mtime_ns}")
    return sha256("\n".join(found).encode(errors="replace")).hexdigest()


def cacheable(result: FileResult, data: bytes) -> bool:
    """A result that depends only on the file: not one that reads another (`match.reference` to a file, an
    adapter's base config, found or not, an imported config: a spec that names `hf_config` anywhere is never
    kept, so that one that failed on its config is checked again once the config changes)."""
    return b"hf_config" not in data and all(_depends_on_file_only(spec) for spec in result.specs)


def _depends_on_file_only(result: SpecResult) -> bool:
    spec = result.spec
    if spec is None:
        return all(finding.rule is not rules.ADAPTER_BASE_NOT_FOUND for finding in result.findings)
    return not spec.reads and (spec.match is None or spec.match.path is None)


# ------------------------------------------------------------------ the files on disk
def _read_entry(folder: Path, entry_key: str, key: bytes) -> dict[str, Any] | None:
    """The entry in the file named `entry_key`; None if it is missing or not one that we wrote."""
    body = _signed_body(folder, entry_key, key)
    try:
        entry = json.loads(body) if body is not None else None
    except ValueError:
        return None
    return entry if isinstance(entry, dict) else None


def _signed_body(folder: Path, entry_key: str, key: bytes) -> bytes | None:
    """The body of the file named `entry_key` when it is ours: a regular file of this user, not too large,
    whose signature over its name and its body is right; else None."""
    try:
        descriptor = os.open(folder / entry_key, os.O_RDONLY | _NO_FOLLOW)
    except OSError:
        return None
    with os.fdopen(descriptor, "rb") as file:
        status = os.fstat(file.fileno())
        if not stat.S_ISREG(status.st_mode) or status.st_size > MAX_BYTES or not _owned(status):
            return None
        signature, _, body = file.read().partition(b"\n")
    if signature.decode("ascii", "replace") != _sign(entry_key.encode() + b"\n" + body, key):
        return None
    return body


def _write_entry(folder: Path, entry_key: str, entry: dict[str, Any], key: bytes) -> None:
    """Write to a new file, then rename it over the old one: readers see one or the other, whole. A file of
    that name that we did not write (one a pull request committed) is left as it is."""
    if os.path.lexists(folder / entry_key) and _signed_body(folder, entry_key, key) is None:
        return
    body = json.dumps(entry, separators=(",", ":")).encode()
    temporary = folder / f"{entry_key}.{os.getpid()}.tmp"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NO_FOLLOW, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(_sign(entry_key.encode() + b"\n" + body, key).encode() + b"\n" + body)
        os.replace(temporary, folder / entry_key)  # replaces a link itself, never what it points to
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _forget_oldest(folder: Path, key: bytes) -> None:
    """Remove the entries written longest ago past MAX_ENTRIES, ours only, and at most MAX_FORGOTTEN looked at.
    Only a run that wrote an entry lists the folder: a run served by the cache alone never does."""
    with os.scandir(folder) as found:
        entries = [(item.stat(follow_symlinks=False).st_mtime_ns, item.name) for item in found if _is_entry(item.name)]
    excess = len(entries) - MAX_ENTRIES
    for _, name in sorted(entries)[: min(excess, MAX_FORGOTTEN)]:
        if _signed_body(folder, name, key) is not None:
            try:
                os.unlink(folder / name)
            except FileNotFoundError:
                pass


def _is_entry(name: str) -> bool:
    return len(name) == _KEY_LENGTH and all(character in "0123456789abcdef" for character in name)


def _own_folder(folder: Path, create: bool) -> bool:
    """Whether `folder` is a real folder of ours (made, with its `.gitignore`, when `create` says so)."""
    try:
        if create and not os.path.lexists(folder):
            os.mkdir(folder, 0o700)
            _write_new(folder / ".gitignore", b"# written by budget-check: the cache stays out of git\n*\n")
        status = os.lstat(folder)
    except OSError:
        return False
    return stat.S_ISDIR(status.st_mode) and _owned(status)


def _write_new(path: Path, data: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NO_FOLLOW, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)


def _owned(status: os.stat_result) -> bool:
    return not hasattr(os, "getuid") or status.st_uid == os.getuid()


def _sign(body: bytes, key: bytes) -> str:
    return blake2b(body, key=key, digest_size=32).hexdigest()


def _signing_key() -> bytes | None:
    """This user's secret key, made on first use in their cache folder, outside any repository."""
    home = os.environ.get("XDG_CACHE_HOME") or os.environ.get("LOCALAPPDATA") or os.path.expanduser("~/.cache")
    folder = Path(home) / "budget-check"
    path = folder / "key"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            _write_new(path, os.urandom(32).hex().encode())
        except FileExistsError:
            pass
        descriptor = os.open(path, os.O_RDONLY | _NO_FOLLOW)
        with os.fdopen(descriptor, "rb") as file:
            status = os.fstat(file.fileno())
            key = file.read(65)
    except OSError:
        return None
    if not stat.S_ISREG(status.st_mode) or not _owned(status) or len(key) != 64:
        return None
    return key


# ------------------------------------------------------------------ results as JSON
# Only what the reporters print is kept: the counted tree becomes its root; the other counts, when asked.
def encode_file(result: FileResult, other_counts: bool = True) -> dict[str, Any]:
    specs = [_encode_spec(spec, other_counts) for spec in result.specs]
    return {"path": result.path, "skipped": result.skipped, "specs": specs}


def decode_file(data: dict[str, Any]) -> FileResult:
    return FileResult(data["path"], tuple(_decode_spec(s) for s in data["specs"]), data["skipped"])


def _has_other_counts(entry: dict[str, Any]) -> bool:
    """Whether an entry holds its models' other counts (null where the run that wrote it left them out)."""
    return all(spec["others"] is not None for spec in entry["specs"])


def _encode_spec(spec: SpecResult, other_counts: bool) -> dict[str, Any]:
    tree = spec.tree
    return {
        "file": spec.file,
        "name": spec.name,
        "location": _location(spec.location),
        "document": spec.document,
        "findings": [_encode_finding(finding) for finding in spec.findings],
        "budget": None if spec.budget is None else _encode_budget(spec.budget),
        # A model without other counts has them all at no cost: its entry serves a JSON run as it is.
        "others": [[other.key, other.label, value] for other, value in spec.others]
        if other_counts or not spec.other_counts
        else None,
        "tree": None
        if tree is None
        else {
            "label": tree.label,
            "kind": tree.kind,
            "location": _location(tree.location),
            "output": tree.output if isinstance(tree.output, int) else {"unknown": tree.output.reason},
            "counts": [tree.params, tree.trainable, tree.buffers, tree.copies, tree.embedding, tree.idle],
        },
    }


def _decode_spec(data: dict[str, Any]) -> SpecResult:
    tree = data["tree"]
    if tree is not None:
        params, trainable, buffers, copies, embedding, idle = tree["counts"]
        output = tree["output"]
        tree = Part(
            label=tree["label"],
            kind=tree["kind"],
            location=Location(*tree["location"]),
            output=output if isinstance(output, int) else Unknown(output["unknown"]),
            params=params,
            trainable=trainable,
            buffers=buffers,
            copies=copies,
            embedding=embedding,
            idle=idle,
        )
    return SpecResult(
        file=data["file"],
        name=data["name"],
        location=Location(*data["location"]),
        findings=tuple(_decode_finding(finding) for finding in data["findings"]),
        document=data["document"],
        tree=tree,
        budget=None if data["budget"] is None else _decode_budget(data["budget"]),
        other_counts=tuple(OtherCount(key, label, partial(int, value)) for key, label, value in data["others"] or ()),
    )


def _encode_finding(finding: Finding) -> dict[str, Any]:
    suggestion = finding.suggestion
    return {
        "code": finding.code,
        "message": finding.message,
        "location": _location(finding.location),
        "suggestion": None if suggestion is None else [suggestion.var, suggestion.value, suggestion.params],
        "notes": list(finding.notes),
        "related": [[related.message, _location(related.location)] for related in finding.related],
    }


def _decode_finding(data: dict[str, Any]) -> Finding:
    suggestion = data["suggestion"]
    return Finding(
        rule=rules.RULES[data["code"]],
        message=data["message"],
        location=Location(*data["location"]),
        suggestion=None if suggestion is None else Suggestion(*suggestion),
        notes=tuple(data["notes"]),
        related=tuple(Related(message, Location(*where)) for message, where in data.get("related", ())),
    )


_LIMITS = ("params", "trainable", "memory", "non_embedding", "active")


def _encode_budget(budget: Budget) -> dict[str, Any]:
    limits = {name: _encode_limits(getattr(budget, name)) for name in _LIMITS}
    return {**limits, "memory_dtype": budget.memory_dtype}


def _decode_budget(data: dict[str, Any]) -> Budget:
    limits = {name: _decode_limits(data[name]) for name in _LIMITS}
    return Budget(**limits, memory_dtype=data["memory_dtype"])


def _encode_limits(limits: Limits | None) -> dict[str, Any] | None:
    if limits is None:
        return None
    tolerance = limits.tolerance
    return {
        "min": limits.min,
        "max": limits.max,
        "target": limits.target,
        "tolerance": None
        if tolerance is None
        else [None if tolerance.percent is None else str(tolerance.percent), tolerance.absolute],
        "locations": [
            _location(limits.min_location),
            _location(limits.max_location),
            _location(limits.target_location),
        ],
    }


def _decode_limits(data: dict[str, Any] | None) -> Limits | None:
    if data is None:
        return None
    tolerance = data["tolerance"]
    if tolerance is not None:
        percent, absolute = tolerance
        if percent is not None:
            from fractions import Fraction  # only a budget with a target has a tolerance to read

            percent = Fraction(percent)
        tolerance = Tolerance(percent, absolute)
    min_location, max_location, target_location = (
        None if where is None else Location(*where) for where in data["locations"]
    )
    return Limits(
        min=data["min"],
        max=data["max"],
        target=data["target"],
        tolerance=tolerance,
        min_location=min_location,
        max_location=max_location,
        target_location=target_location,
    )


def _location(location: Location | None) -> list[int] | None:
    return None if location is None else [location.line, location.column]
