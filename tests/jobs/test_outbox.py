"""Email without a mail server (the outbox), and retries against a real SMTP server that refuses."""

from __future__ import annotations

import re
import threading
from decimal import Decimal
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from rq.registry import FailedJobRegistry

from shop.accounts.models import Language
from shop.jobs import enqueue, get_queue
from shop.mail import send_email
from shop.orders import services as orders
from tests.admin.helpers import staff_page_client
from tests.factories import AdminFactory, ProductFactory, UserFactory
from tests.support.servers import free_port

PHNOM_PENH = {
    "first_name": "Sokha",
    "address_line1": "No. 12, Street 278",
    "city": "Phnom Penh",
    "postal_code": "120101",
    "country": "Cambodia",
    "phone": "012 345 678",
}


@pytest.fixture
def embedded_mail_app(make_app, database_url, db, tmp_path):
    """No Redis (jobs inline) and no SMTP_HOST: the embedded default's way of sending email."""
    return make_app(SQLALCHEMY_DATABASE_URI=database_url, REDIS_URL=None, SMTP_HOST=None)


def _place_order(user):
    product = ProductFactory(price=Decimal("12.50"), stock=5, name_en="Rice Water Toner")
    return orders.place_order(
        orders.Checkout(
            items=[orders.BasketItem(product.id, 2)],
            email=user.email,
            user_id=user.id,
            shipping_address=PHNOM_PENH,
        )
    )


def _eml_files(app) -> list[Path]:
    return sorted(Path(app.config["OUTBOX_PATH"]).glob("*.eml"))


def test_an_order_on_the_embedded_default_leaves_a_readable_eml_in_the_shoppers_language(embedded_mail_app):
    with embedded_mail_app.app_context():
        user = UserFactory(email="sokha@example.com", language=Language.KH)
        order = _place_order(user)
        number = order.order_number
    [path] = _eml_files(embedded_mail_app)
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert message["To"] == "sokha@example.com"
    assert message["Content-Language"] == "km"
    assert number in message["Subject"]
    assert re.search(r"[\u1780-\u17FF]", message["Subject"])  # in Khmer
    assert number in message.get_body(("plain",)).get_content()
    assert number in message.get_body(("html",)).get_content()
    assert message["Date"]


def test_staff_read_the_outbox_and_each_message(embedded_mail_app):
    with embedded_mail_app.app_context():
        order = _place_order(UserFactory(email="dara@example.com"))
        admin = AdminFactory(email="boss@skincare.example")
        number = order.order_number
        client = staff_page_client(embedded_mail_app.test_client(), admin)
    page = client.get("/admin/outbox")
    assert page.status_code == 200
    assert "No mail server is set" in page.text
    assert f"Your order {number}" in page.text and "dara@example.com" in page.text
    link = re.search(r'href="(/admin/outbox/sent/[^"]+\.eml)"', page.text).group(1)
    message = client.get(link)
    assert message.status_code == 200
    assert number in re.search(r'data-testid="text">(.*?)</pre>', message.text, re.S).group(1)
    assert "<iframe" in message.text and "sandbox" in message.text and "srcdoc=" in message.text
    assert client.get("/admin/outbox/sent/..%2Fsecret.eml").status_code == 404
    assert client.get("/admin/outbox/sent/nothing.eml").status_code == 404


class _Moody:
    """An SMTP server that refuses the first `refusals` messages (451, try later), then accepts."""

    def __init__(self, refusals: int) -> None:
        self.refusals = refusals
        self.tries = 0
        self.messages: list = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        with self.lock:
            self.tries += 1
            if self.tries <= self.refusals:
                return "451 4.3.0 Mailbox busy, try again later"
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


@pytest.fixture
def moody_smtp(app):
    def start(refusals: int) -> _Moody:
        handler = _Moody(refusals)
        controller = Controller(handler, hostname="127.0.0.1", port=free_port())
        controller.start()
        started.append(controller)
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, SMTP_USE_TLS=False, SMTP_USERNAME=None)
        return handler

    started: list[Controller] = []
    previous = {k: app.config.get(k) for k in ("SMTP_HOST", "SMTP_PORT", "MAIL_RETRY_INTERVALS")}
    yield start
    app.config.update(previous)
    for controller in started:
        controller.stop()


def _release_scheduled(app) -> list[float]:
    """Do what RQ's scheduler does when a retry is due: move the waiting jobs to the queue.
    Returns how many seconds from now each was scheduled for."""
    import time

    with app.app_context():
        queue = get_queue()
        registry = queue.scheduled_job_registry
        waits = []
        for job_id in registry.get_job_ids():
            waits.append(registry.get_scheduled_time(job_id).timestamp() - time.time())
            job = queue.fetch_job(job_id)
            registry.remove(job)
            queue.enqueue_job(job)
    return waits


def test_a_refused_send_is_retried_after_a_minute_and_then_delivered(app, db, moody_smtp, run_jobs):
    server = moody_smtp(refusals=1)
    enqueue(send_email, "dara@example.com", "Your order", "Thank you")
    assert run_jobs() == 1
    assert (server.tries, server.messages) == (1, [])
    [wait] = _release_scheduled(app)
    assert 50 < wait <= 60  # the first of MAIL_RETRY_INTERVALS
    run_jobs()
    assert server.tries == 2
    assert [m["To"] for m in server.messages] == ["dara@example.com"]
    assert not (Path(app.config["OUTBOX_PATH"]) / "failed").exists()


def test_a_send_that_fails_every_try_is_shown_to_staff_with_its_error(app, client, db, moody_smtp, run_jobs):
    server = moody_smtp(refusals=99)
    app.config["MAIL_RETRY_INTERVALS"] = (0, 0, 0)  # the retries at once: one worker burst runs them all
    enqueue(send_email, "vanna@example.com", "Your order SK-1", "Thank you")
    run_jobs()
    assert server.tries == 4  # the first try and three retries
    with app.app_context():
        assert len(FailedJobRegistry(queue=get_queue())) == 1
    [failed] = sorted((Path(app.config["OUTBOX_PATH"]) / "failed").glob("*.eml"))
    message = message_from_bytes(failed.read_bytes(), policy=policy.default)
    assert message["To"] == "vanna@example.com"
    assert "451" in message["X-Shop-Send-Error"] and message["X-Shop-Send-Attempts"] == "4"
    admin = AdminFactory(email="boss@skincare.example")
    page = staff_page_client(client, admin).get("/admin/outbox")
    failed_table = re.search(r'data-testid="failed">(.*?)</table>', page.text, re.S).group(1)
    assert "vanna@example.com" in failed_table and "Your order SK-1" in failed_table
    assert "451" in failed_table and "4 tries" in failed_table
