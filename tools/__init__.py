"""Helpers without ORM of the payer portal."""
