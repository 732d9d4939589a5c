"""What one client may ask of the service: how large a request body, how many writes a minute,
how many wrong passwords.

Writes (uploads and deletes) are rate-limited per client address with Flask-Limiter, counted
whether or not the editor token was right, so a guessed or stolen token cannot flood the single
write lock and guessing is slow. The client address is the socket's peer unless the settings say
how many reverse proxies stand in front (`SOTAY_TRUSTED_PROXIES`): only then are their
`X-Forwarded-*` headers believed, since any client can send those headers itself.
"""
from __future__ import annotations

from flask import Flask, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.middleware.proxy_fix import ProxyFix

from settings import Settings

MB = 1024 * 1024
# Only an upload carries files; every other route takes at most a JSON body of 20,000
# characters (POST /api/tts), which this bounds with room to spare.
SMALL_BODY = 1 * MB
UPLOADS = {"editor.upload"}
WRITES = ("editor.upload", "editor.delete")
# Forms that check a password: failed attempts count per username and per client address.
PASSWORD_FORMS = ("accounts.sign_in", "accounts.change_password")


def install_limits(app: Flask, settings: Settings) -> Limiter:
    """Bound request bodies on every route and rate-limit the writes of `app`."""
    if settings.trusted_proxies:
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_prefix=n)  # type: ignore[method-assign]

    # One limiter an app, counting in memory: `sotay serve` is one process (waitress threads).
    limiter = Limiter(get_remote_address, app=app, storage_uri="memory://", headers_enabled=True,
                      default_limits=[])
    # One budget for all writes: uploads and deletes count together.
    writes = limiter.shared_limit(settings.write_rate_limit, scope="writes")
    for endpoint in WRITES:
        app.view_functions[endpoint] = writes(app.view_functions[endpoint])

    from .accounts import attempt_account, failed, locked_out

    # Only failures are counted, so a member who signs in right is never locked out by their own
    # successes; the per-address budget is larger, as one office's members may share an address.
    per_account = limiter.shared_limit(settings.sign_in_account_limit, scope="sign-in-account",
                                       key_func=attempt_account, methods=["POST"], deduct_when=failed,
                                       on_breach=locked_out)
    per_address = limiter.shared_limit(settings.sign_in_address_limit, scope="sign-in-address",
                                       methods=["POST"], deduct_when=failed, on_breach=locked_out)
    for endpoint in PASSWORD_FORMS:
        app.view_functions[endpoint] = per_address(per_account(app.view_functions[endpoint]))

    @app.before_request
    def _bound_the_body() -> None:
        if request.endpoint not in UPLOADS:
            request.max_content_length = SMALL_BODY

    return limiter
