"""Models of entitlements."""
