"""API fixtures: the fake Bakong (a real HTTP server) and KHQR switched on, as in tests/payments."""

from tests.payments.conftest import fake_bakong  # noqa: F401
