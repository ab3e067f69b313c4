"""PLACEHOLDER: being written (issue 6)."""

from django.http import Http404


def import_list(request, **kwargs):
    raise Http404


def import_template(request, **kwargs):
    raise Http404


def import_detail(request, **kwargs):
    raise Http404


def import_errors_csv(request, **kwargs):
    raise Http404
