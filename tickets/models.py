"""Models of tickets."""
