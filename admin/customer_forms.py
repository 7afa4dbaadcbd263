"""Forms of the customer pages. The account rules (a free, valid email; listed choices) are
shop.accounts.customers'; these check the shape of the input, with translatable messages."""

from __future__ import annotations

from web.account_forms import ProfileForm
from web.forms import email_field


class CustomerForm(ProfileForm):
    email = email_field()

    def changes(self) -> dict:
        return {**super().changes(), "email": self.email.data}
