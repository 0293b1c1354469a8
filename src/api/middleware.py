"""Request logging (one line per request, never bodies or query strings) and security headers."""

from __future__ import annotations

import logging
import time

from starlette.applications import Starlette
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("ract.request")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# Swagger UI needs one inline bootstrap script.
DOCS_CSP = CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")


class SecurityHeadersAndLogging:
    """Pure ASGI middleware (no BaseHTTPMiddleware: it would break streaming and add overhead)."""

    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status_holder = {"status": 500}
        path: str = scope.get("path", "")

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}

                def add(name: bytes, value: str) -> None:
                    if name not in names:
                        headers.append((name, value.encode()))

                add(b"content-security-policy", DOCS_CSP if path == "/docs" else CSP)
                add(b"x-content-type-options", "nosniff")
                add(b"x-frame-options", "DENY")
                add(b"referrer-policy", "same-origin")
                add(b"permissions-policy", "camera=(), microphone=(), geolocation=()")
                add(b"cross-origin-opener-policy", "same-origin")
                if not path.startswith("/static/"):
                    add(b"cache-control", "no-store")
                if self.hsts:
                    add(b"strict-transport-security", "max-age=31536000; includeSubDomains")
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            if not path.startswith("/static/"):
                state = scope.get("state") or {}
                user = state.get("user")
                log.info(
                    "request method=%s path=%s status=%s ms=%.1f user=%s",
                    scope.get("method"),
                    path,
                    status_holder["status"],
                    (time.perf_counter() - started) * 1000,
                    getattr(user, "id", "-"),
                )


def wrap_outermost(app: Starlette, *, hsts: bool) -> None:
    """Put SecurityHeadersAndLogging around the whole stack, Starlette's ServerErrorMiddleware included.

    ``app.add_middleware`` can only place a middleware inside ServerErrorMiddleware, which renders the 500 page of
    an unhandled exception: that page then left without the security headers (and was logged as no request).
    """
    build = app.build_middleware_stack

    def build_with_headers() -> ASGIApp:
        return SecurityHeadersAndLogging(build(), hsts=hsts)

    app.build_middleware_stack = build_with_headers  # type: ignore[method-assign]
