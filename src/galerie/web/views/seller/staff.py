"""PLACEHOLDER: being written (issue 6)."""

from django.http import Http404


def invitation_accept(request, **kwargs):
    raise Http404


def staff_list(request, **kwargs):
    raise Http404


def staff_invite(request, **kwargs):
    raise Http404


def staff_member(request, **kwargs):
    raise Http404


def invitation_revoke(request, **kwargs):
    raise Http404
