"""PLACEHOLDER: being written (issue 6)."""

from django.http import Http404


def seller_queue(request, **kwargs):
    raise Http404


def seller_detail(request, **kwargs):
    raise Http404


def seller_decide(request, **kwargs):
    raise Http404


def seller_status(request, **kwargs):
    raise Http404


def seller_document(request, **kwargs):
    raise Http404
