"""Copies read together (shop.infra.redis_copies.read_together): each is served once to the
next read of the request, as if read then; a change forgotten in between is read again. Real Redis."""

from __future__ import annotations

from shop.infra import redis_copies


def test_copies_read_together_are_served_once_and_a_forgotten_one_is_read_again(app, redis_client):
    redis_client.set("cart:1", "two lines")
    redis_client.set("wishlist:1", "three ids")
    with app.test_request_context("/"):
        redis_copies.read_together(["cart:1", "wishlist:1", "reviews:1"])
        redis_client.set("cart:1", "changed elsewhere after the read")
        assert redis_copies.read("cart:1").value == b"two lines"  # as read together
        assert redis_copies.read("cart:1").value == b"changed elsewhere after the read"  # once only
        assert redis_copies.read("reviews:1").value is None  # a miss read together is a miss
        redis_copies.forget("wishlist:1")  # this request changed it
        copy = redis_copies.read("wishlist:1")
        assert copy.value is None and copy.version == b"1"
    with app.test_request_context("/"):  # another request reads afresh
        assert redis_copies.read("cart:1").value == b"changed elsewhere after the read"


def test_a_copy_read_together_stores_only_if_nothing_changed_since(app, redis_client):
    with app.test_request_context("/"):
        redis_copies.read_together(["wishlist:2"])
        seen = redis_copies.read("wishlist:2")
        redis_copies.forget("wishlist:2")  # a change committed after the read
        assert not redis_copies.store("wishlist:2", "[1]", seen=seen, ttl=60)
    assert redis_client.get("wishlist:2") is None
