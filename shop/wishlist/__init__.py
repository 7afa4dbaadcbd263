"""Shoppers' wishlists."""
