"""Validation of arguments at the public boundary of every engine, in the style of scikit-learn's
``validate_params``: each public function declares one constraint per parameter, and
:func:`validate_params` checks the arguments of every call against them before any work is done.

A constraint is a callable ``constraint(value, name) -> value`` that returns the value in its
normal form (``int`` for integers, ``float`` for reals, a NumPy array for arrays) or raises
:class:`likvard.errors.ParameterError` with a Swedish sentence naming the parameter, what was
expected and what was given. Options are keyword-only; allowed strings are ``Literal`` types
(:func:`options_of`). Relations between parameters (an index below the number of schools, two
arrays of the same length) are checked inside the function with the helpers at the end of this
module, before any array reaches a compiled kernel.
"""

from __future__ import annotations

import functools
import inspect
import math
import numbers
import typing
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from likvard.errors import ParameterError

F = TypeVar("F", bound=Callable[..., Any])

__all__ = [
    "AnyValue",
    "ArgumentError",
    "Array",
    "Boolean",
    "CountTable",
    "Frame",
    "Function",
    "InstanceOf",
    "Integer",
    "Level",
    "LogBase",
    "Mapping",
    "Nullable",
    "Options",
    "Real",
    "Replications",
    "Seed",
    "SeriesOrArray",
    "check_index_values",
    "check_length",
    "describe",
    "options_of",
    "validate_params",
]


class ArgumentError(ParameterError, TypeError):
    """A call with an argument the function does not take, or without one it needs."""


def describe(value: object, limit: int = 60) -> str:
    """Short text of a value for a message (long values cut, arrays by shape)."""
    if isinstance(value, np.ndarray):
        return f"en array med formen {value.shape} ({value.dtype})"
    if isinstance(value, pd.DataFrame):
        return f"en tabell med {value.shape[0]} rader och {value.shape[1]} kolumner"
    if isinstance(value, pd.Series):
        return f"en serie med {len(value)} värden"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _fail(name: str, expected: str, value: object) -> ParameterError:
    return ParameterError(name, f"väntade {expected}, fick {describe(value)}.")


class Integer:
    """An integer in [``min``, ``max``] (bounds optional); integral floats such as 200.0 are
    accepted and returned as ``int``, booleans are not."""

    def __init__(self, min: int | None = None, max: int | None = None) -> None:
        self.min, self.max = min, max

    @property
    def expected(self) -> str:
        if self.min is not None and self.max is not None:
            return f"ett heltal från {self.min} till {self.max}"
        if self.min is not None:
            return f"ett heltal ≥ {self.min}"
        if self.max is not None:
            return f"ett heltal ≤ {self.max}"
        return "ett heltal"

    def __call__(self, value: object, name: str) -> int:
        if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
            raise _fail(name, self.expected, value)
        if isinstance(value, numbers.Integral):
            number = int(value)
        else:
            f = float(value)
            if not math.isfinite(f) or f != math.floor(f):
                raise _fail(name, self.expected, value)
            number = int(f)
        if (self.min is not None and number < self.min) or (self.max is not None and number > self.max):
            raise _fail(name, self.expected, value)
        return number


class Real:
    """A finite real number within the bounds; ``*_open`` excludes the bound itself."""

    def __init__(
        self,
        min: float | None = None,
        max: float | None = None,
        *,
        min_open: bool = False,
        max_open: bool = False,
        allow_infinite: bool = False,
    ) -> None:
        self.min, self.max = min, max
        self.min_open, self.max_open = min_open, max_open
        self.allow_infinite = allow_infinite

    @property
    def expected(self) -> str:
        lo = None if self.min is None else ("> " if self.min_open else "≥ ") + f"{self.min:g}"
        hi = None if self.max is None else ("< " if self.max_open else "≤ ") + f"{self.max:g}"
        bounds = " och ".join(b for b in (lo, hi) if b)
        return "ett tal" + (f" {bounds}" if bounds else "")

    def __call__(self, value: object, name: str) -> float:
        if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
            raise _fail(name, self.expected, value)
        f = float(value)
        if math.isnan(f) or (math.isinf(f) and not self.allow_infinite):
            raise _fail(name, self.expected, value)
        if self.min is not None and (f < self.min or (self.min_open and f == self.min)):
            raise _fail(name, self.expected, value)
        if self.max is not None and (f > self.max or (self.max_open and f == self.max)):
            raise _fail(name, self.expected, value)
        return f


class Level(Real):
    """An interval level: a share strictly between 0 and 1 (0.90, not 90)."""

    def __init__(self) -> None:
        super().__init__(0.0, 1.0, min_open=True, max_open=True)

    def __call__(self, value: object, name: str) -> float:
        try:
            return super().__call__(value, name)
        except ParameterError:
            if isinstance(value, numbers.Real) and not isinstance(value, bool) and 1 < float(value) < 100:
                raise ParameterError(
                    name,
                    f"nivån anges som en andel mellan 0 och 1, t.ex. {float(value) / 100:g} "
                    f"för {float(value):g} %, inte {describe(value)}.",
                ) from None
            raise ParameterError(
                name, f"väntade en nivå mellan 0 och 1 (t.ex. 0.90), fick {describe(value)}."
            ) from None


MAX_REPLICATIONS = 1_000_000


class Replications(Integer):
    """A number of replications: an integer from ``min`` to 1,000,000."""

    def __init__(self, min: int = 1) -> None:
        super().__init__(min=min, max=MAX_REPLICATIONS)


class Seed(Integer):
    """A seed for ``numpy.random.SeedSequence``: an integer ≥ 0."""

    def __init__(self) -> None:
        super().__init__(min=0)


class LogBase(Real):
    """The base of a logarithm: a number > 0 other than 1 (e for nats, 2 for bits)."""

    def __init__(self) -> None:
        super().__init__(0.0, None, min_open=True)

    def __call__(self, value: object, name: str) -> float:
        f = super().__call__(value, name)
        if f == 1.0:
            raise ParameterError(name, "logaritmens bas kan inte vara 1; använd e (nat) eller 2 (bit).")
        return f


class Options:
    """One of a fixed set of strings."""

    def __init__(self, values: Iterable[str]) -> None:
        self.values = tuple(values)

    def __call__(self, value: object, name: str) -> str:
        if not isinstance(value, str) or value not in self.values:
            allowed = ", ".join(repr(v) for v in self.values)
            raise ParameterError(name, f"tillåtna värden är {allowed}; fick {describe(value)}.")
        return value


def options_of(literal: object) -> Options:
    """The ``Options`` constraint of a ``Literal[...]`` type."""
    values = typing.get_args(literal)
    if not values or not all(isinstance(v, str) for v in values):
        raise TypeError(f"{literal!r} is not a Literal of strings")
    return Options(values)


class Boolean:
    """True or False (NumPy booleans accepted)."""

    def __call__(self, value: object, name: str) -> bool:
        if not isinstance(value, bool | np.bool_):
            raise _fail(name, "True eller False", value)
        return bool(value)


class Function:
    """Something that can be called (a function, a method, a callable object)."""

    def __call__(self, value: object, name: str) -> object:
        if not callable(value):
            raise _fail(name, "en funktion", value)
        return value


class AnyValue:
    """Anything (for parameters checked inside the function)."""

    def __call__(self, value: object, name: str) -> object:
        return value


class Nullable:
    """None, or a value that satisfies ``constraint``."""

    def __init__(self, constraint: Callable[[Any, str], Any]) -> None:
        self.constraint = constraint

    def __call__(self, value: object, name: str) -> object:
        return None if value is None else self.constraint(value, name)


class InstanceOf:
    """An instance of one of ``types``; ``expected`` says what in Swedish."""

    def __init__(self, types: type | tuple[type, ...], expected: str) -> None:
        self.types, self.expected = types, expected

    def __call__(self, value: object, name: str) -> object:
        if not isinstance(value, self.types):
            raise _fail(name, self.expected, value)
        return value


class Mapping:
    """A dict from strings to finite numbers (e.g. coefficients by feature name)."""

    def __call__(self, value: object, name: str) -> dict[str, float]:
        if not isinstance(value, dict):
            raise _fail(name, "en ordlista från namn till tal", value)
        out: dict[str, float] = {}
        for key, v in value.items():
            if not isinstance(key, str):
                raise ParameterError(name, f"nyckeln {describe(key)} är inte ett namn.")
            out[key] = Real()(v, f"{name}[{key!r}]")
        return out


class Frame:
    """A pandas DataFrame with (at least) the ``columns``; ``min_rows`` rows or more."""

    def __init__(self, columns: Sequence[str] = (), min_rows: int = 0, expected: str = "en tabell") -> None:
        self.columns, self.min_rows, self.expected = tuple(columns), min_rows, expected

    def __call__(self, value: object, name: str) -> pd.DataFrame:
        if not isinstance(value, pd.DataFrame):
            raise _fail(name, f"{self.expected} (pandas DataFrame)", value)
        missing = [c for c in self.columns if c not in value.columns]
        if missing:
            raise ParameterError(
                name,
                f"kolumnen {missing[0]!r} saknas" if len(missing) == 1 else
                f"kolumnerna {', '.join(repr(c) for c in missing)} saknas",
            )
        if len(value) < self.min_rows:
            raise ParameterError(name, f"tabellen har {len(value)} rader; minst {self.min_rows} behövs.")
        return value


class CountTable:
    """A count table: a DataFrame (rows = school units, columns = groups) of finite non-negative
    numbers, with at least one group column. Returned unchanged (``count_array`` converts it)."""

    def __call__(self, value: object, name: str) -> pd.DataFrame:
        if not isinstance(value, pd.DataFrame):
            raise _fail(name, "en tabell med antal (rader = skolenheter, kolumner = grupper)", value)
        if value.shape[1] == 0:
            raise ParameterError(name, "tabellen har inga gruppkolumner.")
        return value


class SeriesOrArray:
    """A pandas Series or a one-dimensional array-like (returned unchanged)."""

    def __call__(self, value: object, name: str) -> object:
        if isinstance(value, pd.Series):
            return value
        arr = np.asarray(value, dtype=object) if not isinstance(value, np.ndarray) else value
        if arr.ndim != 1:
            raise _fail(name, "en serie eller en endimensionell lista", value)
        return value


_KIND_TEXT = {"i": "heltal", "f": "tal", "b": "sanningsvärden (True/False)"}


class Array:
    """An array-like of ``ndim`` dimensions converted to ``dtype``: kind ``"i"`` (integers; floats
    only when integral), ``"f"`` (finite reals unless ``allow_nan``) or ``"b"`` (booleans)."""

    def __init__(self, ndim: int, kind: str, *, dtype: Any = None, allow_nan: bool = False) -> None:
        self.ndim, self.kind, self.allow_nan = ndim, kind, allow_nan
        self.dtype = dtype or {"i": np.int64, "f": np.float64, "b": np.bool_}[kind]

    def __call__(self, value: object, name: str) -> np.ndarray:
        expected = f"en {self.ndim}-dimensionell array med {_KIND_TEXT[self.kind]}"
        if isinstance(value, pd.DataFrame | pd.Series):
            value = value.to_numpy()
        try:
            arr = np.asarray(value)
        except (TypeError, ValueError):
            raise _fail(name, expected, value) from None
        if arr.ndim != self.ndim:
            raise _fail(name, expected, arr if arr.ndim else value)
        if self.kind == "b":
            if arr.dtype.kind != "b":
                raise _fail(name, expected, arr)
            return np.ascontiguousarray(arr, dtype=self.dtype)
        if arr.dtype.kind not in "iuf" or arr.dtype.kind == "b":
            raise _fail(name, expected, arr)
        if self.kind == "i":
            if arr.dtype.kind == "f":
                bad = ~np.isfinite(arr) | (arr != np.floor(arr))
                if bad.any():
                    pos = tuple(int(p) for p in np.argwhere(bad)[0])
                    raise ParameterError(name, f"värdet {arr[pos]!r} på plats {_pos(pos)} är inte ett heltal.")
            info = np.iinfo(self.dtype)
            if arr.size and (arr.min() < info.min or arr.max() > info.max):
                raise ParameterError(name, f"värdena måste ligga mellan {info.min} och {info.max}.")
            return np.ascontiguousarray(arr, dtype=self.dtype)
        out = np.ascontiguousarray(arr, dtype=self.dtype)
        bad = np.isinf(out) | (np.isnan(out) if not self.allow_nan else False)
        if np.any(bad):
            pos = tuple(int(p) for p in np.argwhere(bad)[0])
            raise ParameterError(name, f"värdet {out[pos]!r} på plats {_pos(pos)} är inte ett ändligt tal.")
        return out


def _pos(pos: tuple[int, ...]) -> str:
    return str(pos[0]) if len(pos) == 1 else "(" + ", ".join(str(p) for p in pos) + ")"


def check_length(name: str, value: Any, expected: int, what: str) -> None:
    """Raise unless ``len(value) == expected`` (``what``: e.g. "en per elev")."""
    if len(value) != expected:
        raise ParameterError(name, f"väntade {expected} värden ({what}), fick {len(value)}.")


def check_index_values(name: str, arr: np.ndarray, upper: int, what: str, *, padding: int | None = None) -> None:
    """Raise unless every value of ``arr`` is in [0, ``upper``) or equals ``padding``."""
    ok = (arr >= 0) & (arr < upper)
    if padding is not None:
        ok |= arr == padding
    if not ok.all():
        pos = tuple(int(p) for p in np.argwhere(~ok)[0])
        allowed = f"0 till {upper - 1}" if upper > 0 else "inga (det finns inga)"
        pad = f" eller {padding} (utfyllnad)" if padding is not None else ""
        raise ParameterError(
            name, f"värdet {int(arr[pos])} på plats {_pos(pos)} är inte ett giltigt index för {what} "
            f"(tillåtet: {allowed}{pad})."
        )


def validate_params(**constraints: Callable[[Any, str], Any]) -> Callable[[F], F]:
    """Decorator: check the arguments of every call against ``constraints`` (parameter name ->
    constraint) and pass the normalised values on. An unknown or missing argument raises
    ``ArgumentError`` (a ``ParameterError`` and a ``TypeError``) naming it."""

    def decorate(func: F) -> F:
        sig = inspect.signature(func)
        unknown = set(constraints) - set(sig.parameters)
        if unknown:
            raise TypeError(f"validate_params: {func.__name__} has no parameter {sorted(unknown)}")
        names = [p for p in sig.parameters if sig.parameters[p].kind not in (
            inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)]

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                bound = sig.bind(*args, **kwargs)
            except TypeError as exc:
                raise _argument_error(func.__name__, names, sig, args, kwargs, exc) from None
            arguments = bound.arguments
            for name, value in arguments.items():
                check = constraints.get(name)
                if check is not None:
                    arguments[name] = check(value, name)
            return func(*bound.args, **bound.kwargs)

        wrapper.__validated__ = constraints  # type: ignore[attr-defined]
        return typing.cast(F, wrapper)

    return decorate


def _argument_error(
    func: str, names: list[str], sig: inspect.Signature, args: tuple, kwargs: dict, exc: TypeError
) -> ArgumentError:
    allowed = ", ".join(names)
    for key in kwargs:
        if key not in sig.parameters:
            return ArgumentError(key, f"{func} har ingen sådan parameter (parametrarna är {allowed}).")
    positional = [
        p for p in sig.parameters.values()
        if p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    ]
    if len(args) > len(positional):
        keyword_only = [p.name for p in sig.parameters.values() if p.kind == inspect.Parameter.KEYWORD_ONLY]
        hint = f"; ange {', '.join(keyword_only)} med namn" if keyword_only else ""
        return ArgumentError(
            names[min(len(args), len(names)) - 1] if names else func,
            f"{func} tar högst {len(positional)} argument utan namn, fick {len(args)}{hint}.",
        )
    for p in sig.parameters.values():
        if p.default is inspect.Parameter.empty and p.kind not in (
            inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD
        ):
            given = p.name in kwargs or any(q.name == p.name for q in positional[: len(args)])
            if not given:
                return ArgumentError(p.name, f"{func} behöver ett värde för parametern.")
    return ArgumentError(func, f"anropet stämmer inte med parametrarna ({allowed}): {exc}.")
