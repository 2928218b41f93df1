"""NamedTuple without typing: the one thing budget-check takes from typing when it runs.

Importing typing costs a run about 4 ms, a tenth of `python -c "import yaml"`,
and the checker needs nothing from it at run time but the NamedTuple class
statement: every other name typing gives is for annotations, which
`from __future__ import annotations` leaves unevaluated. So modules import
NamedTuple and TYPE_CHECKING from here, and the rest of typing under
`if TYPE_CHECKING:`.

For mypy, NamedTuple is typing's. When the program runs, the same class
statement makes a collections.namedtuple, as typing's does: the annotated
names are the fields in order, a value given in the body is that field's
default (only the last fields may have one), and the rest of the body
(docstring, methods, properties, constants) is kept on the class. The
annotations stay text: nothing reads them.
"""

import collections

TYPE_CHECKING = False  # mypy takes any `if TYPE_CHECKING:` as true: it alone imports what such a block holds

if TYPE_CHECKING:
    from typing import NamedTuple as NamedTuple
else:
    _NOT_COPIED = frozenset({"__annotations__", "__module__", "__qualname__"})

    class _MakesNamedTuple(type):
        def __new__(cls, name, bases, namespace):
            if not bases:  # NamedTuple itself
                return super().__new__(cls, name, bases, namespace)
            if "__annotations__" not in namespace and "__annotate__" in namespace:
                # Python 3.14 defers annotations into a function unless the module defers them as text.
                raise TypeError(f"{name}: its module needs `from __future__ import annotations`")
            fields = list(namespace.get("__annotations__", {}))
            defaults = [namespace[field] for field in fields if field in namespace]
            if any(field not in namespace for field in fields[len(fields) - len(defaults) :]):
                raise TypeError(f"{name}: a field without a default follows one with a default")
            made = collections.namedtuple(name, fields, defaults=defaults, module=namespace["__module__"])
            made.__qualname__ = namespace["__qualname__"]
            for key, value in namespace.items():
                if key not in _NOT_COPIED and key not in fields:
                    setattr(made, key, value)
            return made

    class NamedTuple(metaclass=_MakesNamedTuple):
        """Subclass it as typing.NamedTuple: the class made is a collections.namedtuple."""
