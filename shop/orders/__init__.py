"""Checkout, stock, the order status machine and order emails."""
