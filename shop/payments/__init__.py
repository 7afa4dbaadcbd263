"""Payments: KHQR (Bakong) and cash on delivery, behind one small provider interface."""
