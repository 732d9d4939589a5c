"""Signed-in sessions on the pages, and the CSRF tokens that guard every form that changes state.

A session is Flask's signed cookie (itsdangerous, HMAC over the secret key) holding the member's
id and their *session epoch*; `viewer.py` reads the member from the database at every request and
drops a session whose epoch is old, so a password change or a sign-out ends every copy of it.
The cookie is HttpOnly and SameSite=Lax always, and Secure whenever the request came over HTTPS
(as `ProxyFix` reports it behind a trusted proxy, `SOTAY_TRUSTED_PROXIES`), so a plain-HTTP
`make run` on a laptop still works while a deployment behind TLS never sends it in clear.

The secret key is `SOTAY_SECRET_KEY`, or one made once and kept in `<index dir>/secret_key`
(mode 0600): restarts keep members signed in, and two servers over one index agree.

CSRF (Flask-WTF): a state-changing request that a browser could send on its own, with the cookie
attached, needs the form's token (`csrf_token` field or `X-CSRFToken` header). A request that
carries `Authorization: Bearer` is exempt: browsers never add that header by themselves, so it
cannot be forged cross-site (the editor page's script and API clients send one). An API request
without a signed-in session has no ambient authority to abuse and is exempt too; the pages' forms
always check, the sign-in form included (no signing a victim into the attacker's account).
"""
from __future__ import annotations

import os
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path

from flask import Flask, render_template, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError, CSRFProtect

from settings import Settings

from .errors import respond, wants_json

SECRET_FILE = "secret_key"
COOKIE_NAME = "sotay_session"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, Secure exactly when this request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return request.is_secure


def secret_key(settings: Settings) -> str:
    """`SOTAY_SECRET_KEY`, else the one kept under the index folder (made on first use)."""
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.index_dir) / SECRET_FILE
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written whole under another name, then linked into place: a second process starting at the
    # same moment either wins the link or reads the winner's complete key, never half a file.
    fd, partial = tempfile.mkstemp(prefix=".secret-", dir=path.parent)  # mkstemp makes it 0600
    try:
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(secrets.token_urlsafe(48))
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(partial, path)
        except FileExistsError:
            pass
    finally:
        os.unlink(partial)
    return path.read_text(encoding="ascii").strip()


def needs_csrf() -> bool:
    if request.method not in UNSAFE_METHODS or "Authorization" in request.headers:
        return False
    if request.path.startswith("/api/"):
        return "member" in session
    return True


def install_sessions(app: Flask, settings: Settings) -> CSRFProtect:
    app.secret_key = secret_key(settings)
    app.session_interface = SessionCookies()
    app.config.update(
        SESSION_COOKIE_NAME=COOKIE_NAME,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(days=settings.session_days),
        # Checked by the hook below, which knows which requests a browser could forge.
        WTF_CSRF_CHECK_DEFAULT=False,
        # A form left open on a phone for hours still posts: the token lives as long as the session.
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_SSL_STRICT=True,
    )
    csrf = CSRFProtect(app)

    @app.before_request
    def _check_csrf() -> None:
        if needs_csrf():
            csrf.protect()

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError):
        if wants_json():
            return respond(400, "csrf_failed", "missing or stale CSRF token: send the page's token as X-CSRFToken, "
                           "or authenticate with 'Authorization: Bearer <token>'")
        return render_template("error.html", status=400, title="Biểu mẫu đã hết hạn",
                               advice="Vì an toàn, hãy tải lại trang rồi gửi lại."), 400

    return csrf
