"""The password policy and hashing."""

from __future__ import annotations

import pytest

from shop.accounts.passwords import hash_password, needs_rehash, password_problem, verify_password


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short1!", "too_short"),
        ("x" * 129, "too_long"),
        ("password", "common"),
        ("Password1", "common"),
        ("qwertyuiop", "common"),
        ("sokha@example.com", "is_email"),
        ("Mekong-river-2026", None),
        ("ផ្កាឈូកពណ៌ផ្កាឈូក", None),
    ],
)
def test_password_policy(password, problem):
    assert password_problem(password, "sokha@example.com") == problem


def test_hash_is_argon2id_and_verifies_only_the_right_password():
    hashed = hash_password("Mekong-river-2026")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "Mekong-river-2026") is True
    assert verify_password(hashed, "mekong-river-2026") is False
    assert verify_password("not a hash", "anything") is False
    assert needs_rehash(hashed) is False
