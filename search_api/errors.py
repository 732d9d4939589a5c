"""One error shape for every failure: JSON `{"error": {"code", "message"}}` for the API, a
Vietnamese HTML page for the reading pages, and never a stack trace."""
from __future__ import annotations

from flask import Flask, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

# Short, stable machine codes; clients branch on these, not on the wording.
CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_parameter",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}

# What a member sees on an HTML page: plain Vietnamese and what to do next.
PAGE_TEXT = {
    400: ("Yêu cầu không hợp lệ", "Vui lòng kiểm tra lại nội dung đã nhập."),
    404: ("Không tìm thấy", "Trang hoặc văn bản này không có trong Sổ tay. Hãy thử tìm kiếm lại."),
    405: ("Không thực hiện được", "Thao tác này không được hỗ trợ tại địa chỉ này."),
    413: ("Tệp quá lớn", "Tệp tải lên vượt quá dung lượng cho phép."),
    422: ("Thông tin tìm kiếm không hợp lệ", "Vui lòng kiểm tra lại các ô đã nhập."),
    500: ("Đã có lỗi xảy ra", "Hệ thống gặp sự cố. Vui lòng thử lại sau ít phút."),
    503: ("Dịch vụ tạm thời gián đoạn", "Vui lòng thử lại sau ít phút."),
}


class ServiceError(Exception):
    """An error a view raises on purpose, with its status, code and a message for the client."""

    def __init__(self, status: int, code: str, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def wants_json() -> bool:
    path = request.path
    return path.startswith("/api/") or path in ("/healthz", "/openapi.json")


def _field_messages(messages: dict) -> dict[str, list[str]]:
    """webargs nests errors by location ({"query": {"top_k": [...]}}); clients want field names."""
    flat: dict[str, list[str]] = {}
    for location_errors in messages.values():
        if not isinstance(location_errors, dict):
            continue
        for name, errors in location_errors.items():
            if isinstance(errors, dict):  # nested fields
                errors = [f"{key}: {'; '.join(map(str, val))}" for key, val in errors.items()]
            flat[name] = [str(e) for e in errors]
    return flat


def respond(status: int, code: str, message: str, headers: dict | None = None, fields: dict | None = None):
    if wants_json():
        body = {"error": {"code": code, "message": message}}
        if fields:
            body["error"]["fields"] = fields
        response = jsonify(body)
    else:
        title, advice = PAGE_TEXT.get(status, PAGE_TEXT[500] if status >= 500 else PAGE_TEXT[400])
        response = render_template("error.html", status=status, title=title, advice=advice)
    return response, status, headers or {}


def _http_error(error: HTTPException):
    if error.response is not None:  # already answered in full (the sign-in form's lockout page)
        return error.response
    status = error.code or 500
    code = CODES.get(status, (error.name or "error").lower().replace(" ", "_"))
    data = getattr(error, "data", None) or {}
    headers = dict(data.get("headers") or {})
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        headers["Allow"] = ", ".join(sorted(error.valid_methods))  # RFC 9110 asks for it on a 405
    fields = _field_messages(data.get("messages", {})) if status == 422 else {}
    if fields:
        message = "; ".join(f"invalid parameter {name}: {' '.join(errs)}" for name, errs in fields.items())
    elif status == 413:
        limit = request.max_content_length or 0
        upload_limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
        message = (f"request body larger than the {limit // (1024 * 1024)} MB limit"
                   + (" (SOTAY_MAX_UPLOAD_MB)" if limit == upload_limit else " of this route; only uploads are larger"))
    elif status == 404:
        message = "not found: " + request.path
    elif status == 429:
        message = (f"too many requests from this address ({error.description}); "
                   "wait for the time in Retry-After and send it again")
    else:
        message = error.description or error.name
    return respond(status, code, message, headers, fields)


def _service_error(error: ServiceError):
    return respond(error.status, error.code, error.message, error.headers)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ServiceError)
    def service_error(error):
        return _service_error(error)

    @app.errorhandler(HTTPException)
    def http_error(error):
        return _http_error(error)

    @app.errorhandler(Exception)
    def unexpected(error):
        # The details go to the log, never to the client.
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return respond(500, "internal_error", "internal error; the details are in the server log")
