"""The ``treffpunkt`` command line: the main group, its context and output helpers, device commands."""
