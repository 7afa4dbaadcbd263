"""Sending email over SMTP with the seed's settings. Called from RQ jobs, never from a request."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from flask import current_app


def build_message(to: str, subject: str, text: str, html: str | None = None) -> EmailMessage:
    """A multipart (text + optional HTML) message from the shop's FROM_NAME <FROM_EMAIL>."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = formataddr((config["FROM_NAME"], config["FROM_EMAIL"]))
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=config["FROM_EMAIL"].rpartition("@")[2] or None)
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    return message


def send_email(to: str, subject: str, text: str, html: str | None = None) -> None:
    """Deliver one message through SMTP_HOST:SMTP_PORT (STARTTLS and login when configured)."""
    config = current_app.config
    message = build_message(to, subject, text, html)
    with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=15) as smtp:
        if config.get("SMTP_USE_TLS"):
            smtp.starttls()
        if config.get("SMTP_USERNAME"):
            smtp.login(config["SMTP_USERNAME"], config.get("SMTP_PASSWORD") or "")
        smtp.send_message(message)
