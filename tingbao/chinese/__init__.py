"""chinese."""
