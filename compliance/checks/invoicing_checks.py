"""Checks on invoices, documents, e-invoicing and clients."""
