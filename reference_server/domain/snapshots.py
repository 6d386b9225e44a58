"""Snapshots made often: a frozen, slotted dataclass with an ``__init__`` half as costly.

A frozen dataclass's own ``__init__`` sets each field with ``object.__setattr__``, the slow
way round its ``__setattr__`` that refuses changes. Routing makes several such snapshots for
every chat (the agent after each start and end, the request, the decision), and a busy
simulated month makes millions; :func:`slot_init` gives a class an ``__init__`` with the same
signature (fields, defaults, default factories) that sets each slot through its descriptor
instead. The instances are the same: frozen, equal, hashable, printed alike.
"""

from __future__ import annotations

from dataclasses import MISSING, fields, is_dataclass
from typing import Any, TypeVar

__all__ = ["slot_init"]

T = TypeVar("T")


class _Factory:
    """Stands for a field's default factory in a signature (shown as dataclasses shows it)."""

    def __repr__(self) -> str:
        return "<factory>"


_FACTORY = _Factory()


def slot_init(cls: type[T]) -> type[T]:
    """Give ``cls`` (a ``@dataclass(frozen=True, slots=True)`` with plain fields) the
    cheaper ``__init__`` described in the module docstring; returns ``cls``."""
    params = getattr(cls, "__dataclass_params__", None)
    if not is_dataclass(cls) or params is None or not params.frozen or "__slots__" not in vars(cls):
        raise TypeError(f"{cls.__name__} is not a frozen dataclass with slots")
    if hasattr(cls, "__post_init__") or any(not f.init or f.kw_only for f in fields(cls)):
        raise TypeError(f"{cls.__name__} has fields slot_init does not handle")
    names: dict[str, Any] = {"FACTORY": _FACTORY}
    arguments, lines = [], []
    for f in fields(cls):
        names[f"set_{f.name}"] = vars(cls)[f.name].__set__
        value = f.name
        if f.default is not MISSING:
            names[f"default_{f.name}"] = f.default
            arguments.append(f"{f.name}=default_{f.name}")
        elif f.default_factory is not MISSING:
            names[f"factory_{f.name}"] = f.default_factory
            arguments.append(f"{f.name}=FACTORY")
            value = f"factory_{f.name}() if {f.name} is FACTORY else {f.name}"
        else:
            arguments.append(f.name)
        lines.append(f"    set_{f.name}(self, {value})\n")
    source = f"def __init__(self, {', '.join(arguments)}):\n{''.join(lines)}"
    exec(source, names)  # generated from the class's own fields, as dataclasses does
    init = names["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    setattr(cls, "__init__", init)  # noqa: B010 - mypy refuses to assign to a method
    return cls
