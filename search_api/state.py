"""What every request reaches for: the app's settings and library."""
from __future__ import annotations

from flask import current_app

from settings import Settings


def settings() -> Settings:
    return current_app.extensions["sotay"]["settings"]


def library():
    return current_app.extensions["sotay"]["library"]
