"""Packaging: prompt-set layouts, books and chapters, release archives."""
