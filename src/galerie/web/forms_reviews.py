"""The review forms: the customer's review, a report, the seller's reply, the operator's decision."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from galerie.reviews.models import REASON_MAX, REPLY_MAX, TEXT_MAX, TITLE_MAX, ReviewReport

STARS = [(n, str(n)) for n in range(5, 0, -1)]


class ReviewForm(forms.Form):
    product_stars = forms.TypedChoiceField(
        label=_("Your rating of the product"), choices=STARS, coerce=int, widget=forms.RadioSelect
    )
    seller_stars = forms.TypedChoiceField(
        label=_("Your rating of the seller"), choices=STARS, coerce=int, widget=forms.RadioSelect
    )
    title = forms.CharField(label=_("Title (optional)"), max_length=TITLE_MAX, required=False)
    text = forms.CharField(
        label=_("Your review (optional)"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Interpolated per request, in the page's language (a lazy string would be evaluated now).
        self.fields["text"].help_text = gettext(
            "Plain text, at most %(n)d characters. No personal data, please."
        ) % {"n": TEXT_MAX}


class ReportForm(forms.Form):
    reason = forms.ChoiceField(label=_("Why should we check it?"), choices=ReviewReport.Reason.choices)
    details = forms.CharField(label=_("Details (optional)"), max_length=REASON_MAX, required=False)


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Your public reply"), max_length=REPLY_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )


class ModerationForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("hide", _("Hide")), ("keep", _("Keep")), ("publish", _("Publish again"))]
    )
    reason = forms.CharField(label=_("Reason shown to the author"), max_length=REASON_MAX, required=False)
