"""What every request reaches for: the app's settings and library."""
from __future__ import annotations

from flask import current_app

from index import Library
from settings import Settings


def settings() -> Settings:
    return current_app.extensions["sotay"]["settings"]


def library() -> Library:
    return current_app.extensions["sotay"]["library"]
