"""Test support: the real servers the suite talks to."""
