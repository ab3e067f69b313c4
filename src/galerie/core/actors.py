"""Who makes a write: a signed-in person, or Galerie itself acting for someone.

Every service that changes something takes ``by``. A person is a user (``AbstractBaseUser``:
the core does not import the accounts app); when no person acts — a customer's checkout
taking stock, a scheduled job, a carrier's report, a command run by the operator — the caller
passes a :class:`System` naming what acts, so that a history row always says who.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

from django.contrib.auth.base_user import AbstractBaseUser

SYSTEM_PREFIX = "Galerie ("  # how a history row's label names Galerie acting: "Galerie (checkout)"


@dataclass(frozen=True)
class System:
    """Galerie acting on its own; ``name`` says what (``"checkout"``, ``"job:deemed_delivered"``)."""

    name: str

    def __str__(self) -> str:
        return f"{SYSTEM_PREFIX}{self.name})"


Actor: TypeAlias = AbstractBaseUser | System


def actor_user(by: Actor | None) -> AbstractBaseUser | None:
    """The person behind ``by`` to store in a history row's user column, or None for the system."""
    return by if isinstance(by, AbstractBaseUser) and by.pk is not None else None


def actor_user_id(by: Actor | None) -> int | None:
    """The primary key of the person behind ``by``, for a history row's user column; None for the system."""
    user = actor_user(by)
    return int(user.pk) if user is not None else None


def actor_label(by: Actor | None) -> str:
    """How a history row names ``by`` when the user is gone or there was none."""
    if by is None:
        return str(System("unknown"))
    if isinstance(by, System):
        return str(by)
    return by.get_username()


def is_system_label(label: str) -> bool:
    """Whether a history row's stored label names Galerie acting rather than a person."""
    return label.startswith(SYSTEM_PREFIX) and label.endswith(")")
