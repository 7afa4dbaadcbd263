"""How often one address may do what costs the shop (an account, an email, a password check),
declared once for every door: the pages and the API draw on the same allowance (one scope per
action), so switching doors gains nothing. On top of the services' own rules (the sign-in
lockout) and of the global per-address limit (`RATE_LIMIT_GLOBAL`)."""

from __future__ import annotations

from shop.extensions import limiter

REGISTER_LIMIT = "20 per hour"
EMAIL_SENDING_LIMIT = "10 per 15 minutes"
CHANGE_PASSWORD_LIMIT = "10 per 15 minutes"  # the current password is checked: guessing it is throttled

register = limiter.shared_limit(REGISTER_LIMIT, scope="register", methods=["POST"])
password_reset_email = limiter.shared_limit(EMAIL_SENDING_LIMIT, scope="forgot-password", methods=["POST"])
verification_email = limiter.shared_limit(EMAIL_SENDING_LIMIT, scope="resend-verification", methods=["POST"])
change_password = limiter.shared_limit(CHANGE_PASSWORD_LIMIT, scope="change-password", methods=["POST"])
