"""The privacy app's periodic job: delete the personal data that has outlived its purpose."""

from django.utils import timezone

from galerie.core.jobs import periodic
from galerie.privacy.services import retention_purge


@periodic("privacy.retention", every_seconds=6 * 3600)
def purge_outlived_personal_data() -> int:
    return sum(retention_purge(now=timezone.now()).values())
