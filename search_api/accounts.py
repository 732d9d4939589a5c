"""Signing in and out on the pages, and a member changing their own password.

A wrong username and a wrong password get the same page, the same status and (in `Members.
sign_in`) the same time. Failed attempts are counted per username and per client address
(`limits.py`); past either budget the form says, in Vietnamese, how long to wait. A member whose
password was chosen by someone else (an initial one printed by `sotay user add/import`) is sent to
change it before any other page. Passwords never reach a log, a cookie or a page.
"""
from __future__ import annotations

import math
import time

from flask import Blueprint, g, make_response, redirect, render_template, request, session, url_for

from members import MembersError, WrongPassword

from .viewer import members, session_member, start_session

bp = Blueprint("accounts", __name__)

WRONG = "Tên đăng nhập hoặc mật khẩu không đúng."
MAX_FIELD = 256
# Pages a member who must change their password may still open.
OPEN_WHILE_CHANGING = {"accounts.change_password", "accounts.sign_out", "accounts.sign_in", "static"}


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a path on this site, never another site ("//evil", "https://")."""
    value = (value or "").strip()
    if not value.startswith("/") or value.startswith("//") or "\\" in value or any(ord(c) < 32 for c in value):
        return url_for("pages.search")
    return value


def no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def form_field(name: str) -> str:
    return (request.form.get(name) or "")[:MAX_FIELD]


@bp.route("/dang-nhap", methods=["GET", "POST"])
def sign_in():
    target = safe_next(request.values.get("next"))
    if request.method == "GET":
        if session_member() is not None:
            return redirect(target, 303)
        return no_store(make_response(render_template("sign_in.html", next=target, username="", error=None)))
    username = form_field("username").strip()
    member = members().sign_in(username, form_field("password"))
    if member is None:
        g.sign_in_failed = True  # counted by the sign-in limits
        page = render_template("sign_in.html", next=target, username=username, error=WRONG)
        return no_store(make_response(page, 200))
    start_session(member)
    if member.must_change_password:
        return redirect(url_for("accounts.change_password", next=target), 303)
    return redirect(target, 303)


@bp.route("/dang-xuat", methods=["POST"])
def sign_out():
    member = session_member()
    if member is not None:
        # Ends every copy of this member's session cookie, not just the one this browser drops.
        members().end_sessions(member.member_id)
    session.clear()
    return redirect(url_for("pages.search"), 303)


@bp.route("/doi-mat-khau", methods=["GET", "POST"])
def change_password():
    member = session_member()
    target = safe_next(request.values.get("next"))
    if member is None:
        return redirect(url_for("accounts.sign_in", next=url_for("accounts.change_password")), 303)
    context = {"member": member, "next": target, "error": None}
    if request.method == "GET":
        return no_store(make_response(render_template("change_password.html", **context)))
    new, again = form_field("new_password"), form_field("new_password_again")
    if new != again:
        context["error"] = "Hai lần nhập mật khẩu mới không giống nhau."
        return no_store(make_response(render_template("change_password.html", **context), 422))
    try:
        changed = members().change_password(member.username, form_field("current_password"), new)
    except MembersError as exc:
        if isinstance(exc, WrongPassword):
            g.sign_in_failed = True  # a stolen session guessing the password is slowed like a sign-in
        context["error"] = str(exc)
        return no_store(make_response(render_template("change_password.html", **context), 422))
    # This browser stays signed in under the new epoch; every other session has ended.
    start_session(changed)
    session["notice"] = "Đã đổi mật khẩu. Các phiên đăng nhập khác đã kết thúc."
    return redirect(target, 303)


def locked_out(limit) -> object:
    """The sign-in form again, saying how long to wait (Flask-Limiter's on_breach)."""
    wait = max(1, math.ceil((limit.reset_at - time.time()) / 60))
    message = (f"Bạn đã nhập sai quá nhiều lần. Vì an toàn, việc đăng nhập tạm khóa; "
               f"hãy thử lại sau {wait} phút.")
    if request.endpoint == "accounts.change_password" and session_member() is not None:
        page = render_template("change_password.html", member=session_member(), next=safe_next(None), error=message)
    else:
        page = render_template("sign_in.html", next=safe_next(request.values.get("next")),
                               username=form_field("username").strip(), error=message)
    response = no_store(make_response(page, 429))
    response.headers["Retry-After"] = str(max(1, math.ceil(limit.reset_at - time.time())))
    return response


def attempt_account() -> str:
    """Whose password an attempt tries: the typed username, or the signed-in member's."""
    member = session_member()
    name = member.username if member is not None and request.endpoint == "accounts.change_password" \
        else form_field("username")
    return "account:" + name.strip().lower()[:64]


def failed(_response) -> bool:
    return bool(g.get("sign_in_failed"))


@bp.before_app_request
def _send_to_change_password():
    """A member with a password somebody else chose changes it before reading anything."""
    if request.method != "GET" or request.endpoint in OPEN_WHILE_CHANGING or request.path.startswith("/api/"):
        return None
    if "member" not in session or "Authorization" in request.headers:
        return None
    member = session_member()
    if member is not None and member.must_change_password:
        return redirect(url_for("accounts.change_password", next=request.full_path.rstrip("?")), 303)
    return None


@bp.app_context_processor
def _who_is_signed_in():
    return {"signed_in": session_member() if "member" in session else None,
            "notice": session.pop("notice", None) if "notice" in session else None}
