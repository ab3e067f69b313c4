"""Forms of seller curation: the application ("Sell on …"), the applicant's answer, the operator's
decisions. Identity is checked by the model's own rules (``Seller.clean`` and the validators of
``core/identifiers.py``), documents by their content; each error sits next to its field."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from galerie.accounts.models import User
from galerie.core.countries import country_choices
from galerie.core.errors import InvalidInput
from galerie.sellers.models import Seller, SellerDocument, SellerTermination
from galerie.sellers.services import IDENTITY_FIELDS, document_content_type
from galerie.storefronts.models import Storefront

# Model errors that belong to a form field of another name.
FIELD_OF_MODEL_ERROR = {"compliance_certified_at": "certifies_compliance", "kind": "kind"}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked like a single one."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


def _document_clean(file: Any, field: str) -> Any:
    if not file:
        return file
    try:
        document_content_type(file, field=field)
    except InvalidInput as error:
        raise ValidationError(error.errors[field]) from None
    return file


DOCUMENT_HELP = _("PDF, JPEG or PNG, 10 MB at most.")


class BecomeSellerForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("You sell as"),
        choices=[
            (Seller.Kind.TRADER, _("A professional (company, sole trader)")),
            (Seller.Kind.PRIVATE, _("A private person")),
        ],
        widget=forms.RadioSelect,
        initial=Seller.Kind.TRADER,
    )
    display_name = forms.CharField(
        label=_("Shop name"), max_length=120, help_text=_("The name customers see next to your offers.")
    )
    legal_name = forms.CharField(
        label=_("Legal name"),
        max_length=200,
        help_text=_("Your company's registered name, or your full name as a private person."),
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    email = forms.EmailField(
        label=_("Contact e-mail"),
        help_text=_("Shown to customers on your shop page (EU Digital Services Act)."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    address_line1 = forms.CharField(
        label=_("Street and number"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "address-line1"}),
    )
    address_line2 = forms.CharField(
        label=_("Building, floor (optional)"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-line2"}),
    )
    postal_code = forms.CharField(
        label=_("Postal code"), max_length=16, widget=forms.TextInput(attrs={"autocomplete": "postal-code"})
    )
    city = forms.CharField(
        label=_("Town"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "address-level2"})
    )
    country = forms.ChoiceField(label=_("Country"), initial="FR")
    id_document_reference = forms.CharField(
        label=_("Identity document"),
        max_length=100,
        help_text=_("Type and number of your identity document (or your legal representative's)."),
    )
    iban = forms.CharField(
        label=_("IBAN"),
        max_length=42,
        help_text=_("Where we pay your sales, e.g. FR76 3000 6000 0112 3456 7890 189."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    trade_register_number = forms.CharField(
        label=_("Trade register number"),
        max_length=32,
        required=False,
        help_text=_("Professionals: SIREN (9 digits) or SIRET (14 digits) in France."),
    )
    vat_number = forms.CharField(
        label=_("EU VAT number (optional)"), max_length=20, required=False, help_text=_("e.g. FR44732829320")
    )
    certifies_compliance = forms.BooleanField(
        label=_("I certify that I offer only products that comply with EU law."),
        required=False,
        help_text=_("Professionals must certify this (EU Digital Services Act, art. 30)."),
    )
    description = forms.CharField(
        label=_("About your shop (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What you sell and where it comes from; the operator reads it."),
    )
    storefronts = forms.ModelMultipleChoiceField(
        label=_("Storefronts you apply to"),
        queryset=Storefront.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one storefront to sell on.")},
    )
    document_identity = forms.FileField(
        label=_("Identity document (scan or photo)"),
        help_text=DOCUMENT_HELP,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )
    document_registration = forms.FileField(
        label=_("Trade register extract (Kbis, less than 3 months old)"),
        required=False,
        help_text=_("Professionals only. PDF, JPEG or PNG, 10 MB at most."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )
    document_bank = forms.FileField(
        label=_("Bank details (RIB) of the IBAN above"),
        help_text=DOCUMENT_HELP,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )
    account_email = forms.EmailField(
        label=_("Your e-mail address (to sign in)"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password = forms.CharField(
        label=_("Choose a password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters, not only digits, not a common password."),
    )

    DOCUMENTS = ("document_identity", "document_registration", "document_bank")
    ACCOUNT = ("account_email", "password")

    def __init__(
        self, *args: Any, user: User | AnonymousUser, storefronts: QuerySet[Storefront], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.user = user if user.is_authenticated else None
        cast(forms.ModelMultipleChoiceField, self.fields["storefronts"]).queryset = storefronts
        cast(forms.ChoiceField, self.fields["country"]).choices = country_choices(get_language() or "en")
        if self.user is not None:
            for name in self.ACCOUNT:
                del self.fields[name]
        self.account_exists = False

    # Sections, for the template.
    def section(self, *names: str) -> list:
        return [self[name] for name in names if name in self.fields]

    def bank_fields(self) -> list:
        return self.section("iban", "trade_register_number", "vat_number")

    def document_fields(self) -> list:
        return self.section(*self.DOCUMENTS)

    def account_fields(self) -> list:
        return self.section(*self.ACCOUNT)

    def identity_fields(self) -> list:
        return self.section(
            "display_name",
            "legal_name",
            "email",
            "phone",
            "address_line1",
            "address_line2",
            "postal_code",
            "city",
            "country",
            "id_document_reference",
            "description",
        )

    def clean_iban(self) -> str:
        # Stored compact; typed with spaces it could exceed the column's 34 characters.
        return "".join(self.cleaned_data["iban"].split()).upper()

    def clean_document_identity(self) -> Any:
        return _document_clean(self.cleaned_data.get("document_identity"), "document_identity")

    def clean_document_registration(self) -> Any:
        return _document_clean(self.cleaned_data.get("document_registration"), "document_registration")

    def clean_document_bank(self) -> Any:
        return _document_clean(self.cleaned_data.get("document_bank"), "document_bank")

    def clean_account_email(self) -> str:
        email = self.cleaned_data["account_email"].strip().lower()
        if get_user_model().objects.filter(email__iexact=email).exists():
            self.account_exists = True
            raise ValidationError(
                _("An account already uses this address: sign in first, then come back to this page.")
            )
        return email

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if "password" in self.fields and data.get("password"):
            candidate = get_user_model()(
                email=data.get("account_email", ""), full_name=data.get("legal_name", "")
            )
            try:
                validate_password(data["password"], candidate)
            except ValidationError as error:
                self.add_error("password", error)
        kind = data.get("kind")
        if (
            kind == Seller.Kind.TRADER
            and not data.get("document_registration")
            and not self.has_error("document_registration")
        ):
            self.add_error(
                "document_registration", _("A professional seller must send its trade register extract.")
            )
        self._identity_check(data)
        return data

    def _identity_check(self, data: dict[str, Any]) -> None:
        """Run the model's validation on what was typed and put each error next to its field."""
        identity = self.identity()
        seller = Seller(
            kind=data.get("kind") or "",
            slug="new-application",
            compliance_certified_at=timezone.now() if data.get("certifies_compliance") else None,
            **identity,
        )
        try:
            seller.full_clean(exclude=["slug", "uuid"], validate_unique=False)
        except ValidationError as error:
            errors = error.message_dict
            specific = {"trade_register_number", "compliance_certified_at"} & set(errors)
            for name, messages in errors.items():
                field = FIELD_OF_MODEL_ERROR.get(name, name)
                if field == "__all__" and specific:
                    continue  # the check constraint repeats what the fields say
                if field != "__all__" and (field not in self.fields or self.has_error(field)):
                    continue  # the form's own check already said it (required, length …)
                for message in messages:
                    self.add_error(None if field == "__all__" else field, message)

    def identity(self) -> dict[str, str]:
        data = getattr(self, "cleaned_data", {})
        return {name: (data.get(name) or "").strip() for name in IDENTITY_FIELDS}

    def documents(self) -> list[tuple[str, Any]]:
        data = self.cleaned_data
        pairs = [
            (SellerDocument.Kind.IDENTITY, data.get("document_identity")),
            (SellerDocument.Kind.REGISTRATION, data.get("document_registration")),
            (SellerDocument.Kind.BANK, data.get("document_bank")),
        ]
        return [(kind, file) for kind, file in pairs if file]


class ApplicationAnswerForm(forms.Form):
    body = forms.CharField(
        label=_("Your answer"), required=False, widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )
    document_kind = forms.ChoiceField(
        label=_("The documents are"), choices=SellerDocument.Kind.choices, initial=SellerDocument.Kind.OTHER
    )
    documents = MultipleFileField(
        label=_("Documents (optional)"),
        required=False,
        help_text=DOCUMENT_HELP,
        widget=MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )

    def clean_documents(self) -> list:
        files = self.cleaned_data.get("documents") or []
        if len(files) > 5:
            raise ValidationError(_("Send at most 5 files at once."))
        for file in files:
            _document_clean(file, "documents")
        return files

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if (
            not (data.get("body") or "").strip()
            and not data.get("documents")
            and not self.has_error("documents")
        ):
            self.add_error("body", _("Write your answer or add a document."))
        return data

    def pairs(self) -> list[tuple[str, Any]]:
        kind = self.cleaned_data["document_kind"]
        return [(kind, file) for file in self.cleaned_data.get("documents") or []]


# --- the back office ---------------------------------------------------------------------------


class SellerDecisionForm(forms.Form):
    ACTIONS = {
        "approve": _("Approve for a storefront"),
        "refuse": _("Refuse a storefront"),
        "reject": _("Reject the application"),
        "info": _("Ask for more information"),
    }

    action = forms.ChoiceField(choices=list(ACTIONS.items()))
    storefront = forms.IntegerField(required=False)
    reason = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    ground = forms.CharField(required=False, max_length=300)  # withdrawing an admitted seller (P2B art. 4)
    message = forms.CharField(required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, storefront_ids: set[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.storefront_ids = storefront_ids

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        action = data.get("action")
        if action in ("approve", "refuse") and data.get("storefront") not in self.storefront_ids:
            self.add_error("storefront", _("Choose one of the storefronts this seller applied to."))
        if action in ("refuse", "reject") and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Give the reason: the applicant is told."))
        if action == "info" and not (data.get("message") or "").strip():
            self.add_error("message", _("Write what the applicant must send or explain."))
        return data


class SellerStatusForm(forms.Form):
    ACTIONS = {
        "suspend": _("Suspend"),
        "reactivate": _("Reactivate"),
        "close": _("Close"),
    }

    action = forms.ChoiceField(choices=list(ACTIONS.items()))
    reason = forms.CharField(
        label=_("Facts and circumstances"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    ground = forms.CharField(label=_("Ground in the seller terms"), required=False, max_length=300)
    exception = forms.ChoiceField(
        label=_("Close without the 30 days' notice"),
        required=False,
        choices=SellerTermination.Exemption.choices,
    )
    exception_reason = forms.CharField(
        label=_("Why without notice"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("action") == "suspend" and not (data.get("reason") or "").strip():
            self.add_error(
                "reason",
                _("Give the reason for the suspension: the seller is told (DSA statement of reasons)."),
            )
        return data
