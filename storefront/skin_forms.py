"""The skin questionnaire's step form. The answers themselves are checked by the domain
(shop.skin.questionnaire), which knows the questions; this form carries the step and CSRF."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField
from wtforms.validators import InputRequired, NumberRange

from shop.skin.questionnaire import STEPS


class SkinStepForm(FlaskForm):
    step = IntegerField(
        validators=[
            InputRequired(message=_l("This field is required.")),
            NumberRange(min=1, max=STEPS, message=_l("Choose one of the listed options.")),
        ]
    )
    direction = HiddenField(default="next")
