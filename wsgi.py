"""WSGI entry point: `gunicorn wsgi:app`."""

from shop import create_app

app = create_app()
