"""``python -m client_session_core``: the ``client-session`` command."""

from ._cli import main

raise SystemExit(main())
