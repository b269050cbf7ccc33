"""Checks on stored documents, e-invoicing and clients' identifiers."""
