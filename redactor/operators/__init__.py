"""Custom Presidio anonymizer operators: keyed hashes, authenticated encryption, pseudonyms, Safe Harbor generalizers."""
