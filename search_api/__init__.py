"""The web service: JSON API, HTML pages and editor uploads over an `index.store.Library`.

`create_app(settings, library=None)` builds the Flask app that `sotay serve` runs under waitress
and that tests drive with `app.test_client()`.
"""
from .app import create_app

__all__ = ["create_app"]
