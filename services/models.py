"""Models of services."""
