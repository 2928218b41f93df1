"""checker/records.py: the NamedTuple class statement, made without typing, makes what typing's makes."""

from __future__ import annotations

import collections
import pickle
import typing
from pathlib import Path

import pytest

from checker import records
from checker.records import NamedTuple


class Point(NamedTuple):
    """A point."""

    x: int
    y: int = 0
    label: str = "origin"
    ORIGIN_LABEL = "origin"  # not annotated: a constant, not a field

    @property
    def norm(self) -> int:
        return abs(self.x) + abs(self.y)

    def moved(self, by: int) -> Point:
        return self._replace(x=self.x + by)


class TypingPoint(typing.NamedTuple):
    x: int
    y: int = 0
    label: str = "origin"


def test_the_fields_defaults_and_body_are_typing_s():
    assert Point._fields == TypingPoint._fields == ("x", "y", "label")
    assert Point._field_defaults == TypingPoint._field_defaults == {"y": 0, "label": "origin"}
    point = Point(3)
    assert point == (3, 0, "origin") == TypingPoint(3)
    assert point.norm == 3
    assert point.moved(2) == Point(5)
    assert Point.ORIGIN_LABEL == "origin"
    assert Point.__doc__ == "A point."
    assert Point.__name__ == "Point"
    assert Point.__qualname__ == "Point"
    assert Point.__module__ == __name__


def test_the_class_is_a_plain_tuple_class():
    assert issubclass(Point, tuple)
    assert Point.__bases__ == (tuple,)
    assert type(Point) is type
    assert not hasattr(Point(1), "__dict__")  # slots, as namedtuple makes it
    assert collections.namedtuple("Point", "x y label")._fields == Point._fields


def test_instances_pickle_and_replace():
    point = Point(1, 2, "a")
    assert pickle.loads(pickle.dumps(point)) == point
    assert point._replace(label="b") == Point(1, 2, "b")
    assert point._asdict() == {"x": 1, "y": 2, "label": "a"}


def test_a_field_without_a_default_after_one_with_a_default_is_refused():
    with pytest.raises(TypeError, match="without a default follows"):

        class Wrong(NamedTuple):
            x: int = 0
            y: int


def test_every_module_that_makes_named_tuples_defers_its_annotations():
    """records reads the field names from `__annotations__`, which Python 3.14 fills only under the future
    import (else it defers annotations into a function)."""
    checker = Path(records.__file__).parent
    making = [path for path in checker.rglob("*.py") if "(NamedTuple):" in path.read_text(encoding="utf-8")]
    assert len(making) > 10
    assert [path for path in making if "from __future__ import annotations" not in path.read_text()] == []


def test_construction_takes_arguments_as_a_function_with_the_fields_as_parameters():
    assert Point(1, 2) == Point(x=1, y=2) == Point(1, y=2) == Point(y=2, x=1) == (1, 2, "origin")
    assert Point._make([1, 2, "a"]) == (1, 2, "a")
    for wrong in ({"z": 1}, {"y": 1}):
        with pytest.raises(TypeError, match=r"Point|__new__"):
            Point(**wrong)  # an unknown field; a field without a default left out
    with pytest.raises(TypeError):
        Point(1, x=1)  # a field given twice
    with pytest.raises(TypeError):
        Point._make([1, 2])
    with pytest.raises(ValueError, match="no field 'z'"):
        Point(1)._replace(z=1)
    assert repr(Point(1)) == repr(TypingPoint(1)).replace("TypingPoint", "Point") == "Point(x=1, y=0, label='origin')"


def test_classes_with_the_same_number_of_fields_keep_their_own_names_and_defaults():
    class Pair(NamedTuple):
        left: int
        right: int = 5

    class Other(NamedTuple):
        first: str
        second: str

    assert Pair(left=1) == (1, 5) and Other(second="b", first="a") == ("a", "b")
    with pytest.raises(TypeError):
        Other("a")  # Pair's default is Pair's alone
    assert (Pair(1).left, Other("a", "b").second) == (1, "b")

    class Empty(NamedTuple):
        pass

    assert Empty() == () and Empty._fields == ()
