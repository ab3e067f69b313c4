"""Named crash points: where the crash-matrix test kills a process with SIGKILL (docs/reliability.md).

``crash_point("checkout.after_order")`` does nothing unless the environment variable
``GALERIE_CRASH_AT`` names that point: then the process kills itself on the spot, as a power cut
or the kernel's OOM killer would (no ``finally``, no commit, no rollback but the database's own).
The variable is read once, at import: the cost on a hot path is one comparison of two strings.

Every name used in the code is in ``CRASH_POINTS`` with what the process has done when it dies
there; tests/reliability/test_crash_matrix.py checks both ways and kills the process at each one.
"""

from __future__ import annotations

import os
import signal

CRASH_POINTS: dict[str, str] = {
    "checkout.after_reserve": "the stock is taken and the attempt committed; the gateway was not asked yet",
    "checkout.after_authorize": "the gateway authorized the payment; its answer is not recorded",
    "checkout.before_order": "the order's transaction is open, the order not written (rolled back)",
    "checkout.after_order": "the order and the authorization are committed; nothing captured yet",
    "payments.after_capture": "the gateway captured the payment; the capture is not recorded",
    "payments.webhook_received": "a webhook arrived and was verified; nothing recorded yet",
    "payments.webhook_applied": "a webhook was recorded and applied; the provider got no answer",
    "payments.after_refund": "the gateway accepted a refund; the refund is not recorded",
    "ledger.payout_batch_paid": "a batch of a payout run is committed; later batches, bank file not yet",
    "offers.import_applying": "an import's rows are written in its open transaction (rolled back)",
    "core.outbox_handled": "an outbox event's handlers ran; the event is not marked delivered",
}

_ARMED = os.environ.get("GALERIE_CRASH_AT", "")


def crash_point(name: str) -> None:
    """Kill this process with SIGKILL if ``GALERIE_CRASH_AT`` names this point; else do nothing."""
    if name == _ARMED:
        if name not in CRASH_POINTS:
            raise ValueError(f"{name!r} is not a registered crash point (galerie/core/crashpoints.py)")
        os.kill(os.getpid(), signal.SIGKILL)
