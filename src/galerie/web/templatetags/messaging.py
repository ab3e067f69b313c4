"""Template helpers of the message pages: a message's body with its masks worded in the reader's
language, and a look-up of a thread or count by id for the partials of others' pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import escape, format_html, linebreaks
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from galerie.messaging.masking import MASK

register = template.Library()


@register.filter
def message_body(text: str) -> SafeString:
    """Escape the body, word each mask (« [coordonnées masquées] »), keep paragraphs and lines."""
    hidden = format_html('<span class="masked">{}</span>', _("[contact details hidden]"))
    html = linebreaks(escape(text)).replace(escape(MASK), str(hidden))
    return mark_safe(html)  # escaped text and one format_html span


@register.filter
def masked_text(text: str) -> str:
    """The plain text with each mask worded (for titles and the operator's list)."""
    return (text or "").replace(MASK, _("[contact details hidden]"))


@register.filter
def by_key(mapping: dict[Any, Any] | None, key: Any) -> Any:
    """``mapping[key]``, or None (the unread count of one order, the thread of one seller order)."""
    if not mapping:
        return None
    return mapping.get(key)
