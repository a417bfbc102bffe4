"""Serving the warehouse to readers: the pseudonymised served file
(publish, pseudonyms) and the locked-down reader connection."""
