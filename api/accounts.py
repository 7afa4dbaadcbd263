"""Accounts over JSON: /api/v1/auth/*, /api/v1/user/addresses*, /api/v1/admin/login|logout|me."""

from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_babel import gettext as _
from flask_jwt_extended import current_user, get_jwt, jwt_required
from flask_smorest import Blueprint
from marshmallow import Schema, fields, post_load, validate

from api import shopper_schemas as out
from api.admin_access import staff_token_required
from api.schemas import EmptyEnvelope
from api.tokens import claim_rotation, issue_tokens, revoke, revoke_encoded, revoke_family
from shop.accounts import limits
from shop.accounts import services as accounts
from shop.accounts.models import ADDRESS_TYPES, GENDERS, User
from shop.catalog.models import SkinType
from shop.i18n import to_db_language
from web.envelope import error_response, success_response
from web.messages import translatable as _m

auth_bp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Sign-up, sign-in and tokens")
user_bp = Blueprint("user", __name__, url_prefix="/api/v1/user", description="The signed-in user's address book")
admin_auth_bp = Blueprint("admin_auth", __name__, url_prefix="/api/v1/admin", description="Staff sign-in")

LANGUAGES = ("en", "kh", "km")
NAME = validate.Length(max=100)
PHONE = validate.Regexp(r"^\+?[0-9 ()-]{6,20}$", error=_m("Enter a phone number, e.g. +855 12 345 678."))


class Email(fields.Email):
    """An email address, trimmed and lower-cased (that is how accounts are matched)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = value.strip().lower()
        return super()._deserialize(value, attr, data, **kwargs)


def _language(value: str | None) -> str | None:
    return to_db_language(value) if value else value


# ---------------------------------------------------------------- schemas


class RegisterIn(Schema):
    email = Email(required=True, validate=validate.Length(max=255))
    password = fields.String(required=True, validate=validate.Length(max=128))
    first_name = fields.String(validate=NAME)
    last_name = fields.String(validate=NAME)
    phone = fields.String(validate=PHONE)
    language = fields.String(load_default="en", validate=validate.OneOf(LANGUAGES))
    skin_type = fields.String(validate=validate.OneOf([s.value for s in SkinType]))

    @post_load
    def _normalize(self, data, **_kwargs):
        data["language"] = _language(data["language"])
        return data


class LoginIn(Schema):
    email = Email(required=True, validate=validate.Length(max=255))
    password = fields.String(required=True, validate=validate.Length(max=128))


class EmailIn(Schema):
    email = Email(required=True, validate=validate.Length(max=255))


class TokenIn(Schema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=200))


class ResetPasswordIn(TokenIn):
    password = fields.String(required=True, validate=validate.Length(max=128))


class ChangePasswordIn(Schema):
    current_password = fields.String(required=True, validate=validate.Length(max=128))
    new_password = fields.String(required=True, validate=validate.Length(max=128))


class LogoutIn(Schema):
    refresh_token = fields.String(validate=validate.Length(max=2000))


class ProfileIn(Schema):
    first_name = fields.String(allow_none=True, validate=NAME)
    last_name = fields.String(allow_none=True, validate=NAME)
    phone = fields.String(allow_none=True, validate=PHONE)
    date_of_birth = fields.Date(allow_none=True)
    gender = fields.String(allow_none=True, validate=validate.OneOf(GENDERS))
    skin_type = fields.String(validate=validate.OneOf([s.value for s in SkinType]))
    language = fields.String(validate=validate.OneOf(LANGUAGES))

    @post_load
    def _normalize(self, data, **_kwargs):
        if "language" in data:
            data["language"] = _language(data["language"])
        return data


PROVINCE_DOC = "ISO 3166-2:KH code (KH-12 is Phnom Penh) or the province's English or Khmer name"


class AddressIn(Schema):
    """A Cambodian address: a province (or, from older clients, a city naming one), house and
    street, and a Cambodian phone (stored as E.164); the rest is optional."""

    type = fields.String(validate=validate.OneOf(ADDRESS_TYPES))
    first_name = fields.String(allow_none=True, validate=NAME)
    last_name = fields.String(allow_none=True, validate=NAME)
    company = fields.String(allow_none=True, validate=NAME)
    address_line1 = fields.String(required=True, validate=validate.Length(min=1, max=255))
    address_line2 = fields.String(allow_none=True, validate=validate.Length(max=255))
    province = fields.String(allow_none=True, validate=validate.Length(max=40), metadata={"description": PROVINCE_DOC})
    district = fields.String(allow_none=True, validate=validate.Length(max=100), metadata={"description": "khan"})
    commune = fields.String(allow_none=True, validate=validate.Length(max=100), metadata={"description": "sangkat"})
    landmark = fields.String(allow_none=True, validate=validate.Length(max=255))
    city = fields.String(allow_none=True, validate=validate.Length(max=100))
    state = fields.String(allow_none=True, validate=validate.Length(max=100))
    postal_code = fields.String(allow_none=True, validate=validate.Length(max=20))
    country = fields.String(validate=validate.Length(min=1, max=100))
    phone = fields.String(
        allow_none=True, validate=validate.Length(max=30), metadata={"description": "Cambodian, e.g. 012 345 678"}
    )
    is_default = fields.Boolean()


class AddressPatchIn(AddressIn):
    """The same fields, all optional (used with partial=True)."""


def _user(user: User) -> dict:
    return out.UserSchema().dump(user)


def _signed_in(user: User, message: str, status: int = 200):
    return success_response({"user": _user(user), "tokens": issue_tokens(user)}, message, status)


def _signed_out(data: dict):
    """Revoke this access token and, when the client sends it, its refresh token."""
    revoke(get_jwt())
    if data.get("refresh_token"):
        revoke_encoded(data["refresh_token"])
    return success_response(None, _("Signed out."))


# ---------------------------------------------------------------- /auth


@auth_bp.post("/register")
@auth_bp.response(201, out.SignedInEnvelope)
@limits.register
@auth_bp.arguments(RegisterIn)
def register(data):
    """Create a customer account; a verification email follows. Returns the user and tokens."""
    password = data.pop("password")
    user = accounts.register(data.pop("email"), password, **data)
    return _signed_in(user, _("Welcome! Please check your email to confirm your address."), 201)


@auth_bp.post("/login")
@auth_bp.response(200, out.SignedInEnvelope)
@auth_bp.arguments(LoginIn)
def login(data):
    """Exchange email and password for an access and a refresh token."""
    user = accounts.authenticate(data["email"], data["password"], ip=request.remote_addr)
    return _signed_in(user, _("Signed in."))


@auth_bp.post("/logout")
@auth_bp.response(200, EmptyEnvelope)
@auth_bp.arguments(LogoutIn)
@jwt_required()
def logout(data):
    """Revoke this access token (and the refresh token, when given)."""
    return _signed_out(data)


@auth_bp.post("/refresh")
@auth_bp.response(200, out.TokensEnvelope)
@jwt_required(refresh=True)
def refresh():
    """Exchange a refresh token (once) for a new token pair."""
    if not claim_rotation(get_jwt()):  # presented twice at once: one wins, the other is reuse
        revoke_family(get_jwt())
        return error_response(str(_("Your session has ended. Please sign in again.")), 401)
    return success_response({"tokens": issue_tokens(current_user)})


@auth_bp.get("/me")
@auth_bp.response(200, out.UserEnvelope)
@jwt_required()
def me():
    """The signed-in user."""
    return success_response(_user(current_user))


@auth_bp.put("/profile")
@auth_bp.response(200, out.UserEnvelope)
@auth_bp.arguments(ProfileIn)
@jwt_required()
def update_profile(data):
    """Change profile fields; fields not sent stay as they are."""
    user = accounts.update_profile(current_user, data)
    return success_response(_user(user), _("Your profile was saved."))


@auth_bp.post("/verify-email")
@auth_bp.response(200, out.UserEnvelope)
@auth_bp.arguments(TokenIn)
def verify_email(data):
    """Confirm an email address with the token from the email."""
    user = accounts.verify_email(data["token"])
    return success_response(_user(user), _("Your email address is confirmed."))


@auth_bp.post("/resend-verification")
@auth_bp.response(200, EmptyEnvelope)
@limits.verification_email
@auth_bp.arguments(EmailIn)
def resend_verification(data):
    """Send the verification email again (the answer does not say whether the account exists)."""
    accounts.resend_verification(data["email"])
    return success_response(None, _("If an unconfirmed account uses this email, we are sending a new link."))


@auth_bp.post("/forgot-password")
@auth_bp.response(200, EmptyEnvelope)
@limits.password_reset_email
@auth_bp.arguments(EmailIn)
def forgot_password(data):
    """Email a password reset link (the answer does not say whether the account exists)."""
    accounts.request_password_reset(data["email"])
    return success_response(None, _("If an account uses this email, we are sending a link to reset the password."))


@auth_bp.post("/reset-password")
@auth_bp.response(200, EmptyEnvelope)
@auth_bp.arguments(ResetPasswordIn)
def reset_password(data):
    """Set a new password with the token from the reset email; all sessions end."""
    accounts.reset_password(data["token"], data["password"])
    return success_response(None, _("Your password was changed. Please sign in."))


@auth_bp.post("/change-password")
@auth_bp.response(200, out.SignedInEnvelope)
@limits.change_password
@auth_bp.arguments(ChangePasswordIn)
@jwt_required()
def change_password(data):
    """Change the password; every other session ends, and this one gets new tokens."""
    user = accounts.change_password(current_user, data["current_password"], data["new_password"])
    return _signed_in(user, _("Your password was changed."))


# ---------------------------------------------------------------- /user/addresses


@user_bp.route("/addresses")
class Addresses(MethodView):
    decorators = [jwt_required()]

    @user_bp.response(200, out.AddressListEnvelope)
    def get(self):
        """The signed-in user's addresses, defaults first."""
        return success_response(out.AddressSchema(many=True).dump(accounts.list_addresses(current_user.id)))

    @user_bp.response(201, out.AddressEnvelope)
    @user_bp.arguments(AddressIn)
    def post(self, data):
        """Add an address (the first of its type becomes the default)."""
        address = accounts.add_address(current_user.id, data)
        return success_response(out.AddressSchema().dump(address), _("Address added."), 201)


@user_bp.route("/addresses/<int:address_id>")
class AddressItem(MethodView):
    decorators = [jwt_required()]

    @user_bp.response(200, out.AddressEnvelope)
    @user_bp.arguments(AddressPatchIn(partial=True))
    def put(self, data, address_id: int):
        """Change one of your addresses (404 for anyone else's)."""
        address = accounts.update_address(current_user.id, address_id, data)
        return success_response(out.AddressSchema().dump(address), _("Address saved."))

    @user_bp.response(200, EmptyEnvelope)
    def delete(self, address_id: int):
        """Delete one of your addresses."""
        accounts.delete_address(current_user.id, address_id)
        return success_response(None, _("Address deleted."))


@user_bp.post("/addresses/<int:address_id>/default")
@user_bp.response(200, out.AddressEnvelope)
@jwt_required()
def make_default(address_id: int):
    """Make this the default address of its type."""
    address = accounts.set_default_address(current_user.id, address_id)
    return success_response(out.AddressSchema().dump(address), _("Default address changed."))


# ---------------------------------------------------------------- /admin


@admin_auth_bp.post("/login")
@admin_auth_bp.response(200, out.SignedInEnvelope)
@admin_auth_bp.arguments(LoginIn)
def admin_login(data):
    """Staff sign-in (admins and moderators only)."""
    user = accounts.authenticate(data["email"], data["password"], ip=request.remote_addr, staff_only=True)
    return _signed_in(user, _("Signed in."))


@admin_auth_bp.post("/logout")
@admin_auth_bp.response(200, EmptyEnvelope)
@staff_token_required
@admin_auth_bp.arguments(LogoutIn)
def admin_logout(data):
    """Revoke this staff token (and the refresh token, when given)."""
    return _signed_out(data)


@admin_auth_bp.get("/me")
@admin_auth_bp.response(200, out.UserEnvelope)
@staff_token_required
def admin_me():
    """The signed-in staff member."""
    return success_response(_user(current_user))
