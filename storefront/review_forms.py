"""The review form on product pages. It checks the shape of the input; the review rules
(plain text, lengths, one review per product) are shop.reviews.services'."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Optional, ValidationError

from shop.reviews.models import MAX_RATING, RATINGS_BEST_FIRST
from shop.reviews.services import MAX_COMMENT, MAX_TITLE
from web.forms import REQUIRED, MaxLength, strip, whole_number

RATING_MESSAGE = _l("Choose a rating from 1 to 5 stars.")


def _rating_choices():
    return [(str(n), str(n)) for n in RATINGS_BEST_FIRST]


def stars_given(form, field) -> None:
    number = whole_number(field.data)
    if number is None or not 1 <= number <= MAX_RATING:
        raise ValidationError(str(RATING_MESSAGE))


class ReviewForm(FlaskForm):
    rating = RadioField(_l("Your rating"), choices=_rating_choices, validate_choice=False, validators=[stars_given])
    title = StringField(_l("Title"), filters=[strip], validators=[Optional(), MaxLength(MAX_TITLE)])
    comment = TextAreaField(
        _l("Your review"), filters=[strip], validators=[DataRequired(REQUIRED), MaxLength(MAX_COMMENT)]
    )

    def values(self) -> dict:
        return {"rating": whole_number(self.rating.data), "title": self.title.data, "comment": self.comment.data}
