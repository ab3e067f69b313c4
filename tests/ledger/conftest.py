"""The checkout's shop fixture, shared."""

from tests.checkout.conftest import shop  # noqa: F401
