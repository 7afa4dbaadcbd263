"""Guest and user carts; the guest cart merges into the user's on login."""
