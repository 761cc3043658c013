"""Back-office models (canned replies)."""
