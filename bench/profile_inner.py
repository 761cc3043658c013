"""Entry point of bench/profile.py under the benchmark's settings (its own process)."""

from bench.profile import profile_inner

profile_inner()
