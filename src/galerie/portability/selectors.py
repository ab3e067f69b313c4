"""Reads of the merges for the back office (docs/merge-confirmations.md)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from galerie.portability.merge import MergeNotFound
from galerie.portability.models import MergeParty, StorefrontMerge


def merges_for_operator() -> QuerySet[StorefrontMerge]:
    """Every merge, newest first, with who planned it and the storefront it made."""
    return StorefrontMerge.objects.select_related("created_by", "committed_by", "storefront").order_by("-id")


def merge_get_for_operator(*, merge_id: int) -> StorefrontMerge:
    """The merge ``merge_id``; raise MergeNotFound."""
    merge = merges_for_operator().filter(pk=merge_id).first()
    if merge is None:
        raise MergeNotFound(_("There is no such merge."))
    return merge


def merge_parties(*, merge: StorefrontMerge, kind: str) -> QuerySet[MergeParty]:
    """The merge's sellers or customers asked to confirm, with the rows here they matched, in order."""
    return (
        MergeParty.objects.filter(merge=merge, kind=kind)
        .select_related("seller", "user", "placeholder")
        .order_by("id")
    )
