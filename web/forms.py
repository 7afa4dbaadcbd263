"""Form helpers every door's forms use: validators with translatable messages (WTForms ships
no Khmer), and `submit`, which validates a form, calls the service and shows its ShopError on
the field it names."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, EmailField
from wtforms.validators import DataRequired, ValidationError

from shop.accounts.models import EMAIL_REGEX
from shop.errors import ShopError, TooManyAttempts
from shop.infra.inputs import OUT_OF_RANGE_DAY, day_in_range

REQUIRED = _l("This field is required.")
CHOOSE_LISTED = _l("Choose one of the listed options.")
EMAIL_PATTERN = re.compile(EMAIL_REGEX)


def strip(value):
    return value.strip() if isinstance(value, str) else value


class MaxLength:
    """At most `max` characters (the column's length); also renders `maxlength`."""

    def __init__(self, max: int) -> None:
        self.max = max
        self.field_flags = {"maxlength": max}

    def __call__(self, form, field) -> None:
        if field.data and len(field.data) > self.max:
            raise ValidationError(_("Must be at most {max} characters.").format(max=self.max))


def whole_number(text: str | None) -> int | None:
    """'3' -> 3, also in Khmer digits ('៣'); anything that is not a whole number -> None."""
    text = (text or "").strip()
    if not text.isdecimal() or len(text) > 9:
        return None
    return int(text)


class DayField(DateField):
    """A date (YYYY-MM-DD) within the shop's range (shop.infra.inputs: 1900 to 2100), so
    `0001-01-01` or `9999-12-31` is a field error, never an overflow in a date sum or a query."""

    def __init__(self, label=None, validators=None, **kwargs) -> None:
        kwargs.setdefault("invalid_value_message", _l("Must be a date (YYYY-MM-DD)."))
        super().__init__(label, validators, **kwargs)

    def pre_validate(self, form) -> None:
        day: date | None = getattr(self, "data", None)
        if day is not None and not day_in_range(day):
            self.data = None
            raise ValidationError(str(OUT_OF_RANGE_DAY))


def email_address(form, field) -> None:
    """The database's own email rule (a CHECK constraint), so what passes here is stored."""
    if field.data and not EMAIL_PATTERN.match(field.data):
        raise ValidationError(_("Must be a valid email address."))


def one_of(values):
    def check(form, field) -> None:
        if field.data not in values:
            raise ValidationError(CHOOSE_LISTED)

    return check


def email_field():
    """The email field of every form that asks for one: the database's own length and rule."""
    return EmailField(_l("Email"), filters=[strip], validators=[DataRequired(REQUIRED), MaxLength(255), email_address])


# ---------------------------------------------------------------- service errors


def show_service_error(form: FlaskForm, error: ShopError) -> None:
    """Show a service's error on the field it names, or above the form when it names none
    (or a field the page does not show, such as a link's token)."""
    field = form._fields.get(error.field) if error.field else None
    message = str(error.message)
    if field is None or field.type in ("HiddenField", "CSRFTokenField"):
        form.form_errors.append(message)
    else:
        field.errors = [*field.errors, message]


@dataclass
class Submission:
    """What became of a posted form: `done` with the service's `result`, or the status (and
    headers) to re-render the form with."""

    done: bool = False
    result: Any = None
    status: int = 200
    headers: dict = dataclass_field(default_factory=dict)


def error_status(error: ShopError) -> int:
    """The page status for a service error. 401 promises an HTTP auth scheme (WWW-Authenticate)
    that a sign-in form does not have: a wrong password on a form is bad input, 400."""
    return 400 if error.status == 401 else error.status


def submit(form: FlaskForm, action: Callable[[], Any]) -> Submission:
    """On POST: validate `form` (422 with field messages when invalid), then call `action`, the
    service. A ShopError goes on the form with its status; TooManyAttempts adds Retry-After."""
    if not form.is_submitted():
        return Submission()
    if not form.validate():
        return Submission(status=422)
    try:
        return Submission(done=True, result=action())
    except ShopError as error:
        show_service_error(form, error)
        headers = {"Retry-After": str(error.retry_after)} if isinstance(error, TooManyAttempts) else {}
        return Submission(status=error_status(error), headers=headers)
