"""``python -m standin``: the stand-in's command line (``standin.cli``)."""

from standin.cli import main

raise SystemExit(main())
