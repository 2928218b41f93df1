"""Arithmetic over vars, parsed by a small whitelist grammar and never `eval`ed.

    expression  := or ( "if" or "else" expression )?
    or          := and ( "or" and )*
    and         := not ( "and" not )*
    not         := "not" not | comparison
    comparison  := sum ( ("==" | "!=" | "<" | "<=" | ">" | ">=") sum )*
    sum         := product ( ("+" | "-") product )*
    product     := unary ( ("*" | "/" | "//" | "%") unary )*
    unary       := ("-" | "+") unary | power
    power       := atom ( "**" unary )?
    atom        := number | text | name | name "(" expression ("," expression)* ")" | "(" expression ")"
    text        := "'" characters "'"

Values are Python ints, floats and bools, and text: a param that holds
text (a config's `feed_forward_proj: gated-gelu`) may be compared (`==`,
`!=`) and tested with `startswith(name, 'gated')`, and takes part in no
arithmetic. Every operation is bounded: a
result whose magnitude passes MAX_MAGNITUDE is an error, and powers are
checked before they are computed, so `10**10**10` fails at once.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Mapping
from functools import lru_cache

from ..records import TYPE_CHECKING, NamedTuple
from . import symbolic
from .hints import did_you_mean

if TYPE_CHECKING:
    from typing import Any

Number = int | float | bool
Value = int | float | bool | str  # what a name or a literal holds: text takes part in no arithmetic

MAX_LENGTH = 1_000
MAX_NESTING = 64
MAX_MAGNITUDE = 2**100  # about 1.27e30: past any layer size, still exact for counts

_TOKEN = re.compile(
    r"\s*(?:(?P<number>(?:\d[\d_]*)?\.?\d[\d_]*(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<text>'[^'\n]*')"
    r"|(?P<op>\*\*|//|==|!=|<=|>=|[-+*/%<>(),]))"
)
_KEYWORDS = {"and", "or", "not", "if", "else", "true", "false", "True", "False"}
_COMPARISONS = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


class ExpressionError(ValueError):
    """The expression cannot be read or its value cannot be computed."""


# The syntax tree: one small class per construct (named tuples: cheap to define and to make).
class Literal(NamedTuple):
    value: Value


class Name(NamedTuple):
    name: str


class Unary(NamedTuple):
    op: str
    operand: object


class Binary(NamedTuple):
    op: str
    left: object
    right: object


class Compare(NamedTuple):
    first: object
    rest: tuple[tuple[str, object], ...]  # ((op, operand), ...)


class Call(NamedTuple):
    function: str
    arguments: tuple[object, ...]


class Conditional(NamedTuple):
    condition: object
    then: object
    otherwise: object


def _ceil(x: Number) -> int:
    return math.ceil(x)


def _floor(x: Number) -> int:
    return math.floor(x)


def _gcd(a: Number, b: Number) -> int:
    if a != int(a) or b != int(b):
        raise ValueError("gcd takes whole numbers")
    return math.gcd(int(a), int(b))


def _round(x: Number, digits: Number | None = None) -> Number:
    return round(x) if digits is None else round(x, int(digits))


def _startswith(text: object, prefix: object) -> bool:
    if not isinstance(text, str) or not isinstance(prefix, str):
        raise ExpressionError("startswith() takes two texts")
    return text.startswith(prefix)


def _is_mapping(value: object) -> bool:
    return isinstance(getattr(value, "node", value), dict)  # a var or param holding YAML keeps it as `.node`


def _count(text: object, part: object) -> int:
    if not isinstance(text, str) or not isinstance(part, str) or not part:
        raise ExpressionError("count() takes two texts, the second not empty")
    return text.count(part)


FUNCTIONS: dict[str, tuple[Callable[..., Number], int, int]] = {
    # name: (function, fewest arguments, most arguments)
    "min": (min, 1, 64),
    "max": (max, 1, 64),
    "ceil": (_ceil, 1, 1),
    "floor": (_floor, 1, 1),
    "round": (_round, 1, 2),
    "abs": (abs, 1, 1),
    "gcd": (_gcd, 2, 2),
    "len": (len, 1, 1),
    "startswith": (_startswith, 2, 2),  # of a var holding a list or a mapping (a config's id2label)
    "count": (_count, 2, 2),  # how often a text holds another (the `-` of T5's feed_forward_proj)
    "contains": (operator.contains, 2, 2),  # whether a var's list holds a value (a config's mlp_only_layers)
    # whether a var holds a mapping: a config key written (id2label: {} is 0 labels), not a list default
    "is_mapping": (_is_mapping, 1, 1),
}


@lru_cache(maxsize=4096)
def parse(text: str) -> object:
    """Parse `text` into a syntax tree, or raise ExpressionError."""
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression is longer than {MAX_LENGTH} characters")
    return _Parser(text).parse()


CONDITION_FUNCTIONS = frozenset({"startswith", "contains", "is_mapping"})


def is_condition(tree: object) -> bool:
    """Whether an expression stands for a flag (a comparison, `and`, `or`, `not`, a test such as
    startswith()) rather than a number."""
    if isinstance(tree, Compare):
        return True
    if isinstance(tree, Unary):
        return tree.op == "not"
    if isinstance(tree, Binary):
        return tree.op in ("and", "or")
    if isinstance(tree, Call):
        return tree.function in CONDITION_FUNCTIONS
    if isinstance(tree, Conditional):
        return is_condition(tree.then) and is_condition(tree.otherwise)
    return isinstance(tree, Literal) and isinstance(tree.value, bool)


def names_in(tree: object) -> set[str]:
    """The var names an expression reads."""
    if isinstance(tree, Name):
        return {tree.name}
    children: tuple[object, ...] = ()
    if isinstance(tree, Unary):
        children = (tree.operand,)
    elif isinstance(tree, Binary):
        children = (tree.left, tree.right)
    elif isinstance(tree, Compare):
        children = (tree.first, *(operand for _, operand in tree.rest))
    elif isinstance(tree, Call):
        children = tree.arguments
    elif isinstance(tree, Conditional):
        children = (tree.condition, tree.then, tree.otherwise)
    return set().union(*(names_in(child) for child in children))


def evaluate(text: str, env: Mapping[str, object]) -> Value:
    """The value of expression `text` with the vars of `env`."""
    # Most expressions are one name (a block passing on its param `c2`): its value, when it is a plain one,
    # is what the tree would give, without the tree. (A config's keys need not be names: `2` is a number,
    # whatever a key called so holds; and a keyword is no name.)
    value = env.get(text)
    if type(value) in _PLAIN and text.isascii() and text.isidentifier() and text not in _KEYWORDS:  # is_name, inline
        return value  # type: ignore[return-value]  # one of _PLAIN
    return _evaluate(parse(text), env)


def is_name(text: str) -> bool:
    """Whether `text` is a name as the grammar reads one (letters, digits and _, ASCII, not starting with a
    digit; keywords included): str's own test, without a pattern to compile."""
    return text.isascii() and text.isidentifier()


_PLAIN = frozenset((int, float, bool, str))  # exactly: a symbolic width, an int too, takes the tree's way


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = self._tokenize(text)
        self.position = 0
        self.depth = 0

    def _tokenize(self, text: str) -> list[tuple[str, str]]:
        tokens: list[tuple[str, str]] = []
        index = 0
        while index < len(text):
            if text[index:].strip() == "":
                break
            match = _TOKEN.match(text, index)
            if not match:
                raise ExpressionError(f"unexpected character {text[index:].lstrip()[0]!r} in {text!r}")
            kind = match.lastgroup or ""  # every alternative of the pattern is a named group
            tokens.append((kind, match.group(kind)))
            index = match.end()
        return tokens

    def parse(self) -> object:
        if not self.tokens:
            raise ExpressionError("empty expression")
        tree = self.expression()
        if self.position < len(self.tokens):
            raise ExpressionError(f"unexpected {self.tokens[self.position][1]!r} in {self.text!r}")
        return tree

    def peek(self) -> str | None:
        return self.tokens[self.position][1] if self.position < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        if self.position >= len(self.tokens):
            raise ExpressionError(f"{self.text!r} ends too early")
        token = self.tokens[self.position]
        self.position += 1
        return token

    def expect(self, value: str) -> None:
        _, found = self.take()
        if found != value:
            raise ExpressionError(f"expected {value!r} but found {found!r} in {self.text!r}")

    def nested(self, parse_part: Callable[[], object]) -> object:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise ExpressionError(f"expression nests deeper than {MAX_NESTING} levels")
        try:
            return parse_part()
        finally:
            self.depth -= 1

    def expression(self) -> object:
        return self.nested(self._conditional)

    def _conditional(self) -> object:
        then = self.or_()
        if self.peek() != "if":
            return then
        self.take()
        condition = self.or_()
        self.expect("else")
        return Conditional(condition, then, self.expression())

    def or_(self) -> object:
        tree = self.and_()
        while self.peek() == "or":
            self.take()
            tree = Binary("or", tree, self.and_())
        return tree

    def and_(self) -> object:
        tree = self.not_()
        while self.peek() == "and":
            self.take()
            tree = Binary("and", tree, self.not_())
        return tree

    def not_(self) -> object:
        if self.peek() == "not":
            self.take()
            return Unary("not", self.nested(self.not_))
        return self.comparison()

    def comparison(self) -> object:
        first = self.sum()
        rest = []
        while self.peek() in _COMPARISONS:
            op = self.take()[1]
            rest.append((op, self.sum()))
        return Compare(first, tuple(rest)) if rest else first

    def sum(self) -> object:
        tree = self.product()
        while self.peek() in ("+", "-"):
            op = self.take()[1]
            tree = Binary(op, tree, self.product())
        return tree

    def product(self) -> object:
        tree = self.unary()
        while self.peek() in ("*", "/", "//", "%"):
            op = self.take()[1]
            tree = Binary(op, tree, self.unary())
        return tree

    def unary(self) -> object:
        if self.peek() in ("-", "+"):
            op = self.take()[1]
            return Unary(op, self.nested(self.unary))
        return self.power()

    def power(self) -> object:
        base = self.atom()
        if self.peek() == "**":
            self.take()
            return Binary("**", base, self.nested(self.unary))
        return base

    def atom(self) -> object:
        kind, value = self.take()
        if kind == "number":
            return Literal(_number(value))
        if kind == "text":
            return Literal(value[1:-1])
        if kind == "name":
            if value in ("true", "True"):
                return Literal(True)
            if value in ("false", "False"):
                return Literal(False)
            if value in _KEYWORDS:
                raise ExpressionError(f"unexpected {value!r} in {self.text!r}")
            if self.peek() == "(":
                return self.call(value)
            return Name(value)
        if value == "(":
            tree = self.expression()
            self.expect(")")
            return tree
        raise ExpressionError(f"unexpected {value!r} in {self.text!r}")

    def call(self, function: str) -> object:
        if function not in FUNCTIONS:
            raise ExpressionError(f"unknown function {function}(){did_you_mean(function, FUNCTIONS)}")
        self.expect("(")
        arguments = [self.expression()]
        while self.peek() == ",":
            self.take()
            arguments.append(self.expression())
        self.expect(")")
        _, fewest, most = FUNCTIONS[function]
        if not fewest <= len(arguments) <= most:
            raise ExpressionError(f"{function}() takes {fewest} to {most} arguments, not {len(arguments)}")
        return Call(function, tuple(arguments))


def _number(text: str) -> Number:
    digits = text.replace("_", "")
    if len(digits) > 40:
        raise ExpressionError(f"number {text} is too long")
    if any(mark in digits for mark in ".eE"):
        return _checked(float(digits))
    return _checked(int(digits))


def _checked(value: Number) -> Number:
    if isinstance(value, float) and not math.isfinite(value):
        raise ExpressionError("the value is not a finite number")
    if abs(value) > MAX_MAGNITUDE:
        raise ExpressionError(f"the value is too large (over {float(MAX_MAGNITUDE):.3g})")
    return value


def _evaluate(tree: object, env: Mapping[str, object]) -> Value:
    if isinstance(tree, Literal):
        return tree.value
    if isinstance(tree, Name):
        return _lookup(tree.name, env)
    if isinstance(tree, Unary):
        operand = _evaluate(tree.operand, env)
        if tree.op == "not":
            return not operand
        if isinstance(operand, str):
            raise ExpressionError(f"text takes part in no arithmetic ({tree.op}{operand!r})")
        return _checked(-operand if tree.op == "-" else +operand)
    if isinstance(tree, Binary):
        return _binary(tree, env)
    if isinstance(tree, Compare):
        left = _evaluate(tree.first, env)
        for op, right_tree in tree.rest:
            right = _evaluate(right_tree, env)
            symbolic.check_operands(left, right)
            if isinstance(left, str) != isinstance(right, str) and op not in ("==", "!="):
                raise ExpressionError(f"text and a number cannot be ordered ({left!r} {op} {right!r})")
            if not _COMPARISONS[op](left, right):
                return False
            left = right
        return True
    if isinstance(tree, Conditional):
        branch = tree.then if _evaluate(tree.condition, env) else tree.otherwise
        return _evaluate(branch, env)
    assert isinstance(tree, Call)
    function = FUNCTIONS[tree.function][0]
    if function is len:
        return len(_collection(tree.arguments[0], env))
    if function is _is_mapping:
        [held] = tree.arguments
        if not isinstance(held, Name) or held.name not in env:
            raise ExpressionError("is_mapping() takes the name of a var or param")
        return _is_mapping(env[held.name])
    if function is operator.contains:
        wanted = _evaluate(tree.arguments[1], env)
        if symbolic.is_symbolic(wanted):  # a list's floats and bools would compare it by its value alone
            symbolic.escape("contains()")
        return wanted in _collection(tree.arguments[0], env, "contains")
    arguments = [_evaluate(argument, env) for argument in tree.arguments]
    symbolic.check_operands(*arguments)
    try:
        return _checked(function(*arguments))
    except (OverflowError, ValueError, TypeError) as error:
        raise ExpressionError(f"{tree.function}() failed: {error}") from None


def _lookup(name: str, env: Mapping[str, object]) -> Value:
    if name not in env:
        raise ExpressionError(f"unknown name {name!r}{did_you_mean(name, env)}")
    value = env[name]
    if value is None:
        raise ExpressionError(f"{name} has no value (null)")
    if not isinstance(value, (int, float, bool, str)):
        raise ExpressionError(f"{name} is not a number")
    return value


def _collection(tree: object, env: Mapping[str, object], function: str = "len") -> list[Any] | dict[Any, Any]:
    """The list or mapping a name holds (a var or param holding YAML keeps it as `.node`)."""
    value = env.get(tree.name) if isinstance(tree, Name) else None
    value = getattr(value, "node", value)
    if not isinstance(value, (list, dict)):
        raise ExpressionError(f"{function}() takes the name of a var or param that holds a list or a mapping")
    return value


def _binary(tree: Binary, env: Mapping[str, object]) -> Number:
    left = _evaluate(tree.left, env)
    if tree.op == "and":
        return bool(left) and bool(_evaluate(tree.right, env))
    if tree.op == "or":
        return bool(left) or bool(_evaluate(tree.right, env))
    right = _evaluate(tree.right, env)
    op = tree.op
    if isinstance(left, str) or isinstance(right, str):
        raise ExpressionError(f"text takes part in no arithmetic ({left!r} {op} {right!r}); compare it instead")
    try:
        if symbolic.is_symbolic(left) or symbolic.is_symbolic(right):
            return _checked(symbolic.operate(op, left, right))
        if op == "+":
            return _checked(left + right)
        if op == "-":
            return _checked(left - right)
        if op == "*":
            return _checked(left * right)
        if op == "/":
            return _checked(left / right)
        if op == "//":
            return _checked(left // right)
        if op == "%":
            return _checked(left % right)
        return _power(left, right)
    except ZeroDivisionError:
        raise ExpressionError(f"division by zero ({left} {op} {right})") from None
    except OverflowError:
        raise ExpressionError(f"the value of {left} {op} {right} is too large") from None


def _power(base: Number, exponent: Number) -> Number:
    # Size the result before computing it: log2|result| = exponent · log2|base|.
    if abs(base) > 1 and exponent > 0 and exponent * math.log2(abs(base)) > math.log2(MAX_MAGNITUDE):
        raise ExpressionError(f"the value of {base} ** {exponent} is too large")
    if base == 0 and exponent < 0:
        raise ExpressionError(f"division by zero (0 ** {exponent})")
    result = base**exponent
    if isinstance(result, complex):
        raise ExpressionError(f"{base} ** {exponent} is not a real number")
    return _checked(result)
