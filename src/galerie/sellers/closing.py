"""What a seller's closure waits for and what closes with it, registered by the apps that own it.

Sellers sit below offers, orders and the ledger in the app layers (docs/architecture.md): this
app cannot read their rows. Each of them registers, in its ``AppConfig.ready()``, a *close
guard* (a read saying what still blocks the closure: open orders, money on the ledger) or an
*on-close hook* (a write run in the closure's transaction: closing the seller's offers).
:func:`galerie.sellers.services.seller_close` asks every guard, then runs every hook, in the
order the apps are installed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from galerie.core.actors import Actor


@dataclass(frozen=True)
class CloseBlocker:
    """What one app says still blocks a closure.

    ``parts`` are shown to the operator, joined into one sentence ("2 open orders (…)",
    "€12.00 still to pay out"); ``details`` are the data behind them, carried by the error
    (``open_orders``, ``balances``).
    """

    parts: tuple[str, ...]
    details: Mapping[str, Any] = field(default_factory=dict)


CloseGuard = Callable[[int], CloseBlocker | None]


class CloseHook(Protocol):
    def __call__(self, *, seller_id: int, by: Actor | None) -> None: ...


_GUARDS: dict[str, CloseGuard] = {}
_HOOKS: dict[str, CloseHook] = {}


def close_guard_register(name: str, guard: CloseGuard) -> None:
    """Register ``guard(seller_id)``, which returns what blocks the closure or None (name: once)."""
    _GUARDS[name] = guard


def close_hook_register(name: str, hook: CloseHook) -> None:
    """Register ``hook(seller_id=, by=)``, run inside the closure's transaction (name: once)."""
    _HOOKS[name] = hook


def close_blockers(*, seller_id: int) -> list[CloseBlocker]:
    """Return what every registered guard says blocks the seller's closure, in registration order."""
    return [blocker for guard in _GUARDS.values() if (blocker := guard(seller_id)) is not None]


def close_hooks_run(*, seller_id: int, by: Actor | None) -> None:
    """Run every registered on-close hook for the seller, in registration order."""
    for hook in _HOOKS.values():
        hook(seller_id=seller_id, by=by)
