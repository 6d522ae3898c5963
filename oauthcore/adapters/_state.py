"""Pickling and copying of adapter objects that hold caller-supplied callables (checklist I1).

An auth keeps hooks and clocks (``on_token``, ``now``, ``nonce``) given by its caller. A module
level function pickles by reference; a lambda or a local function does not, and pickle's own
error names neither the object nor the attribute. :class:`HookState` checks those attributes
when pickling and raises :class:`~oauthcore.SerializationError` naming the attribute, never
dropping it silently. ``copy.copy`` and ``copy.deepcopy`` keep callables as they are, so they
bypass the check. Imports no HTTP client.
"""

from __future__ import annotations

import copy
import pickle
from typing import Any, ClassVar

from ..errors import SerializationError

__all__ = ["HookState"]


class HookState:
    """Mixin: ``__getstate__`` refuses, with SerializationError, hooks that cannot be pickled.

    ``_hook_attributes`` names the attributes holding caller-supplied callables. Subclasses
    leave out rebuildable members (sessions, locks) by overriding :meth:`_state`, and rebuild
    them in ``__setstate__``.
    """

    _hook_attributes: ClassVar[tuple[str, ...]] = ()
    _shared_attributes: ClassVar[tuple[str, ...]] = ()
    """Attributes a deep copy shares rather than copies (a caller's session or pool)."""

    def _state(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def __getstate__(self) -> dict[str, Any]:
        state = self._state()
        for name in self._hook_attributes:
            value = state.get(name)
            if value is None:
                continue
            try:
                pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
            except (pickle.PicklingError, AttributeError, TypeError):
                owner = type(self).__name__
                raise SerializationError(
                    f"{owner}.{name.lstrip('_')} cannot be pickled (a lambda, a local function "
                    "or an open client?): use a module-level function, or set it again after "
                    "loading"
                ) from None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def __copy__(self) -> Any:
        new = type(self).__new__(type(self))
        new.__setstate__(self._state())
        return new

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        new = type(self).__new__(type(self))
        memo[id(self)] = new
        state = self._state()
        for name in self._shared_attributes:
            value = state.get(name)
            if value is not None:
                memo[id(value)] = value  # deepcopy then keeps this very object
        new.__setstate__(copy.deepcopy(state, memo))
        return new
