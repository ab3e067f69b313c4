"""PLACEHOLDER: being written (issue 6)."""

from django.http import Http404


def application(request, **kwargs):
    raise Http404
