"""``python -m console`` runs the ``whodidthis`` command."""

from console.cli import main

raise SystemExit(main())
