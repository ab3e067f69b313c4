"""Periodic jobs of incidents, run by ``galerie worker``."""

from django.db.models import Q

from galerie.core.jobs import periodic, reconciler
from galerie.incidents.models import Incident
from galerie.incidents.services import incident_refund_due, incidents_escalate_overdue


@periodic("incidents.answer_deadline", every_seconds=300)
def answer_deadline() -> int:
    """Escalate to the operator the incidents their seller did not answer in time (per storefront:
    Storefront.incident_answer_hours)."""
    return incidents_escalate_overdue()


@periodic("incidents.refunds_due", every_seconds=60)
def refunds_due() -> int:
    """Ask again for the agreed incident refunds the gateway could not make yet."""
    owing = (
        Incident.objects.filter(refund__isnull=True)
        .exclude(Q(refund_key="") | Q(refund_minor=0))
        .values_list("pk", flat=True)[:200]
    )
    return sum(1 for pk in owing if incident_refund_due(incident_id=pk))


@reconciler("incidents.refunds_due", description="agreed incident refunds the gateway could not make yet")
def refunds_due_now(all_due: bool) -> int:
    return refunds_due()
