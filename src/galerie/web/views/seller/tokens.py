"""PLACEHOLDER: being written (issue 6)."""

from django.http import Http404


def token_list(request, **kwargs):
    raise Http404


def token_revoke(request, **kwargs):
    raise Http404
