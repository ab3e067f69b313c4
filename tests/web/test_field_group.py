"""The field_group filter serves a kept copy of an unbound static form's fields: always Django's own HTML."""

from __future__ import annotations

import pytest
from django import forms
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from galerie.web.forms import AddressForm, CardForm
from galerie.web.templatetags import galerie as tags

NAMES = st.one_of(st.none(), st.text(max_size=30), st.sampled_from(['Zoé <b>&</b> "O\'Hara"', "", " "]))


@pytest.fixture(autouse=True)
def empty_copies():
    tags._FIELD_HTML.clear()
    yield
    tags._FIELD_HTML.clear()


def _both(form: forms.Form) -> list[tuple[str, str]]:
    return [(tags.field_group(field), field.as_field_group()) for field in form]


@settings(max_examples=60, deadline=None)
@given(name=NAMES, language=st.sampled_from(["en", "fr"]), prefix=st.sampled_from([None, "ship"]))
def test_an_unbound_static_forms_fields_are_djangos_html_whatever_the_initial_value(name, language, prefix):
    with translation.override(language):
        for _ in range(2):  # the second time from the kept copy
            for form in (AddressForm(initial={"name": name, "country": "FR"}, prefix=prefix), CardForm()):
                for fast, django in _both(form):
                    assert fast == django


def test_a_copy_is_kept_per_language_and_value_and_never_for_a_bound_form():
    with translation.override("fr"):
        french = tags.field_group(CardForm()["number"])
    with translation.override("en"):
        english = tags.field_group(CardForm()["number"])
    assert french != english and len(tags._FIELD_HTML) == 2
    first = tags.field_group(AddressForm(initial={"name": "Ann"})["name"])
    second = tags.field_group(AddressForm(initial={"name": "Bob"})["name"])
    assert 'value="Ann"' in first and 'value="Bob"' in second
    bound = AddressForm({"name": "", "line1": "x"})
    assert tags.field_group(bound["name"]) == bound["name"].as_field_group()  # with its error
    assert "errorlist" in tags.field_group(bound["name"])
    assert len(tags._FIELD_HTML) == 4  # the bound form's fields were not kept


class Dynamic(forms.Form):
    """A form that does not declare its fields static: never kept."""

    code = forms.CharField()

    def __init__(self, *args, placeholder: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs["placeholder"] = placeholder


def test_a_form_that_does_not_say_its_fields_are_static_is_rendered_every_time():
    assert 'placeholder="A"' in tags.field_group(Dynamic(placeholder="A")["code"])
    assert 'placeholder="B"' in tags.field_group(Dynamic(placeholder="B")["code"])
    assert tags._FIELD_HTML == {}
