"""Skin analysis: the questionnaire, the routine built from it, and ingredient conflicts."""
