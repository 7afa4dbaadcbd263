"""How large a request body may be: MAX_BODY_SIZE (1 MB) for JSON and forms, MAX_FILE_SIZE
(plus the form around it) for the views that take a photo upload. Larger bodies are refused
with 413 before they are read (Werkzeug stops at the limit), so an anonymous 100 MB body costs
no memory. The door's error handler answers it (the API's envelope, a page elsewhere)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, current_app, request

View = TypeVar("View", bound=Callable)
FORM_OVERHEAD = 64 * 1024  # the other fields and the multipart framing around the file


def upload_limit() -> int:
    """The largest request body a photo upload may come in."""
    return current_app.config["MAX_FILE_SIZE"] + FORM_OVERHEAD


def accepts_upload(max_bytes: Callable[[], int] = upload_limit) -> Callable[[View], View]:
    """Mark a view that takes a file upload: its requests may be `max_bytes()` large. Put it
    right under the route decorator, so the registered view carries the mark."""

    def mark(view: View) -> View:
        view.upload_limit = max_bytes  # type: ignore[attr-defined]
        return view

    return mark


def init_request_limits(app: Flask) -> None:
    """Set the body limits; call before anything that reads a form in a before_request hook
    (the CSRF check), so an upload's larger limit is in place first."""
    if app.config.get("MAX_CONTENT_LENGTH") is None:  # Flask's default is None: no limit
        app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_BODY_SIZE"]
    app.before_request(_raise_limit_for_uploads)


def _raise_limit_for_uploads() -> None:
    view = current_app.view_functions.get(request.endpoint or "")
    limit = getattr(view, "upload_limit", None)
    if limit is not None:
        request.max_content_length = limit()
