"""Findings that say what to change: a matched width that drifted, a width that fits the budget."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

from .. import rules
from ..findings import Finding, SpecError, Suggestion
from ..language.budgets import Limits, Tolerance
from ..language.counting import Part, count_model
from ..language.loader import Location
from ..language.matching import Match
from ..language.spec import Spec, location_of_var, with_vars
from ..language.units import DTYPE_BITS, format_relative
from .solving import (
    AT_LEAST,
    AT_MOST,
    CLOSEST,
    Measure,
    Solution,
    WidthSolver,
    active_of,
    non_embedding_of,
    params_of,
    solve,
    trainable_of,
    width_var,
)

ReferenceCounter = Callable[[str], int]  # a spec file's path -> its count


def check_match(spec: Spec, tree: Part, count_file: ReferenceCounter) -> list[Finding]:
    """BC201 when the count has left the reference's tolerance, with the width that restores it.
    A match without a reference meets the budget instead: the budget's findings carry the width."""
    match = spec.match
    if match is None or not match.has_reference:
        return []
    tolerance = match.tolerance or spec.tolerance
    reference, reference_spec = reference_count(spec, match, count_file)
    off = tree.params - reference
    if abs(off) <= tolerance.allowed(reference):
        return []
    solution = solve(spec, match.vary, reference, CLOSEST, match.multiple_of)
    changed = [] if reference_spec is None else changed_vars(reference_spec, spec, match.vary)
    where = location_of_var(spec, changed[0]) if changed else location_of_var(spec, match.vary)
    change = f" ({changes_text(reference_spec, spec, changed)})" if changed and reference_spec is not None else ""
    message = (
        f"{tree.params:,} params is {format_relative(off, reference)} off the reference {reference:,}{change}, "
        f"outside ±{tolerance}; "
    )
    if solution.value is None:
        return [Finding(rules.MATCH_DRIFT, f"{message}no value of {match.vary} restores it: {solution.problem}", where)]
    if not fits(solution, CLOSEST, tolerance.allowed(reference)) or solution.value == spec.vars[match.vary]:
        message += no_fit_text(solution, f"keeps {reference:,} within ±{tolerance}")
        return [Finding(rules.MATCH_DRIFT, message, where)]
    message += f"with {solution.var} {solution.value} gives {solution.params:,} ({solution.error_text})"
    return [Finding(rules.MATCH_DRIFT, message, where, suggestion=_suggestion(solution))]


def reference_count(spec: Spec, match: Match, count_file: ReferenceCounter) -> tuple[int, Spec | None]:
    """The reference's count, and the reference spec when it is this spec with other vars."""
    if match.reference_count is not None:
        return match.reference_count, None
    if match.path is not None:
        return count_file(match.path), None
    reference = with_vars(spec, dict(match.overrides or {}))
    return count_model(reference).params, reference


def changed_vars(before: Spec, after: Spec, width: str | None) -> list[str]:
    """The vars (the width aside) whose values differ between two versions of a spec."""
    return [
        name
        for name, value in after.vars.items()
        if name != width and name in before.vars and before.vars[name] != value
    ]


def changes_text(before: Spec, after: Spec, names: list[str]) -> str:
    return ", ".join(f"{name} {before.vars[name]} → {after.vars[name]}" for name in names)


def fits(solution: Solution, rule: str, allowed: Fraction = Fraction(0)) -> bool:
    """Whether the solution meets what it was solved for: a maximum, a minimum, or a target within `allowed`."""
    if solution.params is None:
        return False
    if rule == AT_MOST:
        return solution.params <= solution.target
    if rule == AT_LEAST:
        return solution.params >= solution.target
    return abs(solution.params - solution.target) <= allowed


def no_fit_text(solution: Solution, goal: str) -> str:
    """Why nothing is suggested: no integer meets the goal (`keeps 552 within ±2%`), and the closest."""
    if solution.value is None:
        return f"no {solution.values} {solution.var} {goal}: {solution.problem}; change another var"
    return (
        f"no {solution.values} {solution.var} {goal}: the closest is {solution.value} "
        f"({solution.params:,}, {solution.error_text}); widen the tolerance or change another var"
    )


def _suggestion(solution: Solution) -> Suggestion | None:
    if solution.value is None or solution.params is None:
        return None
    return Suggestion(solution.var, solution.value, solution.params)


def with_budget_suggestion(spec: Spec, finding: Finding, solver: WidthSolver | None) -> Finding:
    """The budget finding with the width that fits (largest under a maximum, smallest over a
    minimum, closest to a target), when the model has a width to solve for; when none fits, or
    only the value already written comes closest, a note that says so instead. A spec with vars but
    no width var gets a note on the `match` that would give one."""
    if solver is None:
        hint = _match_hint(spec)
        return finding if hint is None else finding._replace(notes=(*finding.notes, hint))
    solved = _solve_budget(spec, solver, finding)
    if solved is None:
        return finding
    solution, rule, allowed, goal = solved
    if solution.value is None or not fits(solution, rule, allowed) or solution.value == solver.written:
        return finding._replace(notes=(*finding.notes, no_fit_text(solution, goal)))
    return finding._replace(suggestion=_suggestion(solution))


# Words in the names of vars that set a width, which a width suggestion varies first.
_WIDTH_WORDS = ("width", "hidden", "dim", "embd", "d_model", "channels", "features", "size", "base")
_MAX_VARS_TRIED = 16  # each var tried is one more count


def _match_hint(spec: Spec) -> str | None:
    """For a spec with vars but no width var: the `match` that would give a suggestion, naming the var to vary
    (a width-like name first, among the whole-number vars that change the count)."""
    whole = [name for name, value in spec.vars.items() if isinstance(value, int) and not isinstance(value, bool)]
    params = count_model(spec).params
    moving = [name for name in whole[:_MAX_VARS_TRIED] if _count_with(spec, name, spec.vars[name] + 1) != params]
    if not moving:
        return None
    widths = [name for name in moving if any(word in name.lower() for word in _WIDTH_WORDS)]
    var = (widths or moving)[0]
    return f"add `match: {{vary: {var}}}` to get a value of {var} that fits (--fix writes it)"


def _count_with(spec: Spec, var: str, value: int) -> int | None:
    """The count with `var` set to `value`; None when the spec is then invalid."""
    try:
        return count_model(with_vars(spec, {var: value})).params
    except SpecError:
        return None


Solved = tuple[Solution, str, Fraction, str]  # the solution, its rule, the distance allowed, the goal in words


def _solve_budget(spec: Spec, solver: WidthSolver, finding: Finding) -> Solved | None:
    budget = spec.budget
    if budget is None:
        return None
    if finding.rule in (rules.OVER_BUDGET, rules.UNDER_BUDGET, rules.OFF_TARGET) and budget.params is not None:
        return _solve_limit(solver, budget.params, finding.location, params_of, "the count")
    for rule, limits, measure, what in (
        (rules.TRAINABLE_BUDGET, budget.trainable, trainable_of, "the trainable count"),
        (rules.NON_EMBEDDING_BUDGET, budget.non_embedding, non_embedding_of, "the non-embedding count"),
        (rules.ACTIVE_BUDGET, budget.active, active_of, "the active count"),
    ):
        if finding.rule == rule and limits is not None:
            return _solve_limit(solver, limits, finding.location, measure, what)
    memory = budget.memory
    if (
        finding.rule == rules.MEMORY_BUDGET
        and memory is not None
        and memory.max is not None
        and finding.location == memory.max_location
    ):
        bits = DTYPE_BITS[budget.memory_dtype or spec.dtype]
        most = memory.max * 8 // bits
        goal = f"keeps the count at most {most:,}, the memory budget"
        return solver.solve(most, AT_MOST, params_of), AT_MOST, Fraction(0), goal
    return None


def _solve_limit(solver: WidthSolver, limits: Limits, location: Location, measure: Measure, what: str) -> Solved | None:
    for bound, rule in (("max", AT_MOST), ("min", AT_LEAST), ("target", CLOSEST)):
        value = getattr(limits, bound)
        if getattr(limits, f"{bound}_location") == location and value is not None:
            tolerance = limits.tolerance or Tolerance(absolute=0)
            goals = {
                AT_MOST: f"keeps {what} at most {value:,}",
                AT_LEAST: f"keeps {what} at least {value:,}",
                CLOSEST: f"keeps {value:,} within ±{tolerance}",
            }
            return solver.solve(value, rule, measure), rule, tolerance.allowed(value), goals[rule]
    return None


def check_base(spec: Spec, tree: Part, base: Spec, base_params: int, revision: str) -> list[Finding]:
    """A note when vars changed since `revision` and moved the count: the width that restores it."""
    var = width_var(spec)
    changed = changed_vars(base, spec, var)
    off = tree.params - base_params
    if (
        var is None
        or not changed
        or var not in base.vars
        or base.vars[var] != spec.vars[var]
        or abs(off) <= spec.tolerance.allowed(base_params)
    ):
        return []
    multiple_of = spec.match.multiple_of if spec.match is not None else 1
    solution = solve(spec, var, base_params, CLOSEST, multiple_of)
    message = (
        f"{changes_text(base, spec, changed)} since {revision} moved the count "
        f"{base_params:,} → {tree.params:,} ({format_relative(off, base_params)})"
    )
    if solution.value is None:
        return [
            Finding(
                rules.BASE_DRIFT,
                f"{message}; no value of {var} restores it: {solution.problem}",
                location_of_var(spec, changed[0]),
            )
        ]
    message += f"; {var} {solution.value} restores {solution.params:,} ({solution.error_text})"
    return [Finding(rules.BASE_DRIFT, message, location_of_var(spec, changed[0]), suggestion=_suggestion(solution))]
