"""The skincare vocabulary: skin types and skin concerns, with translatable labels."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

SKIN_TYPE_LABELS = {
    "oily": _l("Oily"),
    "dry": _l("Dry"),
    "combination": _l("Combination"),
    "sensitive": _l("Sensitive"),
    "normal": _l("Normal"),
    "all": _l("All skin types"),
}

SKIN_CONCERN_LABELS = {
    "acne": _l("Acne"),
    "blackheads": _l("Blackheads"),
    "large_pores": _l("Large pores"),
    "oiliness": _l("Oiliness"),
    "dryness": _l("Dryness"),
    "dehydration": _l("Dehydration"),
    "dullness": _l("Dullness"),
    "uneven_tone": _l("Uneven skin tone"),
    "hyperpigmentation": _l("Hyperpigmentation"),
    "dark_spots": _l("Dark spots"),
    "fine_lines": _l("Fine lines"),
    "wrinkles": _l("Wrinkles"),
    "loss_of_firmness": _l("Loss of firmness"),
    "redness": _l("Redness"),
    "sensitivity": _l("Sensitivity"),
    "sun_damage": _l("Sun damage"),
    "dark_circles": _l("Dark circles"),
    "puffiness": _l("Puffiness"),
}

SKIN_CONCERNS = tuple(SKIN_CONCERN_LABELS)


def skin_type_label(code: str) -> str:
    """The translated label of a skin type code (the code itself when unknown)."""
    code = getattr(code, "value", code)
    return str(SKIN_TYPE_LABELS.get(code, code))


def concern_label(code: str) -> str:
    """The translated label of a skin concern code (the code itself when unknown)."""
    return str(SKIN_CONCERN_LABELS.get(code, code))
