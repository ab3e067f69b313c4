"""PLACEHOLDER: being written (issue 6)."""

from django.http import Http404


def offer_list(request, **kwargs):
    raise Http404


def offer_find(request, **kwargs):
    raise Http404


def offer_new(request, **kwargs):
    raise Http404


def offer_row(request, **kwargs):
    raise Http404


def offer_edit_row(request, **kwargs):
    raise Http404
