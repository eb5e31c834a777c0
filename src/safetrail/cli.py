"""The ``safetrail`` command.

    safetrail serve [--bind ADDRESS] [--workers N] [--reload]
    safetrail migrate
    safetrail demo --username U --password P
    safetrail streetsafe-purge | streetsafe-rollups --check | streetsafe-import-police FILE...
    safetrail <any django-admin command>

A verb may be written with dashes: ``streetsafe-purge`` runs the management
command ``streetsafe_purge`` (Django's own commands have no dashes).

Every verb runs with ``safetrail.settings`` unless DJANGO_SETTINGS_MODULE says
otherwise, so the same command works on a laptop and in production.
"""

from __future__ import annotations

import argparse
import os
import sys

from safetrail.env import ConfigurationError, env_int, env_str


def _django(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safetrail.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["safetrail", *argv])


def _serve(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="safetrail serve", description="Run the web app.")
    try:
        bind = env_str("SAFETRAIL_BIND", "127.0.0.1:8000")
        workers = env_int("SAFETRAIL_WORKERS", 2)
    except ConfigurationError as error:
        parser.error(str(error))
    parser.add_argument("--bind", default=bind)
    parser.add_argument("--workers", type=int, default=workers)
    parser.add_argument("--reload", action="store_true", help="restart when the code changes")
    options = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safetrail.settings")
    import django

    django.setup()  # fail here, with Django's message, if the settings are wrong
    from gunicorn.app.wsgiapp import run

    sys.argv = [
        "gunicorn",
        "--config",
        "python:safetrail.gunicorn_conf",
        "--bind",
        options.bind,
        "--workers",
        str(options.workers),
        *(["--reload"] if options.reload else []),
        "safetrail.wsgi:application",
    ]
    run()


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "serve":
        _serve(args[1:])
    else:
        if args and not args[0].startswith("-"):
            args[0] = args[0].replace("-", "_")
        _django(args)


if __name__ == "__main__":
    main()
