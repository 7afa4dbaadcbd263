"""Email goes out over real SMTP (an aiosmtpd server), enqueued as a job after commit."""

from __future__ import annotations

from shop.jobs import enqueue
from shop.mail import send_email


def test_send_email_delivers_text_and_html(app, smtp_server):
    with app.app_context():
        send_email("sokha@example.com", "សួស្តី / Hello", "Plain body", "<p>HTML body</p>")
    assert smtp_server.received.wait(5)
    [message] = smtp_server.messages
    assert message["To"] == "sokha@example.com"
    assert message["Subject"] == "សួស្តី / Hello"
    assert message["From"] == "Skincare Shop <noreply@skincare.example>"
    assert message.get_body(("plain",)).get_content().strip() == "Plain body"
    assert message.get_body(("html",)).get_content().strip() == "<p>HTML body</p>"


def test_email_job_is_sent_by_the_worker(db, smtp_server, run_jobs):
    enqueue(send_email, "dara@example.com", "Your order", "Thank you")
    assert smtp_server.messages == []
    assert run_jobs() == 1
    assert [m["To"] for m in smtp_server.messages] == ["dara@example.com"]
