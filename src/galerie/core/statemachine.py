"""One transition function for every state machine.

A model declares ``status`` (``TextChoices``) and ``TRANSITIONS`` (status → allowed next
statuses). :func:`transition` checks the move, saves only the status, writes the history
row and the outbox event, all in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from django.db import models, transaction
from django.utils.translation import gettext as _

from galerie.core.actors import Actor, actor_user_id
from galerie.core.errors import InvalidTransition
from galerie.core.models import StatusChange
from galerie.core.outbox import emit

if TYPE_CHECKING:
    from django.db.models.options import Options


class Stateful(Protocol):
    """A model with a ``status`` and ``TRANSITIONS``, the statuses each status may move to."""

    pk: Any
    status: str

    @property
    def _meta(self) -> Options[Any]: ...

    @property
    def TRANSITIONS(self) -> Mapping[Any, frozenset[Any]]: ...

    def save(self, *args: Any, **kwargs: Any) -> None: ...


def _refusal(obj: Stateful, current: str, to: str, allowed: Iterable[str]) -> str:
    """Say, in the reader's language and with the statuses' own labels, which move is refused."""
    field = obj._meta.get_field("status")
    choices = field.flatchoices if isinstance(field, models.Field) else []
    labels = {str(value): str(label) for value, label in choices}

    def name(status: str) -> str:
        return labels.get(str(status), str(status))

    names = ", ".join(sorted(name(s) for s in allowed))
    if names:
        message = _("The status cannot go from “%(current)s” to “%(to)s”; it can go to: %(allowed)s.")
    else:
        message = _("The status cannot go from “%(current)s” to “%(to)s”: “%(current)s” is final.")
    return message % {
        "current": name(current),
        "to": name(to),
        "allowed": names,
    }


def transition(
    obj: Stateful,
    *,
    to: str,
    by: Actor | None = None,
    reason: str = "",
    extra_fields: tuple[str, ...] = (),
    **event: Any,
) -> None:
    """Move ``obj`` to status ``to``; raise InvalidTransition if the table does not allow it."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("transition() must run inside transaction.atomic()")
    current = obj.status
    allowed = obj.TRANSITIONS.get(current, frozenset())
    if to not in allowed:
        raise InvalidTransition(_refusal(obj, current, to, allowed), field="status")
    obj.status = to
    obj.save(update_fields=["status", *extra_fields])
    model = obj._meta.label
    StatusChange.objects.create(
        model=model,
        object_pk=str(obj.pk),
        from_status=current,
        to_status=to,
        actor_id=actor_user_id(by),  # the user model is not core's to import
        reason=reason,
    )
    emit(
        f"{obj._meta.model_name}.status_changed",
        model=model,
        id=obj.pk,
        from_status=current,
        to_status=to,
        reason=reason,
        **event,
    )
