"""Users, addresses, authentication tokens and account emails."""
