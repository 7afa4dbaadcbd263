"""Recommendations: models trained offline (RQ job, `flask recommend train`), stored in MongoDB,
served with the shop's rules (active, in stock, not already bought)."""
