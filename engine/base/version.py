"""The engine's version, read by the policy loader (requires:) and the cache key."""

__version__ = "1.0.0"
