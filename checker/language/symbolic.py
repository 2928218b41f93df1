"""Symbolic widths: a spec counted once with its width left open, its count a function of the width.

A Symbolic is an int: its value is the width the spec is counted at (w0), so
every piece of code that only looks at the value runs exactly as in a plain
count. It also carries how that value follows from the width: a polynomial
with integer coefficients in the width and in *atoms*, the floor divisions met
on the way (`width // n_head` is the atom floor(width / n_head), a variable of
its own, so that the division stays exact at every width). `+`, `-`, `*`,
`//`, `%`, negation, `abs`, `sum()` and `math.prod` follow the polynomial.

Every comparison and truth test (`==`, `<`, `max`, `if`, sorting) answers for
w0 and is recorded in the count's Trace as a branch condition: a polynomial,
and the signs it may take for the same answer. Everything else that reads the
value (int(), hashing, text, floats, `/`, `**`, an int's other methods) raises
Escape, so that the caller counts width by width instead: a count that cannot
be followed is never followed silently.

Why it is sound: if the count completes, then at any width where every
recorded condition gives the same answer, the count takes the same steps on
values given by the same polynomials, so its result there is its polynomial's
value there (Trace.holds, Trace.value). The code that runs a count with a
Symbolic must not read its value behind these methods' back: C functions that
take an int's value directly (range(), slicing, indexing, a float on the
left of an operation) are guarded where counting could meet them (see `plain`
and `operate`).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable

from ..records import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any, NoReturn

Monomial = tuple[int, ...]  # exponents of (the width, atom 1, atom 2, ...), without trailing zeros
Polynomial = dict[Monomial, int]  # monomial -> integer coefficient; never holds a zero coefficient
Key = tuple[tuple[Monomial, int], ...]  # a polynomial as a hashable value

NEGATIVE, ZERO, POSITIVE = 1, 2, 4  # the signs a condition allows, as bits
MAX_ATOMS = 1_000  # floor divisions one count may meet: each is worked out again at every width tried
MAX_CONDITIONS = 100_000


class Escape(Exception):
    """A count did something with a symbolic width that cannot be followed exactly: count value by value.
    Not a ValueError or TypeError, so that no handler of the count's own errors takes it for one."""


def escape(what: str) -> NoReturn:
    raise Escape(f"a symbolic width cannot follow {what}")


# ------------------------------------------------------------ polynomials
def _add_term(polynomial: Polynomial, monomial: Monomial, coefficient: int) -> None:
    total = polynomial.get(monomial, 0) + coefficient
    if total:
        polynomial[monomial] = total
    else:
        polynomial.pop(monomial, None)


def _sum(p: Polynomial, q: Polynomial, sign: int = 1) -> Polynomial:
    result = dict(p)
    for monomial, coefficient in q.items():
        _add_term(result, monomial, sign * coefficient)
    return result


def _times_monomial(a: Monomial, b: Monomial) -> Monomial:
    if len(a) == 1 == len(b):  # powers of the width alone: most of them
        return (a[0] + b[0],)
    if len(a) < len(b):
        a, b = b, a
    return tuple(x + y for x, y in zip(a, b + (0,) * (len(a) - len(b)), strict=True))


def _product(p: Polynomial, q: Polynomial) -> Polynomial:
    result: Polynomial = {}
    for m1, c1 in p.items():
        for m2, c2 in q.items():
            _add_term(result, _times_monomial(m1, m2), c1 * c2)
    return result


def _constant(value: int) -> Polynomial:
    return {(): value} if value else {}


def _key(p: Polynomial) -> Key:
    return tuple(sorted(p.items()))


def _at(p: Polynomial, point: list[int]) -> int:
    """The polynomial's value where the width and the atoms take the values of `point`."""
    total = 0
    for monomial, coefficient in p.items():
        term = coefficient
        for variable, exponent in enumerate(monomial):
            if exponent:
                term *= point[variable] ** exponent
        total += term
    return total


def _sign(value: int) -> int:
    return NEGATIVE if value < 0 else ZERO if value == 0 else POSITIVE


# ------------------------------------------------------------ the trace
class Trace:
    """What one symbolic count recorded: its atoms (floor divisions) and its branch conditions."""

    def __init__(self) -> None:
        self.atoms: list[tuple[Polynomial, Polynomial]] = []  # (numerator, divisor), in the order met
        self._atom_numbers: dict[tuple[Key, Key], int] = {}
        self.conditions: dict[Key, tuple[Polynomial, int]] = {}  # polynomial -> (it, the signs it may take)
        self._bounds: dict[tuple[tuple[str, Key], int], int] = {}  # (a symbolic's key, a constant) -> signs recorded

    def width(self, value: int) -> Symbolic:
        """The width itself, at `value`."""
        return Symbolic(value, {(1,): 1}, self)

    def point(self, width: int) -> list[int] | None:
        """The values of the width and of every atom at `width`; None where a divisor is 0 there."""
        point = [width]
        for numerator, divisor in self.atoms:
            below = _at(divisor, point)
            if below == 0:
                return None
            point.append(_at(numerator, point) // below)
        return point

    def holds(self, point: list[int]) -> bool:
        """Whether every recorded condition gives at `point` the answer it gave when counted."""
        return all(_sign(_at(polynomial, point)) & signs for polynomial, signs in self.conditions.values())

    @staticmethod
    def value(result: int, point: list[int]) -> int:
        """A result of the count (a Symbolic, or an int that did not depend on the width) at `point`."""
        return _at(result.polynomial, point) if isinstance(result, Symbolic) else result

    def _atom(self, numerator: Polynomial, divisor: Polynomial) -> Monomial:
        key = (_key(numerator), _key(divisor))
        number = self._atom_numbers.get(key)
        if number is None:
            if len(self.atoms) >= MAX_ATOMS:
                escape(f"more than {MAX_ATOMS} floor divisions")
            self.atoms.append((numerator, divisor))
            number = self._atom_numbers[key] = len(self.atoms)
        return (0,) * number + (1,)

    def _record_bound(self, value: Symbolic, bound: int, signs: int) -> None:
        """Record the signs `value - bound` may take; a comparison made before costs a lookup."""
        seen = (value.key, bound)
        if self._bounds.get(seen) == signs:
            return
        self._bounds[seen] = signs
        self._record(_sum(value.polynomial, _constant(-bound)), signs)

    def _record(self, polynomial: Polynomial, signs: int) -> None:
        if not polynomial or list(polynomial) == [()]:
            return  # a constant: the same answer at every width
        key = _key(polynomial)
        if key[-1][1] < 0:  # p and -p are one condition: keep the one whose last coefficient is positive
            polynomial = {monomial: -coefficient for monomial, coefficient in polynomial.items()}
            key = _key(polynomial)
            signs = (signs & ZERO) | (NEGATIVE if signs & POSITIVE else 0) | (POSITIVE if signs & NEGATIVE else 0)
        known = self.conditions.get(key)
        if known is not None:
            signs &= known[1]
        elif len(self.conditions) >= MAX_CONDITIONS:
            escape(f"more than {MAX_CONDITIONS} branches")
        self.conditions[key] = (polynomial, signs)


# ------------------------------------------------------------ the symbolic int
_COMPARISONS: dict[str, int] = {  # the signs of (left - right) for which each comparison holds
    "<": NEGATIVE,
    "<=": NEGATIVE | ZERO,
    "==": ZERO,
    "!=": NEGATIVE | POSITIVE,
    ">=": ZERO | POSITIVE,
    ">": POSITIVE,
}


def _comparison(op: str) -> Callable[[Symbolic, object], Any]:
    def compare(self: Symbolic, other: object) -> Any:
        try:
            return self._compare(other, op)
        except TypeError:
            return NotImplemented  # text, None...: an answer that does not depend on the value

    return compare


class Symbolic(int):
    """An int whose value is the width's at w0 and which knows its polynomial (see the module's docstring)."""

    polynomial: Polynomial
    trace: Trace
    value: int

    def __new__(cls, value: int, polynomial: Polynomial, trace: Trace) -> Symbolic:
        made = int.__new__(cls, value)
        made.__dict__.update(polynomial=polynomial, trace=trace, value=value)
        return made

    @property
    def key(self) -> tuple[str, Key]:
        """A hashable stand-in for memo keys: equal only for the same polynomial, equal at every width."""
        known: tuple[str, Key] | None = self.__dict__.get("_key")
        if known is None:
            known = self.__dict__["_key"] = ("symbolic", _key(self.polynomial))
        return known

    # Operands: ints (and bools) are constants; another trace's symbolic, a float or anything else escapes.
    def _lift(self, other: object) -> tuple[Polynomial, int]:
        if isinstance(other, Symbolic):
            if other.trace is not self.trace:
                escape("two counts at once")
            return other.polynomial, other.value
        if isinstance(other, int):
            plain = operator.index(other) if type(other) is not int else other
            return _constant(int(plain)), int(plain)
        escape(f"arithmetic with {type(other).__name__}")

    def _made(self, value: int, polynomial: Polynomial) -> int:
        if len(polynomial) > 1 or (polynomial and () not in polynomial):
            return Symbolic(value, polynomial, self.trace)
        return value  # no longer depends on the width

    def __add__(self, other: object) -> int:
        if type(other) is int:  # a constant: the quick way, for sums and sizes
            if other == 0:
                return self
            return Symbolic(self.value + other, _sum(self.polynomial, {(): other}), self.trace)
        p, v = self._lift(other)
        return self._made(self.value + v, _sum(self.polynomial, p))

    __radd__ = __add__

    def __sub__(self, other: object) -> int:
        if type(other) is int:
            return self + -other
        p, v = self._lift(other)
        return self._made(self.value - v, _sum(self.polynomial, p, -1))

    def __rsub__(self, other: object) -> int:
        p, v = self._lift(other)
        return self._made(v - self.value, _sum(p, self.polynomial, -1))

    def __mul__(self, other: object) -> int:
        if type(other) is int:  # a constant: the quick way, for copies and shapes
            if other == 0 or other == 1:
                return self if other else 0
            return Symbolic(self.value * other, {m: c * other for m, c in self.polynomial.items()}, self.trace)
        p, v = self._lift(other)
        return self._made(self.value * v, _product(self.polynomial, p))

    __rmul__ = __mul__

    def __neg__(self) -> int:
        return self._made(-self.value, {monomial: -c for monomial, c in self.polynomial.items()})

    def __pos__(self) -> int:
        return self

    def __abs__(self) -> int:
        return self if self >= 0 else -self

    def __floor__(self) -> int:
        return self

    __ceil__ = __trunc__ = __floor__

    def __round__(self, digits: object = None) -> int:
        if digits is None or (type(digits) is int and digits >= 0):
            return self
        escape("round() to tens or more")

    # Floor division: exact when the divisor is a constant that divides every coefficient past the
    # constant term; otherwise an atom, worked out again at each width.
    def _divided(self, numerator: tuple[Polynomial, int], divisor: tuple[Polynomial, int]) -> tuple[int, int]:
        (top, top_value), (bottom, bottom_value) = numerator, divisor
        self.trace._record(bottom, ZERO if bottom_value == 0 else NEGATIVE | POSITIVE)  # whether it raises
        quotient_value, remainder_value = divmod(top_value, bottom_value)  # ZeroDivisionError as for an int
        if list(bottom) == [()] and all(c % bottom_value == 0 for m, c in top.items() if m):
            quotient = {m: c // bottom_value for m, c in top.items() if m}
            quotient = _sum(quotient, _constant(top.get((), 0) // bottom_value))
        else:
            quotient = {self.trace._atom(top, bottom): 1}
        remainder = _sum(top, _product(bottom, quotient), -1)
        return self._made(quotient_value, quotient), self._made(remainder_value, remainder)

    def __floordiv__(self, other: object) -> int:
        return self._divided((self.polynomial, self.value), self._lift(other))[0]

    def __rfloordiv__(self, other: object) -> int:
        return self._divided(self._lift(other), (self.polynomial, self.value))[0]

    def __mod__(self, other: object) -> int:
        return self._divided((self.polynomial, self.value), self._lift(other))[1]

    def __rmod__(self, other: object) -> int:
        return self._divided(self._lift(other), (self.polynomial, self.value))[1]

    def __divmod__(self, other: object) -> tuple[int, int]:
        return self._divided((self.polynomial, self.value), self._lift(other))

    def __rdivmod__(self, other: object) -> tuple[int, int]:
        return self._divided(self._lift(other), (self.polynomial, self.value))

    # Comparisons answer for w0 and record why.
    def _compare(self, other: object, op: str) -> bool:
        if isinstance(other, float):
            if not math.isfinite(other):
                escape("a comparison with an infinite number")
            numerator, denominator = other.as_integer_ratio()  # exact: p < n/d is d·p < n, in integers
            p = _sum({m: c * denominator for m, c in self.polynomial.items()}, _constant(-numerator))
            difference = self.value * denominator - numerator
        elif type(other) is int:  # against a constant, the usual case (`size >= 0`): recorded once
            holds = bool(_sign(self.value - other) & _COMPARISONS[op])
            signs = _COMPARISONS[op] if holds else 7 & ~_COMPARISONS[op]
            self.trace._record_bound(self, other, signs)
            return holds
        elif isinstance(other, int):
            other_polynomial, other_value = self._lift(other)
            p, difference = _sum(self.polynomial, other_polynomial, -1), self.value - other_value
        else:
            raise TypeError  # turned into NotImplemented by the callers below
        holds = bool(_sign(difference) & _COMPARISONS[op])
        self.trace._record(p, _COMPARISONS[op] if holds else 7 & ~_COMPARISONS[op])
        return holds

    __lt__, __le__, __eq__ = _comparison("<"), _comparison("<="), _comparison("==")
    __ne__, __ge__, __gt__ = _comparison("!="), _comparison(">="), _comparison(">")

    def __bool__(self) -> bool:
        return self._compare(0, "!=")

    def __hash__(self) -> int:
        escape("hashing (a key of a dict or a set); use `key_of`")


def _escaping(name: str) -> Any:
    def refuse(*args: object, **kwargs: object) -> NoReturn:
        escape(f"int.{name}")

    if isinstance(getattr(int, name), type(int.real)):  # real, imag, numerator, denominator
        return property(refuse)
    return refuse


# Whatever else an int can do reads the value without the polynomial: int(), float(), str(), format(),
# `/`, `**`, bit operations, to_bytes, numerator (Fraction)... All of it escapes.
_HARMLESS = {
    "__class__",
    "__delattr__",
    "__dir__",
    "__doc__",
    "__getattribute__",
    "__init__",
    "__init_subclass__",
    "__new__",
    "__setattr__",
    "__sizeof__",
    "__subclasshook__",
}
for _name in dir(int):
    if _name not in Symbolic.__dict__ and _name not in _HARMLESS:
        setattr(Symbolic, _name, _escaping(_name))


# ------------------------------------------------------------ what counting uses
def is_symbolic(value: object) -> bool:
    return isinstance(value, Symbolic)


def plain(value: int) -> int:
    """`value` where code reads an int's value directly (range(), an index): a symbolic width escapes."""
    if isinstance(value, Symbolic):
        escape("a value read directly (range, an index)")
    return value


def key_of(value: Symbolic) -> tuple[str, Key]:
    return value.key


_ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "//": operator.floordiv,
    "%": operator.mod,
}


def operate(op: str, left: object, right: object) -> Any:
    """`left op right` where either is symbolic, as the expression evaluator computes it: with another
    int only (a float or a bool on the left would take the value without the polynomial), and only
    the operations a polynomial follows."""
    check_operands(left, right)
    if op not in _ARITHMETIC:
        escape(f"the operation {op}")
    return _ARITHMETIC[op](left, right)


def check_operands(*values: object) -> None:
    """When a symbolic is among `values`, every other one must be a plain int or a symbolic too."""
    if any(isinstance(value, Symbolic) for value in values) and not all(
        type(value) is int or isinstance(value, Symbolic) for value in values
    ):
        escape("a symbolic width beside a float, a bool or text")
