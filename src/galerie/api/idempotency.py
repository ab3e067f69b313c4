"""``Idempotency-Key`` on the API's writes: the same key and body get the same response again.

A client that did not get an answer (a timeout, a dropped connection) sends the request again
with the same key and gets the first answer, replayed, instead of a second order, offer or
refund. The middleware keeps one row per (caller, key) for 24 hours:

- first request: a ``started`` row is committed, the view runs, its response is stored;
- same key and same method, path and body: the stored response, with ``Idempotent-Replayed: true``;
- same key, another request: 422 ``idempotency_key_reused``, nothing done;
- same key while the first is still running: 409 ``idempotency_key_in_progress`` and
  ``Retry-After: 1``;
- a 5xx answer is not kept (the row is removed): the retry runs again.

A process that dies between the view's commit and the stored response leaves a ``started`` row;
after ``STALE_AFTER`` a retry runs the view again, and the services' own idempotency (an order is
accepted once, a checkout attempt is found again by its key) answers it. See docs/api.md.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils import timezone

from galerie.api.models import IdempotencyRecord
from galerie.api.throttles import client_ip

HEADER = "HTTP_IDEMPOTENCY_KEY"
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
STALE_AFTER = timedelta(minutes=2)
KEEP_FOR = timedelta(hours=24)
MAX_KEY = 255
MAX_KEPT_BODY = 1_000_000


def _json(status: int, code: str, message: str) -> HttpResponse:
    body = {"error": {"code": code, "message": message, "field": "Idempotency-Key"}}
    return HttpResponse(json.dumps(body), status=status, content_type="application/json")


def _scope(request: HttpRequest) -> str:
    credential = request.META.get("HTTP_AUTHORIZATION", "")
    if not credential:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            credential = f"user:{user.pk}"
        else:
            credential = f"cart:{request.META.get('HTTP_X_CART_TOKEN', '')}|ip:{client_ip(request)}"
    return hashlib.sha256(credential.encode()).hexdigest()


def _fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256(f"{request.method} {request.get_full_path()}\n".encode())
    digest.update(request.body)
    return digest.hexdigest()


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(
        bytes(record.body), status=record.status_code or 200, content_type=record.content_type or None
    )
    response["Idempotent-Replayed"] = "true"
    return response


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        key = request.META.get(HEADER, "")
        if not key or request.method not in WRITES or not request.path.startswith("/api/"):
            return self.get_response(request)
        if len(key) > MAX_KEY or not key.isprintable():
            message = f"An Idempotency-Key is at most {MAX_KEY} printable characters."
            return _json(422, "invalid_input", message)
        scope, fingerprint, now = _scope(request), _fingerprint(request), timezone.now()
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    scope=scope, key=key, fingerprint=fingerprint, created_at=now, locked_at=now
                )
        except IntegrityError:
            found = self._existing(scope, key, fingerprint, now)
            if isinstance(found, HttpResponse):
                return found
            record = found
        try:
            response = self.get_response(request)
        except BaseException:
            IdempotencyRecord.objects.filter(pk=record.pk).delete()
            raise
        self._keep(record, response)
        return response

    def _existing(
        self, scope: str, key: str, fingerprint: str, now: datetime
    ) -> HttpResponse | IdempotencyRecord:
        with transaction.atomic():
            record = IdempotencyRecord.objects.select_for_update().filter(scope=scope, key=key).first()
            if record is None:  # removed meanwhile (a 5xx): take the key
                return IdempotencyRecord.objects.create(
                    scope=scope, key=key, fingerprint=fingerprint, created_at=now, locked_at=now
                )
            if record.created_at < now - KEEP_FOR:  # an old key: a new request
                record.fingerprint, record.state, record.created_at, record.locked_at = (
                    fingerprint,
                    IdempotencyRecord.State.STARTED,
                    now,
                    now,
                )
                record.save()
                return record
            if record.fingerprint != fingerprint:
                return _json(
                    422,
                    "idempotency_key_reused",
                    "This Idempotency-Key was used for another request: use a new key for a new request.",
                )
            if record.state == IdempotencyRecord.State.DONE:
                return _replay(record)
            if record.locked_at > now - STALE_AFTER:
                response = _json(
                    409, "idempotency_key_in_progress", "The first request with this key is still running."
                )
                response["Retry-After"] = "1"
                return response
            record.locked_at = now  # its process died: run it again
            record.save(update_fields=["locked_at"])
            return record

    def _keep(self, record: IdempotencyRecord, response: HttpResponseBase) -> None:
        content = getattr(response, "content", None)
        # A 5xx or a 429 (rate limited) is not kept: the retry after Retry-After runs the request.
        if (
            response.status_code >= 500
            or response.status_code == 429
            or content is None
            or len(content) > MAX_KEPT_BODY
        ):
            IdempotencyRecord.objects.filter(pk=record.pk).delete()
            return
        IdempotencyRecord.objects.filter(pk=record.pk).update(
            state=IdempotencyRecord.State.DONE,
            status_code=response.status_code,
            content_type=response.get("Content-Type", ""),
            body=content,
        )


def idempotency_records_purge(*, now: datetime | None = None) -> int:
    """Delete the records older than 24 hours; return how many."""
    cutoff = (now or timezone.now()) - KEEP_FOR
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
