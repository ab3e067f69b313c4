"""The recall notice e-mail: in the language and colours of the storefront the buyer ordered on."""

from __future__ import annotations

from galerie.notifications.emails import Email, email_render
from galerie.notifications.models import SentEmail
from galerie.recalls.models import RecallNotice


def recall_notice_email(*, notice: RecallNotice) -> Email:
    """Render a buyer's recall notice: the product, the order, the operator's notice text."""
    order, recall = notice.order, notice.recall
    language = order.language or order.storefront.default_language
    text = recall.notice.get(language) or next(iter(recall.notice.values()), "")
    return email_render(
        kind=SentEmail.Kind.PRODUCT_RECALL,
        template="product_recall",
        storefront=order.storefront,
        language=language,
        recipient=notice.email,
        reference=order.number,
        context={
            "name": notice.customer.full_name,
            "product": recall.product.title,
            "order": order,
            "notice": text,
        },
    )
