"""Forms of the seller terms and complaints (P2B): publish a version, accept or refuse it, file
and answer a complaint. They parse input; the rules are the services' (galerie.terms.services)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from galerie.terms.models import SellerComplaint, SellerTermsVersion


class TermsPublishForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    text = forms.CharField(label=_("Text of the terms"), widget=forms.Textarea(attrs={"rows": 12}))
    summary = forms.CharField(
        label=_("What changes (told to the sellers)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    effective_at = forms.DateTimeField(
        label=_("Takes effect on"),
        help_text=_("At least 15 days from now, unless one of the exceptions below applies."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
    )
    exception = forms.ChoiceField(
        label=_("Shorter notice"), choices=SellerTermsVersion.Exemption.choices, required=False
    )
    exception_reason = forms.CharField(
        label=_("Why the shorter notice"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class TermsDecisionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Why you leave (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ComplaintForm(forms.Form):
    kind = forms.ChoiceField(label=_("About"), choices=SellerComplaint.Kind.choices)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    text = forms.CharField(label=_("Your complaint"), widget=forms.Textarea(attrs={"rows": 6}))


class ComplaintAnswerForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=SellerComplaint.Outcome.choices)
    answer = forms.CharField(
        label=_("Answer (e-mailed to the seller)"), widget=forms.Textarea(attrs={"rows": 6})
    )
