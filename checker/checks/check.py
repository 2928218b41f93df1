"""Checking files: read, load, count and apply the budget to every spec in them.

`check_text` is the pure core (text in, results out); `check_file` adds the
file system: reading bytes, refusing binary and non-UTF-8 files.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path

from .. import rules
from ..files import Unreadable, decode_text, inside_repository, read_bytes, read_text, reference_root
from ..findings import NOTE, Finding, SpecError
from ..formats import Configured, Imported, OtherCount, read_foreign, recognise
from ..language.budgets import Budget, Tolerance, check_budget
from ..language.counting import Part, count_model, count_with_warnings
from ..language.loader import Document, LoadError, Location, YamlMapping, load_documents
from ..language.matching import DEFAULT_TOLERANCE
from ..language.spec import ConfigReader, Spec, parse_spec
from ..language.units import format_count
from ..records import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from typing import Any

    from .solving import WidthSolver

LARGEST_PARTS = 3
# Keys that mark a YAML document as a spec. `name` is not one: most YAML files have a name.
SPEC_ONLY_KEYS = ("model", "vars", "blocks", "budget", "match", "torch", "dtype")


OWN_FORMAT = "budget-check spec"


class SpecResult(NamedTuple):
    """What checking one spec found; the steps after the check (--base, --torch) return new results."""

    file: str
    name: str
    location: Location
    findings: tuple[Finding, ...] = ()
    document: int = 1  # which YAML document of the file
    spec: Spec | None = None
    tree: Part | None = None
    budget: Budget | None = None  # the spec's, also kept where the spec is not (a cached result)
    torch_params: int | None = None
    base: str | None = None  # the `--base` revision compared with, if any
    base_params: int | None = None  # the count at `base` (None: the spec is new there)
    other_counts: tuple[OtherCount, ...] = ()  # the format's counts beside the total (Ultralytics' fused one)
    # --torch builds a foreign format's model with its own library (Ultralytics)
    torch_job: Mapping[str, Any] | None = None
    format: str = OWN_FORMAT  # the format the file was read as (formats/)

    def with_findings(self, *findings: Finding) -> SpecResult:
        """This result with more findings."""
        return self._replace(findings=(*self.findings, *findings))

    @property
    def params(self) -> int | None:
        return None if self.tree is None else self.tree.params

    @property
    def trainable(self) -> int | None:
        return None if self.tree is None else self.tree.trainable

    @property
    def others(self) -> tuple[tuple[OtherCount, int], ...]:
        """The other counts, each with its value (none where the model was not counted)."""
        return () if self.tree is None else tuple((other, other.counter()) for other in self.other_counts)

    def other(self, key: str) -> int | None:
        """The other count of this JSON key, if the format gives one."""
        return next((value for other, value in self.others if other.key == key), None)

    @property
    def status(self) -> str:
        if self.tree is None and self.findings and all(f.severity == NOTE for f in self.findings):
            return "unchecked"  # a foreign model only --torch can count: said so, not an error
        if any(finding.invalid for finding in self.findings) or self.tree is None:
            return "error"
        return "fail" if any(finding.severity == "error" for finding in self.findings) else "pass"


class FileResult(NamedTuple):
    """One file's specs, and how many of its documents are not specs."""

    path: str
    specs: tuple[SpecResult, ...] = ()
    skipped: int = 0  # documents that are not specs


def check_file(
    path: Path, shown_as: str, tolerance: Tolerance = DEFAULT_TOLERANCE, budget: Configured = None
) -> FileResult:
    """Check one file; every problem becomes a finding, never an exception.

    `budget` is the configured one for files that cannot carry their own (a config.json).
    """
    try:
        data = read_bytes(path)
    except Unreadable as error:
        return file_error(shown_as, error)
    return check_bytes(data, shown_as, path.parent, tolerance, budget)


def check_bytes(
    data: bytes, file: str, folder: Path, tolerance: Tolerance = DEFAULT_TOLERANCE, budget: Configured = None
) -> FileResult:
    """Check the bytes read from `file`."""
    try:
        text = decode_text(data)
    except Unreadable as error:
        return file_error(file, error)
    return check_text(text, file, folder, tolerance, budget)


def check_text(
    text: str,
    file: str,
    folder: Path | None = None,
    tolerance: Tolerance = DEFAULT_TOLERANCE,
    budget: Configured = None,
    read_config: ConfigReader | None = None,
) -> FileResult:
    """Check every spec in the YAML `text` of `file`, or the models of a foreign format's file;
    `folder` is where its references are looked up, and imported configs read (by `read_config`
    when given: --base reads them at its revision)."""
    folder = folder or Path(file).parent
    recognition = recognise(Path(file).name, text)
    if not recognition.formats:
        return _with_findings(_check_specs(text, file, folder, tolerance, read_config), recognition.findings)
    read = read_foreign(recognition.formats, text, file, folder, budget)
    if read is None:  # the marks of a format, but no model in it: a Hydra primary config, say
        return _with_findings(FileResult(file, skipped=1), recognition.findings)
    result = _check_foreign(read.models, file, folder, read.format.name)
    return _with_findings(result, (*recognition.findings, *read.findings))


def _with_findings(result: FileResult, findings: tuple[Finding, ...]) -> FileResult:
    """Findings about the whole file on each of its models; an error also where the file holds none."""
    if result.specs:
        return result._replace(specs=tuple(spec.with_findings(*findings) for spec in result.specs))
    errors = tuple(finding for finding in findings if finding.invalid)
    if not errors:
        return result
    return result._replace(specs=(SpecResult(result.path, Path(result.path).stem, errors[0].location, errors),))


def _check_specs(
    text: str, file: str, folder: Path, tolerance: Tolerance, read_config: ConfigReader | None
) -> FileResult:
    """Every spec of budget-check's own language in the YAML `text`."""
    documents: list[Document] = []
    load_error: LoadError | None = None
    try:
        documents.extend(load_documents(text))
    except LoadError as error:
        load_error = error
    stem = Path(file).stem
    several = len(documents) + (load_error is not None) > 1
    spec_documents = [document for document in documents if is_spec(document.value)]
    specs = [
        check_document(document, file, f"{stem}#{document.number}" if several else stem, folder, tolerance, read_config)
        for document in spec_documents
    ]
    if load_error is not None:
        name = f"{stem}#{len(documents) + 1}" if several else stem
        finding = Finding(load_error.rule, load_error.message, load_error.location)
        specs.append(SpecResult(file, name, load_error.location, (finding,)))
    return FileResult(file, tuple(specs), skipped=len(documents) - len(spec_documents))


def _check_foreign(models: list[Imported], file: str, folder: Path, format_name: str) -> FileResult:
    specs = []
    for model in models:
        imported = SpecResult(
            file,
            model.name,
            model.location,
            tuple(model.findings),
            budget=model.budget,
            # counted once, when a reporter or the cache first asks (a named tuple has no cached_property)
            other_counts=tuple(other._replace(counter=cache(other.counter)) for other in model.other_counts),
            torch_job=model.torch_job,
            format=format_name,
        )
        checked = imported if model.spec is None else _checked(imported, model.spec, folder, model.width_solver)
        specs.append(checked)
    return FileResult(file, tuple(specs), skipped=0 if models else 1)


def is_spec(value: object) -> bool:
    """A mapping with a `model` — or with keys only a spec has, and `model` misspelt or missing."""
    return isinstance(value, YamlMapping) and any(key in value for key in SPEC_ONLY_KEYS)


def check_document(
    source: Document,
    file: str,
    name: str,
    folder: Path,
    tolerance: Tolerance = DEFAULT_TOLERANCE,
    read_config: ConfigReader | None = None,
) -> SpecResult:
    document = source.value
    findings: list[Finding] = []
    spec = None
    with _Reported(findings, document.location):
        spec, parsed = parse_spec(document, file, name, tolerance, read_config or config_reader(folder))
        findings.extend(parsed)
    result = SpecResult(file, name, document.location, tuple(findings), document=source.number)
    return result if spec is None else _checked(result, spec, folder)


def _checked(
    result: SpecResult, spec: Spec, folder: Path, width_solver: Callable[[], WidthSolver | None] | None = None
) -> SpecResult:
    """`result` with `spec` counted, and its budget and match applied. A failing budget suggests a width:
    `width_solver` gives a foreign format's own search, else the spec's width var is solved for."""
    findings = list(result.findings)
    tree: Part | None = None
    with _Reported(findings, result.location):
        tree, warnings = count_with_warnings(spec)
        findings.extend(warnings)
        failed_budget = (
            []
            if spec.budget is None
            else check_budget(
                spec.budget,
                tree.params,
                tree.trainable,
                spec.dtype,
                non_embedding=tree.non_embedding,
                active=tree.active,
            )
        )
        if failed_budget or spec.match is not None:
            # The solver is loaded only when there is something to solve: most checks pass.
            from .solving import spec_width_solver
            from .suggestions import check_match, with_budget_suggestion

            solver = width_solver() if width_solver is not None else spec_width_solver(spec)
            findings += [
                with_budget_suggestion(
                    spec, f._replace(notes=largest_parts(tree, trainable=f.rule == rules.TRAINABLE_BUDGET)), solver
                )
                for f in failed_budget
            ]
            if spec.match is not None:
                findings.extend(check_match(spec, tree, _reference_counter(folder, spec.match.location)))
    return result._replace(spec=spec, name=spec.name, budget=spec.budget, tree=tree, findings=tuple(findings))


class _Reported:
    """Whatever goes wrong inside becomes one of `findings`, never an exception. (A class, not
    contextlib.contextmanager: importing contextlib costs every run 3 M instructions, 2% of the floor.)"""

    def __init__(self, findings: list[Finding], location: Location) -> None:
        self.findings, self.location = findings, location

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, traceback: Any) -> bool:
        if isinstance(error, SpecError):
            self.findings.append(error.finding)
        elif isinstance(error, RecursionError):
            self.findings.append(Finding(rules.TOO_DEEP, "the spec nests too deeply to be checked", self.location))
        elif isinstance(error, Exception):  # a bug of ours must not hide the other files' results
            message = f"internal error: {type(error).__name__}: {error}"
            self.findings.append(Finding(rules.INTERNAL_ERROR, message, self.location))
        else:
            return False  # none, or one that ends the process (KeyboardInterrupt, SystemExit)
        return True


def _reference_counter(folder: Path, location: Location) -> Callable[[str], int]:
    """Counts the spec file a `match.reference` names, relative to `folder` and confined to its repository.

    The other file may hold anything, so its content never appears in a finding: only
    whether it could be read and counted.
    """

    def count_file(reference: str) -> int:
        def refuse(reason: str) -> SpecError:
            return SpecError(rules.INVALID_MATCH, f"match.reference {reference}: {reason}", location)

        path = confined(folder, reference, refuse)
        try:
            text = read_text(path)
            document = next(d for d in load_documents(text) if is_spec(d.value))
            spec, _ = parse_spec(document.value, str(path), path.stem, read_config=config_reader(path.parent))
            if spec is None:
                raise refuse("not a valid spec; check it on its own to see why")
            return count_model(spec).params
        except Unreadable as error:
            raise refuse(error.finding.message) from None
        except (LoadError, StopIteration):
            raise refuse("no spec can be read from it") from None
        except SpecError:
            raise refuse("not a valid spec; check it on its own to see why") from None

    return count_file


def config_reader(folder: Path, read: Callable[[Path], bytes] = read_bytes) -> ConfigReader:
    """Reads the config a spec in `folder` imports, confined to its repository as `match.reference` is;
    `read` gives a file's bytes (at a git revision, for --base)."""

    def read_config(reference: str, location: Location) -> dict[str, Any]:
        def refuse(reason: str) -> SpecError:
            return SpecError(rules.INVALID_CONFIG, f"hf_config {reference}: {reason}", location)

        import json  # here, not above: only a spec that imports a config reads JSON

        path = confined(folder, reference, refuse)
        try:
            config = json.loads(decode_text(read(path)))
        except Unreadable as error:
            raise refuse(error.finding.message) from None
        except json.JSONDecodeError as error:
            raise refuse(f"not valid JSON: {error.msg} at line {error.lineno}") from None
        if not isinstance(config, dict) or "model_type" not in config:
            raise refuse("not a Hugging Face config (a JSON object with `model_type`)")
        return config

    return read_config


def confined(folder: Path, reference: str, refuse: Callable[[str], SpecError]) -> Path:
    """The file `reference` names, relative to `folder`; refused outside the repository that holds it."""
    path = inside_repository(folder, reference)
    if path is None:
        raise refuse(f"outside {'the repository' if (reference_root(folder) / '.git').exists() else 'the spec folder'}")
    return path


def top_parts(tree: Part) -> list[Part]:
    """The model's parts at the first level where it splits into several."""
    while len(tree.children) == 1:
        tree = tree.children[0]
    return list(tree.children) or [tree]


def largest_parts(tree: Part, trainable: bool = False) -> tuple[str, ...]:
    """'largest parts: …' — where the count goes, at the first level that splits; with `trainable`,
    where the trainable count goes (a trainable budget is not helped by naming frozen parts)."""

    def measure(part: Part) -> int:
        return part.trainable if trainable else part.params

    parts, total = top_parts(tree), measure(tree)
    if len(parts) < 2 or total <= 0:
        return ()
    parts = sorted((p for p in parts if measure(p) > 0 or not trainable), key=measure, reverse=True)[:LARGEST_PARTS]
    shown = ", ".join(
        f"{_part_label(part)} {format_count(measure(part))} ({100 * measure(part) / total:.1f}%)" for part in parts
    )
    return (f"largest {'trainable ' if trainable else ''}parts: {shown}",)


def _part_label(part: Part) -> str:
    return f"{part.label} ×{part.copies}" if part.copies > 1 else part.label


def file_error(file: str, error: Unreadable) -> FileResult:
    """A file that could not be read, as one invalid spec with the reason."""
    return FileResult(file, (SpecResult(file, Path(file).stem, error.finding.location, (error.finding,)),))
