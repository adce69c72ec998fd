"""Antiport node."""
