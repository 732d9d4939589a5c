"""Passwords and API tokens: how they are made, stored and checked.

Passwords are hashed with argon2id (argon2-cffi) at m = 19 MiB, t = 2, p = 1: the OWASP
Password Storage Cheat Sheet's first argon2id setting. It costs ~60 ms and 19 MiB a sign-in on
one of this machine's cores. The library's own default (RFC 9106's low-memory option, 64 MiB,
t = 3, p = 4) took ~300 ms on a quiet core and four threads, on a server with two cores that
must keep answering searches meanwhile; sign-ins are rate-limited anyway, so what the cost must
buy is time against an offline guesser who stole the database, and 19 MiB a guess already rules
out the massively parallel GPU attack memory-hard functions exist to stop. A stored hash carries
its parameters, so raising them later needs no migration: a sign-in re-hashes with the new ones.

API tokens are 256 random bits (`secrets`), shown once and stored as their SHA-256: a token is
not guessable, so a fast hash loses nothing, and a stolen database gives no usable token.
Initial passwords (printed once by `sotay user add` / `import`) are 16 letters and digits from
an alphabet without look-alikes (about 79 bits) and must be changed at the first sign-in.
"""
from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

ARGON2_MEMORY_KIB = 19 * 1024
ARGON2_TIME = 2
ARGON2_PARALLELISM = 1
MIN_PASSWORD = 10
MAX_PASSWORD = 256
TOKEN_PREFIX = "sotay_"
# No 0/O, 1/l/I: an initial password is read off a slip of paper and typed on a phone.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def password_hasher() -> PasswordHasher:
    return PasswordHasher(time_cost=ARGON2_TIME, memory_cost=ARGON2_MEMORY_KIB, parallelism=ARGON2_PARALLELISM)


def password_problem(password: str) -> str | None:
    """Why a chosen password cannot be used (in Vietnamese, for the member), or None."""
    if len(password) < MIN_PASSWORD:
        return f"Mật khẩu cần ít nhất {MIN_PASSWORD} ký tự."
    if len(password) > MAX_PASSWORD:
        return f"Mật khẩu dài quá {MAX_PASSWORD} ký tự."
    if not password.strip():
        return "Mật khẩu không được chỉ có dấu cách."
    return None


def initial_password() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(16))
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


def verify_password(hasher: PasswordHasher, stored: str | None, given: str) -> bool:
    if not stored:
        return False
    try:
        return hasher.verify(stored, given)
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
