"""``python -m shared`` runs the ``treffpunkt`` command line."""

from shared.cli import main

main()
