"""The DSA notice-and-action forms: the notice (art. 16), the decision (art. 17), a complaint
(art. 20) and its outcome. They parse; the services validate and decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from galerie.notices.models import Action, Category, TargetKind


class NoticeForm(forms.Form):
    """Every field is checked by ``notice_submit``, so that all the errors show at once."""

    kind = forms.ChoiceField(choices=TargetKind.choices, widget=forms.HiddenInput)
    ref = forms.CharField(max_length=64, widget=forms.HiddenInput)
    category = forms.ChoiceField(
        label=_("What kind of illegal content is it?"),
        choices=[("", _("Choose…")), *Category.choices],
        required=False,
    )
    explanation = forms.CharField(
        label=_("Why is this content illegal?"),
        help_text=_("Explain precisely which law it breaks and how, so that we can decide without doubt."),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    url = forms.CharField(
        label=_("The exact address (URL) of the content"),
        max_length=500,
        required=False,
        widget=forms.URLInput(attrs={"inputmode": "url"}),
    )
    notifier_name = forms.CharField(
        label=_("Your name"),
        required=False,
        max_length=150,
        help_text=_("Not needed for child sexual abuse material."),
    )
    notifier_email = forms.CharField(
        label=_("Your e-mail address"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_(
            "We confirm receipt and tell you our decision. Not needed for child sexual abuse material."
        ),
    )
    good_faith = forms.BooleanField(
        label=_(
            "I confirm in good faith that the information and allegations in this notice are "
            "accurate and complete."
        ),
        required=False,
    )


class DecisionForm(forms.Form):
    action = forms.ChoiceField(label=_("Restriction"), choices=Action.choices, widget=forms.RadioSelect)
    territorial_scope = forms.CharField(
        label=_("Territorial scope"), required=False, max_length=200, initial=_("Every storefront, worldwide")
    )
    duration = forms.CharField(label=_("Duration"), required=False, max_length=200, initial=_("Indefinite"))
    facts = forms.CharField(
        label=_("Facts and circumstances"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    legal_ground = forms.CharField(
        label=_("Legal ground (the law broken), if illegal"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    terms_ground = forms.CharField(
        label=_("Ground in the terms and conditions, if incompatible with them"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    explanation = forms.CharField(
        label=_("Explanation, told to the parties"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, actions: tuple[str, ...] = tuple(Action.values), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["action"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(value, label) for value, label in Action.choices if value in actions]


class ComplaintForm(forms.Form):
    text = forms.CharField(
        label=_("Why should the decision change?"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5})
    )


class ComplaintOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[("uphold", _("Uphold the decision")), ("reverse", _("Reverse the decision"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reasons, told to the complainant"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
