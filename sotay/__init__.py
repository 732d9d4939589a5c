"""The `sotay` command line (`sotay.cli`) and the settings read from the environment."""
from .settings import Settings

__all__ = ["Settings"]
