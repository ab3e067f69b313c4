"""The form of a new webhook endpoint (seller area and back office)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from galerie.webhooks.catalogue import event_types_for


class WebhookEndpointForm(forms.Form):
    url = forms.CharField(
        label=_("URL"),
        max_length=2000,
        widget=forms.URLInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "placeholder": "https://"}
        ),
        help_text=_("An https address of your server that answers with a 2xx status within 10 seconds."),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=120,
        required=False,
        help_text=_("What receives the events, e.g. “ERP” (optional)."),
    )
    event_types = forms.MultipleChoiceField(
        label=_("Events to send"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one event type.")},
    )

    def __init__(self, *args: Any, seller: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["event_types"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(t.name, f"{t.label} ({t.name})") for t in event_types_for(seller=seller)]
