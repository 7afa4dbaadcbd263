"""Domain errors. Services raise them; each door turns them into its own kind of error
(a JSON envelope with a status code, or a form error / flash message on a page)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l


class ShopError(Exception):
    """A rule said no. `message` is translatable; `field` names the input it is about."""

    status = 400
    code = "invalid"
    default_message = _l("The request could not be understood. Please check what you entered.")

    def __init__(self, message: Any = None, *, field: str | None = None, **details: Any) -> None:
        self.message = message if message is not None else self.default_message
        self.field = field
        self.details = details
        super().__init__(str(self.code))


class NotFound(ShopError):
    status = 404
    code = "not_found"
    default_message = _l("We could not find what you were looking for.")


class Forbidden(ShopError):
    status = 403
    code = "forbidden"
    default_message = _l("You do not have permission to do that.")


class Conflict(ShopError):
    status = 409
    code = "conflict"


class Unauthorized(ShopError):
    status = 401
    code = "unauthorized"
    default_message = _l("Please sign in.")


class TooManyAttempts(ShopError):
    status = 429
    code = "too_many_attempts"
    default_message = _l("Too many attempts. Please wait a few minutes and try again.")

    def __init__(self, retry_after: int, message: Any = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ServiceUnavailable(ShopError):
    """A store this needs (Redis: sessions, carts, token revocation) cannot be reached: 503 with
    Retry-After. What can do without it (the catalog, the cache, the limiter) goes on."""

    status = 503
    code = "unavailable"
    default_message = _l("This part of the shop is unavailable for a moment. Please try again in a minute.")

    def __init__(self, message: Any = None, *, retry_after: int = 30) -> None:
        super().__init__(message)
        self.retry_after = retry_after
