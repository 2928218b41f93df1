"""NamedTuple without typing, and without compiling code: the class statement, made cheaply.

Importing typing costs a run about 4 ms, a tenth of `python -c "import yaml"`,
and the checker needs nothing from it at run time but the NamedTuple class
statement: every other name typing gives is for annotations, which
`from __future__ import annotations` leaves unevaluated. So modules import
NamedTuple and TYPE_CHECKING from here, and the rest of typing under
`if TYPE_CHECKING:`.

For mypy, NamedTuple is typing's. When the program runs, the same class
statement makes a tuple class as typing's (and collections.namedtuple) does:
the annotated names are the fields in order, a value given in the body is
that field's default (only the last fields may have one), and the rest of
the body (docstring, methods, properties, constants) is kept on the class.
The annotations stay text: nothing reads them.

collections.namedtuple compiles a `__new__` from source for every class: 0.4
ms each, and a run makes some fifty classes, a fifth of the floor. Here one
`__new__` is compiled for each number of fields (thirteen numbers among those
fifty), and each class takes a copy with its own parameter names; the other
methods are written once below, for every class.
"""

TYPE_CHECKING = False  # mypy takes any `if TYPE_CHECKING:` as true: it alone imports what such a block holds

if TYPE_CHECKING:
    from typing import NamedTuple as NamedTuple
else:
    from collections import _tuplegetter  # the field accessors collections.namedtuple makes (C code)
    from functools import cache
    from types import FunctionType

    _NOT_COPIED = frozenset({"__annotations__", "__module__", "__qualname__"})
    _tuple_new = tuple.__new__

    @cache
    def _new_template(arity):
        """`__new__` for a tuple of `arity` fields, its parameters named _0, _1, ...: compiled once for each
        number of fields; each class renames the parameters to its fields (code.replace). The text is made of
        numbered names alone, as collections.namedtuple makes its own: nothing read from a file reaches it."""
        names = "".join(f"_{index}, " for index in range(arity))
        return eval(f"lambda _cls, {names}: _tuple_new(_cls, ({names}))", {"_tuple_new": _tuple_new})

    def _new(name, fields, defaults):
        template = _new_template(len(fields))
        named = {"co_varnames": ("_cls", *fields), "co_name": "__new__"}
        if hasattr(template.__code__, "co_qualname"):  # Python 3.11+: what a wrong call's message names
            named["co_qualname"] = f"{name}.__new__"
        code = template.__code__.replace(**named)
        return FunctionType(code, template.__globals__, "__new__", tuple(defaults) or None)

    def _make(cls, iterable):
        made = _tuple_new(cls, iterable)
        if len(made) != len(cls._fields):
            raise TypeError(f"{cls.__name__} takes {len(cls._fields)} values, got {len(made)}")
        return made

    def _replace(self, /, **changes):
        made = _tuple_new(type(self), map(changes.pop, self._fields, self))  # one value per field: no check
        if changes:
            raise ValueError(f"{type(self).__name__} has no field {next(iter(changes))!r}")
        return made

    def _asdict(self):
        return dict(zip(self._fields, self, strict=True))

    def _repr(self):
        shown = ", ".join(f"{field}={value!r}" for field, value in zip(self._fields, self, strict=True))
        return f"{type(self).__name__}({shown})"

    def _getnewargs(self):
        return tuple(self)

    class _MakesNamedTuple(type):
        def __new__(cls, name, bases, namespace):
            if not bases:  # NamedTuple itself
                return super().__new__(cls, name, bases, namespace)
            if "__annotations__" not in namespace and "__annotate__" in namespace:
                # Python 3.14 defers annotations into a function unless the module defers them as text.
                raise TypeError(f"{name}: its module needs `from __future__ import annotations`")
            fields = tuple(namespace.get("__annotations__", {}))
            defaults = [namespace[field] for field in fields if field in namespace]
            required = len(fields) - len(defaults)
            if any(field not in namespace for field in fields[required:]):
                raise TypeError(f"{name}: a field without a default follows one with a default")
            body = {
                "__doc__": f"{name}({', '.join(fields)})",
                "__slots__": (),
                "_fields": fields,
                "_field_defaults": dict(zip(fields[required:], defaults, strict=True)),
                "__match_args__": fields,
                "__new__": _new(name, fields, defaults),
                "_make": classmethod(_make),
                "_replace": _replace,
                "_asdict": _asdict,
                "__repr__": _repr,
                "__getnewargs__": _getnewargs,
                **{field: _tuplegetter(index, f"Alias for field number {index}") for index, field in enumerate(fields)},
                **{key: value for key, value in namespace.items() if key not in _NOT_COPIED and key not in fields},
                "__module__": namespace["__module__"],
                "__qualname__": namespace["__qualname__"],
            }
            return type(name, (tuple,), body)

    class NamedTuple(metaclass=_MakesNamedTuple):
        """Subclass it as typing.NamedTuple: the class made is a plain tuple class, as typing's is."""
