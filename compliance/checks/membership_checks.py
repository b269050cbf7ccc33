"""Checks on members, shares, exits, rules and artist certificates."""
