"""Presidio recognizers: the GLiNER2 policy recognizer and checksummed patterns."""
