"""WSGI entry point for servers given a module path: ``gunicorn learn_habitat.wsgi:app``."""

from learn_habitat import create_app

app = create_app()
