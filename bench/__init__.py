"""The benchmark: `make bench` (see bench/run.py). Nothing here is imported by the product."""
