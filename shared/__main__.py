"""``python -m shared`` runs the ``treffpunkt`` command line."""

from shared.cli.main import main

main()
