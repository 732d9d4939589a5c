"""The `sotay` command line (`sotay.cli`): thin commands over the library."""
