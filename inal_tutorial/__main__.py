"""``python -m inal_tutorial``: the command line (see :mod:`inal_tutorial.cli`)."""

from .cli import main

raise SystemExit(main())
