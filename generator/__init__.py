"""Paperlist: turn listing dumps into a curated, searchable reading-list site."""
