"""The checkout tests' shop, reused: orders are made by checking out."""

from tests.checkout.conftest import shop  # noqa: F401
