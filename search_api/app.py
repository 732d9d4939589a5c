"""The app factory: one place that wires settings, the library, the API, the pages and errors."""
from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from index import Library
from settings import Settings

from .errors import register_error_handlers
from .ids import DocIdConverter
from .jobs import JobQueue
from .limits import install_limits
from .schemas import ErrorSchema
from .sessions import install_sessions

MB = 1024 * 1024

# Scripts and styles come only from /static, so an injected <script> in a document could not run
# even if escaping ever failed.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "media-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
       "form-action 'self'")


class SotayApi(Api):
    """flask-smorest for parameters and the spec; errors keep the project's own shape."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self):
        pass


def install_jobs(app: Flask, settings: Settings) -> None:
    """The upload queue (search_api/jobs.py); its worker starts now when a stopped server left
    jobs to finish, otherwise with the first upload."""
    from .editor import run_upload

    queue = JobQueue(settings.index_dir, lambda job, files, progress: run_upload(app, job, files, progress))
    app.extensions["sotay"]["jobs"] = queue
    if queue.pending():
        queue.start()


def create_app(settings: Settings | None = None, library: Library | None = None) -> Flask:
    """Build the web service over `library` (opened from `settings.index_dir` when not given)."""
    settings = settings or Settings()
    if library is None:
        library = Library(settings, merges="background")

    app = Flask(__name__)
    app.config.update(
        MAX_CONTENT_LENGTH=settings.max_upload_mb * MB,
        API_TITLE="Sổ tay",
        API_VERSION="1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        # Large uploads come as files; form fields stay small.
        MAX_FORM_MEMORY_SIZE=MB,
    )
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    # An id is taken exactly as written: "a//b" is no id at all, not a redirect to "a/b".
    app.url_map.merge_slashes = False
    app.url_map.converters["doc_id"] = DocIdConverter
    app.extensions["sotay"] = {"settings": settings, "library": library}

    api = SotayApi(app)
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    api.register_converter(DocIdConverter, lambda _: {"type": "string", "example": "van-ban/qd-27-2021"})

    from .accounts import bp as accounts_bp
    from .api import blp as api_blp
    from .api import meta_blp
    from .bookmarks import blp as bookmarks_blp
    from .bookmarks import pages as saved_pages
    from .editor import blp as editor_blp
    from .listening import blp as listening_blp
    from .pages import bp as pages_bp

    api.register_blueprint(api_blp)
    api.register_blueprint(editor_blp)
    api.register_blueprint(meta_blp)
    api.register_blueprint(bookmarks_blp)
    api.register_blueprint(listening_blp)
    app.register_blueprint(pages_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(saved_pages)
    register_error_handlers(app)
    install_sessions(app, settings)
    install_jobs(app, settings)
    install_limits(app, settings)

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if response.mimetype == "text/html":
            response.headers.setdefault("Content-Security-Policy", CSP)
        return response

    return app
