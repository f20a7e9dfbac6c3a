"""Helpers shared by the tests and the benches (scratch databases, staff login)."""
