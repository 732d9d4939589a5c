"""DEMO ONLY: a small organisation tree and accounts with known passwords, so a newcomer to
`make run` can sign in at once and see internal documents change with who is signed in.

Never run `sotay demo` against a library real members use: these passwords are printed in the
README for everyone to read.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from .models import Member
from .service import Members

# Known to everyone who reads the README: demo only.
DEMO_PASSWORD = "demo-sotay-2025"

# (slug, name, parent): Thành ủy Hà Nội -> Quận ủy Hoàng Mai -> Đảng ủy phường Hoàng Liệt ->
# Chi bộ tổ dân phố số 7, and its sibling số 8.
DEMO_ORGS = (
    ("thanh-uy-ha-noi", "Thành ủy Hà Nội", None),
    ("quan-uy-hoang-mai", "Quận ủy Hoàng Mai", "thanh-uy-ha-noi"),
    ("dang-uy-phuong-hoang-liet", "Đảng ủy phường Hoàng Liệt", "quan-uy-hoang-mai"),
    ("chi-bo-tdp-7", "Chi bộ tổ dân phố số 7", "dang-uy-phuong-hoang-liet"),
    ("chi-bo-tdp-8", "Chi bộ tổ dân phố số 8", "dang-uy-phuong-hoang-liet"),
)

# (username, full name, organisation, role)
DEMO_ACCOUNTS = (
    ("demo.chibo7", "Nguyễn Văn An (demo)", "chi-bo-tdp-7", "member"),
    ("demo.chibo8", "Trần Thị Bình (demo)", "chi-bo-tdp-8", "member"),
    ("demo.phuong", "Lê Văn Cường (demo)", "dang-uy-phuong-hoang-liet", "member"),
    ("demo.bientap", "Phạm Thị Dung (demo)", "quan-uy-hoang-mai", "editor"),
    ("demo.quantri", "Hoàng Văn Em (demo)", "thanh-uy-ha-noi", "admin"),
)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    full_name: str
    org: str
    role: str
    # The demo password when this run created the account; None when it was already there (its
    # password may have been changed since, so it is not printed as if it were known).
    password: str | None


def create_demo(members: Members) -> tuple[list[str], list[DemoAccount]]:
    """Create what is missing of the demo tree and accounts; leave what is there as it is.

    Returns the organisations created and every demo account.
    """
    created_orgs = []
    for slug, name, parent in DEMO_ORGS:
        if not members.org_exists(slug):
            members.add_org(slug, name, parent=parent)
            created_orgs.append(slug)
    with members.session() as session:
        existing = set(session.scalars(select(Member.username).where(
            Member.username.in_([a[0] for a in DEMO_ACCOUNTS]))))
    accounts = []
    for username, full_name, org, role in DEMO_ACCOUNTS:
        password = None
        if username not in existing:
            members.add_user(username, org, role=role, full_name=full_name, password=DEMO_PASSWORD)
            password = DEMO_PASSWORD
        accounts.append(DemoAccount(username, full_name, org, role, password))
    return created_orgs, accounts
