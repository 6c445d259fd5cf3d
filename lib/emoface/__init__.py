"""emoface."""
