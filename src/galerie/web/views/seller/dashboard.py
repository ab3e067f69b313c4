"""PLACEHOLDER: being written (issue 6)."""

from django.http import Http404


def dashboard(request, **kwargs):
    raise Http404


def switch(request, **kwargs):
    raise Http404
