"""Models of environments."""
