"""The ``galerie`` command: Django's management commands under one name.

``galerie demo``, ``galerie serve``, ``galerie seed`` and Django's own commands
(``galerie migrate``, ``galerie createsuperuser`` …) all go through here.
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "galerie.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["galerie", *sys.argv[1:]])


if __name__ == "__main__":
    main()
