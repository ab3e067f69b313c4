"""add_domain_errors: each message of a domain error lands on the field it names, or on top of the form."""

from __future__ import annotations

from django import forms

from galerie.core.errors import DomainError, InvalidInput, InvalidTransition, PermissionDenied
from galerie.web.form_errors import add_domain_errors


class PriceForm(forms.Form):
    price = forms.CharField()
    stock = forms.CharField()


def _checked_form() -> PriceForm:
    form = PriceForm({"price": "12.00", "stock": "3"})
    assert form.is_valid()
    return form


def test_a_field_error_goes_on_its_field():
    form = _checked_form()

    add_domain_errors(form, InvalidInput({"price": ["The price must be more than zero."]}))

    assert form.errors == {"price": ["The price must be more than zero."]}
    assert "price" not in form.cleaned_data
    assert form.cleaned_data["stock"] == "3"


def test_a_field_the_form_does_not_have_goes_on_top():
    form = _checked_form()

    add_domain_errors(form, InvalidInput({"currency": ["This shop sells in EUR only."]}))

    assert form.non_field_errors() == ["This shop sells in EUR only."]
    assert form.errors == {"__all__": ["This shop sells in EUR only."]}


def test_several_fields_and_messages_each_go_where_they_belong():
    form = _checked_form()
    error = InvalidInput(
        {
            "price": ["Too low.", "Not a whole number of cents."],
            "stock": ["Stock cannot be negative."],
            "__all__": ["Nothing was saved."],
        }
    )

    add_domain_errors(form, error)

    assert form.errors == {
        "price": ["Too low.", "Not a whole number of cents."],
        "stock": ["Stock cannot be negative."],
        "__all__": ["Nothing was saved."],
    }


def test_a_plain_domain_error_without_a_field_goes_on_top():
    form = _checked_form()

    add_domain_errors(form, DomainError("The shop is suspended."))

    assert form.errors == {"__all__": ["The shop is suspended."]}


def test_a_domain_error_naming_a_field_goes_on_that_field():
    form = _checked_form()

    add_domain_errors(form, InvalidTransition("A closed offer cannot be put back on sale.", field="stock"))

    assert form.errors == {"stock": ["A closed offer cannot be put back on sale."]}


def test_a_permission_error_naming_an_unknown_field_goes_on_top():
    form = _checked_form()

    add_domain_errors(form, PermissionDenied("Only the owner may do this.", field="role"))

    assert form.errors == {"__all__": ["Only the owner may do this."]}


def test_renamed_maps_the_service_field_onto_the_form_field():
    form = _checked_form()

    add_domain_errors(form, InvalidInput({"price_minor": ["Too low."]}), renamed={"price_minor": "price"})

    assert form.errors == {"price": ["Too low."]}


def test_fallback_receives_what_names_no_field_of_the_form():
    form = _checked_form()

    add_domain_errors(form, DomainError("The file is not a CSV."), fallback="stock")
    rows = InvalidInput({"row": ["Row 3 is empty."], "price": ["Too low."]})
    add_domain_errors(form, rows, fallback="stock")

    assert form.errors == {"stock": ["The file is not a CSV.", "Row 3 is empty."], "price": ["Too low."]}
