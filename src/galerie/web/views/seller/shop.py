"""PLACEHOLDER: being written (issue 6)."""

from django.http import Http404


def shop_settings(request, **kwargs):
    raise Http404
