"""The outbox: email written as `.eml` files instead of being sent, and sends that failed.

With no `SMTP_HOST` (the embedded default) every message is written to `OUTBOX_PATH`
(instance/outbox/) so a shop without a mail server still shows what it would have sent; staff read
them at /admin/outbox. With SMTP, a message whose last try failed is written to
`OUTBOX_PATH/failed/` with the error, so staff see it there too.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path

from flask import current_app

FAILED = "failed"
ERROR_HEADER = "X-Shop-Send-Error"
ATTEMPTS_HEADER = "X-Shop-Send-Attempts"
LIST_LIMIT = 200


@dataclass(frozen=True)
class OutboxEntry:
    name: str  # the file name, which is also the entry's id in URLs
    failed: bool
    subject: str
    to: str
    sent_at: datetime | None
    language: str
    error: str | None
    attempts: int | None


def outbox_dir() -> Path:
    return Path(current_app.config["OUTBOX_PATH"])


def save(message: EmailMessage, *, error: str | None = None, attempts: int | None = None) -> Path:
    """Write `message` to the outbox (or, with `error`, to its failed folder) atomically."""
    folder = outbox_dir() / FAILED if error is not None else outbox_dir()
    folder.mkdir(parents=True, exist_ok=True)
    if error is not None:
        del message[ERROR_HEADER]
        message[ERROR_HEADER] = error.replace("\n", " ")[:500]
        if attempts is not None:
            message[ATTEMPTS_HEADER] = str(attempts)
    name = f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"
    # Written whole, then renamed: the outbox page never reads half a message.
    handle, temporary = tempfile.mkstemp(dir=folder, suffix=".part")
    with os.fdopen(handle, "wb") as out:
        out.write(message.as_bytes(policy=policy.SMTP))
    path = folder / name
    os.replace(temporary, path)
    return path


def _entry(path: Path, failed: bool) -> OutboxEntry:
    message = _parse(path)
    try:
        sent_at = parsedate_to_datetime(message["Date"]) if message["Date"] else None
    except (TypeError, ValueError):
        sent_at = None
    attempts = message.get(ATTEMPTS_HEADER)
    return OutboxEntry(
        name=path.name,
        failed=failed,
        subject=str(message["Subject"] or ""),
        to=str(message["To"] or ""),
        sent_at=sent_at,
        language=str(message["Content-Language"] or ""),
        error=message.get(ERROR_HEADER),
        attempts=int(attempts) if attempts and str(attempts).isdigit() else None,
    )


def _parse(path: Path) -> EmailMessage:
    return message_from_bytes(path.read_bytes(), policy=policy.default)


def entries(*, failed: bool) -> list[OutboxEntry]:
    """The newest LIST_LIMIT messages of the outbox (or of its failed folder), newest first."""
    folder = outbox_dir() / FAILED if failed else outbox_dir()
    if not folder.is_dir():
        return []
    paths = sorted(folder.glob("*.eml"), key=lambda p: p.name, reverse=True)[:LIST_LIMIT]
    return [_entry(path, failed) for path in paths]


def find(name: str, *, failed: bool) -> tuple[OutboxEntry, str, str | None] | None:
    """One message: its entry, text body and HTML body; None for an unknown name."""
    if "/" in name or "\\" in name or not name.endswith(".eml") or name.startswith("."):
        return None
    path = (outbox_dir() / FAILED if failed else outbox_dir()) / name
    if not path.is_file():
        return None
    message = _parse(path)
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    return (
        _entry(path, failed),
        text.get_content() if text is not None else "",
        html.get_content() if html is not None else None,
    )
