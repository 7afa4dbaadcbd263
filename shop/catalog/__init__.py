"""Products, categories, images and search."""
