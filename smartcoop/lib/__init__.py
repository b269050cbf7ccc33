"""Small shared primitives with no app imports (architecture.md, Layout)."""
