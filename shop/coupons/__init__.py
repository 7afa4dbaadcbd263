"""Coupon rules and usage."""
