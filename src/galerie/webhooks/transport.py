"""One HTTP POST to a checked address (``targets.Target``), no redirect followed.

The connection goes to the address the guard checked, never to a new lookup of the name; TLS
still sends the host name (SNI) and checks the certificate against it. ``http.client`` follows
no redirect: a 3xx is an answer like any other, and not a success.
"""

from __future__ import annotations

import http.client
import socket
import ssl
from dataclasses import dataclass

from galerie.webhooks.targets import Target

TIMEOUT_SECONDS = 10.0
READ_MAX_BYTES = 4096  # a receiver's answer is not read further: only its status matters


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout, context=ssl.create_default_context())
        self._address = target.address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        # The certificate is checked against the host name, not the address connected to.
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Answer:
    status_code: int | None
    error: str = ""


def post(target: Target, *, body: bytes, headers: dict[str, str], timeout: float = TIMEOUT_SECONDS) -> Answer:
    """POST ``body`` to ``target``; return the status code, or the error in a few words."""
    connection: http.client.HTTPConnection = (
        _PinnedHTTPSConnection(target, timeout)
        if target.scheme == "https"
        else _PinnedHTTPConnection(target, timeout)
    )
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(READ_MAX_BYTES)
        return Answer(response.status)
    except TimeoutError:
        return Answer(None, f"no answer within {timeout:g} s")
    except ssl.SSLCertVerificationError as error:
        return Answer(None, f"TLS certificate refused: {error.verify_message}")
    except ssl.SSLError as error:
        return Answer(None, f"TLS error: {error.reason or error}")
    except ConnectionRefusedError:
        return Answer(None, "connection refused")
    except (OSError, http.client.HTTPException) as error:
        return Answer(None, f"{type(error).__name__}: {error}"[:300])
    finally:
        connection.close()
