"""Delivery zones: which provinces each zone covers, its methods, rates and estimates."""
