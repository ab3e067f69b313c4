"""PLACEHOLDER: being written (issue 6)."""

from django.http import Http404


def proposal_new(request, **kwargs):
    raise Http404


def proposal_list(request, **kwargs):
    raise Http404


def proposal_detail(request, **kwargs):
    raise Http404
