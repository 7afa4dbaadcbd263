"""Sending email: over SMTP with the seed's settings, or into the outbox when there is no mail
server (no `SMTP_HOST`: the embedded default). Called from RQ jobs, never from a request.

With RQ, an email job is retried with backoff (`MAIL_RETRY_INTERVALS`, see `shop.jobs.retried`);
a send whose last try fails is kept in the outbox's failed folder with the error, for staff.
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

from flask import current_app
from flask_babel import get_locale
from rq import get_current_job

from shop import outbox
from shop.jobs import retried

log = logging.getLogger("shop.mail")


def build_message(to: str, subject: str, text: str, html: str | None = None) -> EmailMessage:
    """A multipart (text + optional HTML) message from the shop's FROM_NAME <FROM_EMAIL>, in the
    language it was rendered in (`Content-Language`)."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = formataddr((config["FROM_NAME"], config["FROM_EMAIL"]))
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=config["FROM_EMAIL"].rpartition("@")[2] or None)
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    # After the bodies: setting a body replaces the Content-* headers.
    locale = get_locale()
    message["Content-Language"] = str(locale) if locale else config.get("BABEL_DEFAULT_LOCALE", "en")
    return message


@retried("MAIL_RETRY_INTERVALS")
def send_email(to: str, subject: str, text: str, html: str | None = None) -> None:
    """Deliver one message through SMTP_HOST:SMTP_PORT (STARTTLS and login when configured), or
    write it to the outbox when no SMTP_HOST is set."""
    message = build_message(to, subject, text, html)
    config = current_app.config
    if not config.get("SMTP_HOST"):
        path = outbox.save(message)
        log.info("email written to the outbox", extra={"fields": {"to": to, "file": str(path)}})
        return
    try:
        _deliver(message)
    except Exception as error:
        job = get_current_job()
        attempt = _attempt(job)
        if job is not None and job.retries_left:  # RQ tries again later (MAIL_RETRY_INTERVALS)
            log.warning(
                "email send failed, will retry",
                extra={"fields": {"to": to, "error": repr(error), "attempt": attempt, "left": job.retries_left}},
            )
            raise
        path = outbox.save(message, error=repr(error), attempts=attempt)
        log.error(
            "email send failed for good",
            extra={"fields": {"to": to, "error": repr(error), "attempts": attempt, "file": str(path)}},
        )
        raise
    log.info("email sent", extra={"fields": {"to": to}})


def _attempt(job) -> int:
    """Which try this is (1 for the first), from the job's retry budget."""
    if job is None or job.retries_left is None:
        return 1
    planned = len(current_app.config.get("MAIL_RETRY_INTERVALS") or ())
    return planned - job.retries_left + 1


def _deliver(message: EmailMessage) -> None:
    config = current_app.config
    with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=15) as smtp:
        if config.get("SMTP_USE_TLS"):
            smtp.starttls()
        if config.get("SMTP_USERNAME"):
            smtp.login(config["SMTP_USERNAME"], config.get("SMTP_PASSWORD") or "")
        smtp.send_message(message)
