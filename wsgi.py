"""WSGI entry point: `gunicorn wsgi:app`."""

from shop import create_server_app

app = create_server_app()
