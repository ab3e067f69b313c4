"""Every write to payments: authorize, refresh, capture, void, refund, and incoming webhooks.

No row lock is held across a call to the gateway. A service reads (or creates) its row in a
short transaction, calls the gateway outside any transaction, then records the answer in
another short transaction that locks the payment, re-reads it, and moves its status only
forward (``Payment.TRANSITIONS``: every edge goes up in ``Payment.STATUS_RANK``). Idempotency
keys belong to the logical operation: the gateway gets ``<operation>:<key>``, so that a retry,
here or at the provider, does the work once.
"""

from galerie.payments.services.payments import (
    payment_abandon,
    payment_authorization_record,
    payment_authorize,
    payment_authorize_send,
    payment_capture,
    payment_prepare,
    payment_refresh,
    payment_void,
)
from galerie.payments.services.refunds import payment_refund
from galerie.payments.services.webhooks import webhook_handle

__all__ = [
    "payment_abandon",
    "payment_authorization_record",
    "payment_authorize",
    "payment_authorize_send",
    "payment_capture",
    "payment_prepare",
    "payment_refresh",
    "payment_refund",
    "payment_void",
    "webhook_handle",
]
