"""``python -m redactor.cli`` is the ``redact`` command."""

from redactor.cli.main import main

raise SystemExit(main())
