"""Product reviews, moderation and rating aggregates."""
