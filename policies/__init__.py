"""Shipped policy files (GDPR, HIPAA, PCI-DSS, strict); loaded by :mod:`redactor.policy`."""
