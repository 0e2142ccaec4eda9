"""Deterministic, invented seed data for the relationship register (exchange format)."""

from .generator import COLUMNS, generate_trust

__all__ = ["COLUMNS", "generate_trust"]
