"""Members, organisations and tokens over a real database: SQLite and a PostgreSQL server the
tests start themselves (tests/pg.py), the same tests on both; and the `sotay org` / `sotay user`
commands as an administrator types them."""
from __future__ import annotations

import logging

import pytest
from argon2 import PasswordHasher
from click.testing import CliRunner
from sqlalchemy import create_engine, inspect

from members import Members, MembersError
from members.credentials import ARGON2_MEMORY_KIB, ARGON2_PARALLELISM, ARGON2_TIME, token_hash
from sotay.cli import cli
from tests.pg import database_url, postgres_cluster  # noqa: F401  (fixtures)

# The tests make many accounts; the production cost (members/credentials.py) is tested apart.
CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture
def members(database_url):  # noqa: F811
    m = Members(database_url, hasher=CHEAP)
    m.add_org("thanh-uy", "Thành ủy Hà Nội")
    m.add_org("quan-hm", "Quận ủy Hoàng Mai", parent="thanh-uy")
    m.add_org("quan-bd", "Quận ủy Ba Đình", parent="thanh-uy")
    m.add_org("phuong-hl", "Đảng ủy phường Hoàng Liệt", parent="quan-hm")
    m.add_org("chi-bo-7", "Chi bộ tổ dân phố số 7", parent="phuong-hl")
    return m


def test_the_tree_up_and_down(members):
    assert members.ancestors("chi-bo-7") == ("chi-bo-7", "phuong-hl", "quan-hm", "thanh-uy")
    assert members.ancestors("thanh-uy") == ("thanh-uy",)
    assert members.subtree("quan-hm") == {"quan-hm", "phuong-hl", "chi-bo-7"}
    assert members.subtree("quan-bd") == {"quan-bd"}
    assert members.ancestors("nowhere") == () and members.subtree("nowhere") == frozenset()
    assert ("phuong-hl", "Đảng ủy phường Hoàng Liệt", "quan-hm") in members.orgs()


def test_organisations_refuse_bad_input_naming_the_field(members):
    with pytest.raises(MembersError, match="already exists"):
        members.add_org("quan-hm", "Lại")
    with pytest.raises(MembersError, match="--parent: no organisation 'khong-co'"):
        members.add_org("moi", "Mới", parent="khong-co")
    with pytest.raises(MembersError, match="SLUG 'Quận HM' is not an organisation slug"):
        members.add_org("Quận HM", "Quận")
    with pytest.raises(MembersError, match="--name"):
        members.add_org("moi", "  ")


def test_an_account_signs_in_with_its_initial_password_and_must_change_it(members):
    account = members.add_user("Nguyen.Van.A", "chi-bo-7", full_name="Nguyễn Văn A")
    assert account.username == "nguyen.van.a" and len(account.initial_password) == 19
    viewer = members.sign_in("nguyen.van.a", account.initial_password)
    assert viewer.must_change_password and viewer.org == "chi-bo-7" and viewer.full_name == "Nguyễn Văn A"
    assert viewer.ancestors[-1] == "thanh-uy" and viewer.role == "member"
    changed = members.change_password("nguyen.van.a", account.initial_password, "mot-mat-khau-moi")
    assert not changed.must_change_password and changed.session_epoch == viewer.session_epoch + 1
    # The session signed before the change no longer names anyone.
    assert members.viewer(viewer.member_id, viewer.session_epoch) is None
    assert members.viewer(viewer.member_id, changed.session_epoch).username == "nguyen.van.a"
    assert members.sign_in("nguyen.van.a", account.initial_password) is None
    assert members.sign_in("nguyen.van.a", "mot-mat-khau-moi") is not None


def test_a_wrong_username_and_a_wrong_password_look_the_same(members):
    members.add_user("an", "quan-hm", password="mat-khau-cua-an")
    assert members.sign_in("an", "sai-mat-khau") is None
    assert members.sign_in("khong-ai", "sai-mat-khau") is None
    assert members.sign_in("Tên có dấu", "x") is None


def test_password_changes_are_checked(members):
    members.add_user("an", "quan-hm", password="mat-khau-cua-an")
    with pytest.raises(MembersError, match="hiện tại không đúng"):
        members.change_password("an", "sai", "mat-khau-moi-day")
    with pytest.raises(MembersError, match="ít nhất 10"):
        members.change_password("an", "mat-khau-cua-an", "ngan")
    with pytest.raises(MembersError, match="password: Mật khẩu cần ít nhất"):
        members.add_user("binh", "quan-hm", password="short")


def test_accounts_refuse_bad_input_naming_the_field(members):
    members.add_user("an", "quan-hm")
    with pytest.raises(MembersError, match="already exists"):
        members.add_user("an", "quan-hm")
    with pytest.raises(MembersError, match="--org: no organisation 'khong-co'"):
        members.add_user("binh", "khong-co")
    with pytest.raises(MembersError, match="role 'boss' is not one of member, editor, admin"):
        members.add_user("binh", "quan-hm", role="boss")
    with pytest.raises(MembersError, match="username 'Bình' is not valid"):
        members.add_user("Bình", "quan-hm")


def test_tokens_are_stored_hashed_shown_once_and_revocable(members, database_url):  # noqa: F811
    members.add_user("an", "phuong-hl", role="editor")
    first, second = members.issue_token("an"), members.issue_token("an")
    assert first != second and first.startswith("sotay_") and len(first) > 40
    viewer = members.by_token(first)
    assert viewer.username == "an" and viewer.subtree == {"phuong-hl", "chi-bo-7"}
    assert viewer.may_publish_to("chi-bo-7") and not viewer.may_publish_to("quan-hm")
    assert not viewer.may_publish_to(None)
    engine = create_engine(database_url)
    with engine.connect() as conn:
        stored = [row[0] for row in conn.exec_driver_sql("SELECT token_hash FROM api_tokens")]
    engine.dispose()
    assert token_hash(first) in stored and first not in stored
    assert members.by_token("sotay_" + "x" * 43) is None and members.by_token("not-a-token") is None
    assert members.revoke_tokens("an") == 2
    assert members.by_token(first) is None and members.by_token(second) is None


def test_moving_a_member_takes_effect_at_the_next_lookup(members):
    members.add_user("an", "chi-bo-7")
    token = members.issue_token("an")
    assert "quan-hm" in members.by_token(token).ancestors
    members.set_org("an", "quan-bd")
    assert members.by_token(token).ancestors == ("quan-bd", "thanh-uy")
    members.set_role("an", "admin")
    assert members.by_token(token).is_admin


def test_csv_import_is_all_or_nothing_and_can_be_run_again(members):
    csv = ("username,full_name,org,role\n"
           "tran.thi.b,Trần Thị B,chi-bo-7,member\n"
           "le.van.c,\"Lê Văn C, bí thư\",phuong-hl,editor\n"
           "pham.d,Phạm D,quan-hm\n")
    added, existing = members.import_csv(csv)
    assert [a.username for a in added] == ["tran.thi.b", "le.van.c", "pham.d"] and existing == []
    assert all(a.initial_password for a in added)
    assert members.sign_in("le.van.c", added[1].initial_password).role == "editor"
    again, existing = members.import_csv(csv + "moi,Mới,quan-bd,member\n")
    assert [a.username for a in again] == ["moi"] and existing == ["tran.thi.b", "le.van.c", "pham.d"]

    bad = "x1,X,chi-bo-7\nx2,X,khong-co\nx3,X,chi-bo-7,boss\nx1,X,chi-bo-7\nchi-mot-cot\n"
    with pytest.raises(MembersError) as error:
        members.import_csv(bad, "ds.csv")
    message = str(error.value)
    assert "ds.csv:2: org: no organisation 'khong-co'" in message
    assert "ds.csv:3: role 'boss'" in message and "ds.csv:4: user 'x1' appears twice" in message
    assert "ds.csv:5: expected username, full_name, org" in message
    assert members.sign_in("x1", "whatever-pass") is None and not members.subtree("khong-co")


def test_the_migrations_make_the_schema_the_models_describe(database_url):  # noqa: F811
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from members.models import Base

    Members(database_url, hasher=CHEAP)
    engine = create_engine(database_url)
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) >= {"organisations", "members", "api_tokens",
                                                         "alembic_version"}
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []
    Members(database_url, hasher=CHEAP)  # opening again migrates nothing and fails nothing


def test_sqlite_runs_in_wal_mode(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    members = Members(url, hasher=CHEAP)
    with members.session() as session:
        assert session.connection().exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert session.connection().exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_passwords_are_argon2id_at_the_stated_cost():
    from members.credentials import password_hasher

    encoded = password_hasher().hash("mat-khau-thu-nghiem")
    assert encoded.startswith(f"$argon2id$v=19$m={ARGON2_MEMORY_KIB},t={ARGON2_TIME},p={ARGON2_PARALLELISM}$")
    assert (ARGON2_MEMORY_KIB, ARGON2_TIME, ARGON2_PARALLELISM) == (19 * 1024, 2, 1)


def test_a_stored_hash_of_an_older_cost_is_upgraded_at_sign_in(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    Members(url, hasher=CHEAP).add_org("o", "O")
    Members(url, hasher=CHEAP).add_user("an", "o", password="mat-khau-cua-an")
    strong = Members(url, hasher=PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1))
    assert strong.sign_in("an", "mat-khau-cua-an") is not None
    engine = create_engine(url)
    with engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT password_hash FROM members").scalar()
    engine.dispose()
    assert ",t=2," in stored and "m=2048" in stored


# -- the command line -----------------------------------------------------------------------------


@pytest.fixture
def sotay(database_url, tmp_path, monkeypatch):  # noqa: F811
    """Run `sotay ...` against a fresh index folder and the test's database."""
    if database_url.startswith("postgresql"):
        monkeypatch.setenv("SOTAY_DATABASE_URL", database_url)
    else:
        monkeypatch.delenv("SOTAY_DATABASE_URL", raising=False)
    index = str(tmp_path / "index")

    def run(*args: str, input: str | None = None):
        result = CliRunner(mix_stderr=False).invoke(cli, [*args, "--index", index], input=input,
                                                    catch_exceptions=False)
        result.all = result.stdout + result.stderr
        return result

    run.index = index
    return run


def test_cli_builds_a_tree_and_accounts(sotay, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    assert sotay("org", "add", "thanh-uy", "--name", "Thành ủy Hà Nội").exit_code == 0
    result = sotay("org", "add", "quan-hm", "--name", "Quận ủy Hoàng Mai", "--parent", "thanh-uy")
    assert result.exit_code == 0 and "under thanh-uy" in result.all

    added = sotay("user", "add", "an", "--org", "quan-hm", "--role", "editor", "--full-name", "Nguyễn An")
    assert added.exit_code == 0, added.output
    initial = added.output.strip().splitlines()[-1].rsplit(": ", 1)[1]
    assert "shown only now" in added.output and len(initial) == 19

    chosen = sotay("user", "add", "binh", "--org", "thanh-uy", "--password-stdin", input="mat-khau-cua-binh\n")
    assert chosen.exit_code == 0 and "Initial password" not in chosen.output

    token = sotay("user", "token", "an")
    assert token.exit_code == 0
    last = token.output.strip().splitlines()[-1]
    assert last.startswith("sotay_") and " " not in last

    from members import open_members
    from settings import Settings

    members = open_members(Settings(index_dir=sotay.index))
    assert members.by_token(last).role == "editor"
    assert members.sign_in("an", initial) is not None and members.sign_in("binh", "mat-khau-cua-binh")

    csv = tmp_path / "members.csv"
    csv.write_text("username,full_name,org,role\nchi,Chi,quan-hm,member\ndung,Dũng,thanh-uy,admin\n",
                   encoding="utf-8")
    imported = sotay("user", "import", str(csv))
    assert imported.exit_code == 0, imported.output
    lines = imported.stdout.strip().splitlines()
    assert lines[0] == "username,initial_password" and [line.split(",")[0] for line in lines[1:]] == ["chi", "dung"]
    assert members.sign_in("dung", lines[2].split(",")[1]).is_admin

    revoked = sotay("user", "revoke-tokens", "an")
    assert revoked.exit_code == 0 and "Revoked 1 token" in revoked.output
    assert members.by_token(last) is None

    moved = sotay("user", "set", "chi", "--org", "thanh-uy", "--role", "editor")
    assert moved.exit_code == 0 and members.sign_in("dung", lines[2].split(",")[1]).org == "thanh-uy"

    # Neither the initial password, nor the chosen one, nor the token reached any log record.
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert initial not in logged and "mat-khau-cua-binh" not in logged and last not in logged


def test_cli_errors_name_the_field_and_what_to_do(sotay, tmp_path):
    missing = sotay("user", "add", "an", "--org", "khong-co")
    assert missing.exit_code == 1 and "--org: no organisation 'khong-co'" in missing.all
    assert "sotay org add khong-co" in missing.all
    assert sotay("user", "token", "khong-ai").exit_code == 1
    assert sotay("user", "add", "an").exit_code == 2  # --org is required: a usage error
    bad = tmp_path / "bad.csv"
    bad.write_text("an,An,khong-co\n", encoding="utf-8")
    result = sotay("user", "import", str(bad))
    assert result.exit_code == 1 and "bad.csv:1: org: no organisation 'khong-co'" in result.all
    empty = sotay("user", "add", "an", "--org", "x", "--password-stdin", input="\n")
    assert empty.exit_code == 2 and "no password on standard input" in empty.all


def test_the_database_lives_under_the_index_unless_a_url_names_another(tmp_path, monkeypatch):
    from settings import Settings

    monkeypatch.delenv("SOTAY_DATABASE_URL", raising=False)
    assert Settings(index_dir=tmp_path / "idx").members_database == f"sqlite:///{tmp_path / 'idx' / 'members.sqlite3'}"
    monkeypatch.setenv("SOTAY_DATABASE_URL", "postgresql+psycopg://sotay@db/sotay")
    assert Settings(index_dir=tmp_path / "idx").members_database == "postgresql+psycopg://sotay@db/sotay"
