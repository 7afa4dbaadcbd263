"""Analytics events and metrics in MongoDB."""
