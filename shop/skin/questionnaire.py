"""The skin questionnaire: five short questions, answered one at a time, and how the answers
become a skin type, concerns and ingredients to avoid.

Answers are a plain dict (question code -> option code, or a list of codes for the multiple
choice questions), the same from the storefront's steps and from the JSON API.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from shop.catalog.vocab import SKIN_CONCERNS
from shop.skin.conflicts import AVOIDABLE

MAX_CONCERNS = 3


@dataclass(frozen=True)
class Question:
    code: str
    text: Any
    options: dict[str, Any]  # option code -> label
    multiple: bool = False
    required: bool = True


# The skin type each answer points to (sensitivity is its own question).
FEEL_VOTES = {"tight": "dry", "comfortable": "normal", "shiny_all": "oily", "shiny_tzone": "combination"}
MIDDAY_VOTES = {"flaky": "dry", "fresh": "normal", "shiny_all": "oily", "shiny_tzone": "combination"}

QUESTIONS: tuple[Question, ...] = (
    Question(
        "skin_feel",
        _l("An hour after washing your face, how does your skin feel?"),
        {
            "tight": _l("Tight or dry"),
            "comfortable": _l("Comfortable"),
            "shiny_all": _l("Shiny all over"),
            "shiny_tzone": _l("Shiny on the forehead and nose only"),
        },
    ),
    Question(
        "midday",
        _l("By midday, how does your face look?"),
        {
            "flaky": _l("Dull or flaky"),
            "fresh": _l("Fresh and even"),
            "shiny_all": _l("Oily all over"),
            "shiny_tzone": _l("Oily T-zone, normal cheeks"),
        },
    ),
    Question(
        "reactions",
        _l("How often does your skin sting or turn red with new products?"),
        {"often": _l("Often"), "sometimes": _l("Sometimes"), "rarely": _l("Rarely or never")},
    ),
    Question(
        "concerns",
        _l("What would you like to improve? Choose up to three."),
        {},  # filled below from the catalog's vocabulary
        multiple=True,
        required=False,
    ),
    Question(
        "avoid",
        _l("Are there ingredients you want to avoid?"),
        {},
        multiple=True,
        required=False,
    ),
)
QUESTION_CODES = tuple(q.code for q in QUESTIONS)
STEPS = len(QUESTIONS)


def question(code: str) -> Question:
    """A question by its code."""
    return next(q for q in QUESTIONS if q.code == code)


def options(q: Question) -> dict[str, Any]:
    """A question's options, code -> translatable label."""
    if q.code == "concerns":
        from shop.catalog.vocab import SKIN_CONCERN_LABELS

        return dict(SKIN_CONCERN_LABELS)
    if q.code == "avoid":
        from shop.skin.conflicts import INGREDIENT_GROUPS

        return {code: label for code, (label, _names) in INGREDIENT_GROUPS.items()}
    return q.options


def answer_errors(q: Question, value: Any) -> Any | None:
    """The translatable message for an invalid answer to `q`, or None when it is fine."""
    allowed = options(q)
    if q.multiple:
        values = value or []
        if not isinstance(values, list | tuple) or any(not isinstance(v, str) or v not in allowed for v in values):
            return _l("Choose one of the listed options.")
        if q.code == "concerns" and len(set(values)) > MAX_CONCERNS:
            return _l("Choose at most %(count)s.", count=MAX_CONCERNS)
        return None
    if value in (None, ""):
        return _l("Please choose an answer.") if q.required else None
    if not isinstance(value, str) or value not in allowed:
        return _l("Choose one of the listed options.")
    return None


def validate_answers(answers: dict[str, Any]) -> dict[str, Any]:
    """Every question's error message for a complete set of answers ({} when all are fine)."""
    errors = {}
    for q in QUESTIONS:
        message = answer_errors(q, answers.get(q.code))
        if message is not None:
            errors[q.code] = message
    return errors


@dataclass(frozen=True)
class SkinProfile:
    skin_type: str
    concerns: tuple[str, ...]
    avoid: tuple[str, ...]


def profile_from_answers(answers: dict[str, Any]) -> SkinProfile:
    """The skin type the answers point to (frequent reactions make it sensitive), with the
    chosen concerns and avoided ingredient groups, in questionnaire order."""
    votes = Counter([FEEL_VOTES[answers["skin_feel"]], MIDDAY_VOTES[answers["midday"]]])
    if answers["reactions"] == "often":
        skin_type = "sensitive"
    elif len(votes) == 1:
        skin_type = next(iter(votes))
    else:
        # Two different answers: oil in one and dryness in the other is combination skin;
        # otherwise the midday look (after hours in the heat) decides.
        kinds = set(votes)
        skin_type = "combination" if {"dry", "oily"} <= kinds else MIDDAY_VOTES[answers["midday"]]
    concerns = tuple(c for c in SKIN_CONCERNS if c in set(answers.get("concerns") or ()))
    avoid = tuple(a for a in AVOIDABLE if a in set(answers.get("avoid") or ()))
    if answers["reactions"] != "rarely" and "sensitivity" not in concerns and len(concerns) < MAX_CONCERNS:
        concerns = (*concerns, "sensitivity")
    return SkinProfile(skin_type, concerns, avoid)
