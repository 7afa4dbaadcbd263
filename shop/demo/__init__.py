"""Demo data for `flask seed`."""
