"""Browser-facing protections: same-origin checks on state changes, security headers, cookies.

- **Origin check (CSRF).** A state-changing request (POST, PUT, PATCH, DELETE) that a browser
  could have sent on its own, with the session cookie or to sign in, must come from one of the
  mall's own origins: the `Origin` header (or, without it, the `Referer`) must be this server's
  origin, the configured `public_base_url`, or one of `ANTRIAN_ALLOWED_ORIGINS`. A port is part
  of an origin, so a page on another port of the same host is refused even though the browser
  sends the (same-site) cookie. Requests with `Authorization: Bearer` (devices, scripts) carry
  their credential explicitly: a page of another origin cannot add that header without a CORS
  preflight this server never grants, so they need no check. A request with neither an origin
  nor a session cookie is not a browser's forged request (a script signing in) and passes.
- **Headers on every response:** a Content-Security-Policy that lets pages load only their own
  assets, `frame-ancestors 'none'` and `X-Frame-Options: DENY`, a Referrer-Policy, and HSTS when
  the request came over TLS (or `ANTRIAN_SECURE_COOKIES=1` says the deployment is behind TLS);
  `Cache-Control: no-store` on every HTML page unless its view chose otherwise.
- **Cookies** are `Secure` when the request is https, always when `public_base_url` is an
  https address or with `ANTRIAN_SECURE_COOKIES=1` (a TLS-terminating proxy in front). Then
  the session cookie is also named `__Host-session` (Path=/, no Domain): a browser refuses
  such a cookie from a page of another port or subdomain, which could otherwise plant its own
  session here. On plain http it stays `session` (a `__Host-` cookie needs https).
- **Socket.IO** accepts connections only from the same origins.
- **Behind a reverse proxy** (`ANTRIAN_PROXY_HOPS=1` for one nginx), the client's address and
  scheme are read from the last `X-Forwarded-For` / `X-Forwarded-Proto` the proxies added
  (Werkzeug's ProxyFix). Without it every visitor has the proxy's address, and one address's
  sign-in failures or online tickets would count against the whole mall. Never set it on a
  server that clients reach directly: they could then choose their own address.

Environment: `ANTRIAN_ALLOWED_ORIGINS` (comma-separated origins, e.g.
`https://antrian.mpp.example,https://10.0.0.5:8443`), `ANTRIAN_SECURE_COOKIES` (`1`/`0`),
`ANTRIAN_PROXY_HOPS` (0-5, default 0). Flask's `test_config` may set the same keys.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Request, Response, jsonify, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

from core.config import ConfigError

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ALLOWED_ORIGINS_KEY = "ANTRIAN_ALLOWED_ORIGINS"
SECURE_COOKIES_KEY = "ANTRIAN_SECURE_COOKIES"
PROXY_HOPS_KEY = "ANTRIAN_PROXY_HOPS"
MAX_PROXY_HOPS = 5
HSTS = "max-age=31536000; includeSubDomains"
# A Host header is put into the policy's connect-src: only plain host[:port] values are used.
_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$")

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        # Pages set CSS custom properties from script (CSSOM), which the policy allows;
        # no page has a style attribute or a <style> element.
        "style-src 'self'",
        "img-src 'self' data:",
        "media-src 'self' blob:",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def origin_of(url: str | None) -> str | None:
    """`scheme://host[:port]` of an absolute http(s) URL, lower-cased; None otherwise."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    netloc = parts.netloc.rsplit("@", 1)[-1].lower()
    scheme = parts.scheme.lower()
    # The default port is not part of a serialized origin.
    if (scheme, netloc.rpartition(":")[2]) in (("http", "80"), ("https", "443")):
        netloc = netloc.rpartition(":")[0]
    return f"{scheme}://{netloc}"


def _flag(value: Any) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def proxy_hops(configured: Any = None, environ: Mapping[str, str] | None = None) -> int:
    """How many reverse proxies stand in front (`ANTRIAN_PROXY_HOPS`), checked at start."""
    environ = os.environ if environ is None else environ
    raw = str(configured if configured is not None else environ.get(PROXY_HOPS_KEY, "0"))
    hops = raw.strip() or "0"
    if not (hops.isascii() and hops.isdigit() and int(hops) <= MAX_PROXY_HOPS):
        raise ConfigError(
            PROXY_HOPS_KEY,
            f"the number of reverse proxies in front of the server, 0 to {MAX_PROXY_HOPS} "
            f"(got {raw!r}); 1 behind one nginx, 0 when clients reach the server directly.",
        )
    return int(hops)


class SecurityPolicy:
    """The mall's own origins and whether the deployment runs behind TLS."""

    def __init__(
        self, configured_origins: Iterable[str], secure_cookies: bool, proxy_hops: int = 0
    ) -> None:
        self.configured = {o for o in (origin_of(x) for x in configured_origins) if o}
        self.secure_cookies = secure_cookies
        self.proxy_hops = proxy_hops

    @classmethod
    def from_app(
        cls, app: Flask, public_base_url: str | None, environ: Mapping[str, str] | None = None
    ) -> SecurityPolicy:
        environ = os.environ if environ is None else environ
        raw = app.config.get(ALLOWED_ORIGINS_KEY, environ.get(ALLOWED_ORIGINS_KEY, ""))
        origins = raw if isinstance(raw, list | tuple) else str(raw).split(",")
        origins = [o for o in origins if o.strip()]
        if public_base_url:
            origins.append(public_base_url)
        secure = _flag(app.config.get(SECURE_COOKIES_KEY, environ.get(SECURE_COOKIES_KEY, "")))
        if public_base_url and public_base_url.lower().startswith("https://"):
            secure = True  # visitors reach it over TLS, whatever the proxy forwards
        return cls(origins, secure, proxy_hops(app.config.get(PROXY_HOPS_KEY), environ))

    def own_origins(self, host: str | None) -> set[str]:
        """This server's origin as the client addressed it (either scheme: a TLS proxy in front
        may forward plain http), plus the configured ones."""
        allowed = set(self.configured)
        if host:
            for scheme in ("http", "https"):
                origin = origin_of(f"{scheme}://{host}")
                if origin:
                    allowed.add(origin)
        return allowed

    def allows(self, origin: str | None, host: str | None) -> bool:
        normalized = origin_of(origin)
        return normalized is not None and normalized in self.own_origins(host)

    # -------------------------------------------------------------- Socket.IO
    def socketio_origin_check(self, origin: str | None, environ: dict[str, Any]) -> bool:
        """engine.io's `cors_allowed_origins` callable (it is only asked when an Origin header
        was sent: clients that are not browsers send none)."""
        return self.allows(origin, environ.get("HTTP_HOST"))


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, `Secure` whenever the request came over TLS."""

    def get_cookie_secure(self, app: Flask) -> bool:  # type: ignore[override]
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:  # type: ignore[override]
        # Kiosks, counters' API calls and screens send a bearer token, not the cookie: an
        # empty session without building Flask's signer (a new one per request, 2 % of a
        # worker's processor time in the queue-depth benchmark).
        if app.secret_key and self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)


def _refusal(message: str) -> Response:
    response = jsonify({"error": {"code": "cross_origin", "message": message}})
    response.status_code = 403
    return response


def install(app: Flask, policy: SecurityPolicy) -> None:
    """Wire the origin check, the headers and the cookie settings into `app`."""
    app.extensions["antrian.security"] = policy
    if policy.proxy_hops:
        hops = policy.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    if policy.secure_cookies:
        app.config["SESSION_COOKIE_SECURE"] = True
        # `__Host-`: the browser keeps such a cookie only if it is Secure, for Path=/ and
        # without a Domain, so no page of another port or subdomain can plant a session here.
        name = app.config.get("SESSION_COOKIE_NAME", "session")
        if not name.startswith("__Host-"):
            app.config["SESSION_COOKIE_NAME"] = f"__Host-{name}"
        app.config.update(SESSION_COOKIE_PATH="/", SESSION_COOKIE_DOMAIN=None)
    app.session_interface = _SessionInterface()
    cookie_name = app.config.get("SESSION_COOKIE_NAME", "session")

    @app.before_request
    def _same_origin_only():  # type: ignore[no-untyped-def]
        if request.method not in UNSAFE_METHODS:
            return None
        if request.headers.get("Authorization", "").lower().startswith("bearer "):
            return None
        origin = request.headers.get("Origin")
        if origin is None:
            referer = request.headers.get("Referer")
            origin = origin_of(referer) if referer else None
        if origin is None:
            if cookie_name not in request.cookies:
                return None  # not a browser's ambient credential: a script or a first sign-in
            return _refusal(
                "Permintaan ini membawa cookie sesi tetapi tanpa header Origin atau Referer; "
                "permintaan ditolak untuk melindungi dari pemalsuan permintaan lintas situs. / "
                "This request carries the session cookie but no Origin or Referer header; "
                "it is refused to protect against cross-site request forgery."
            )
        if policy.allows(origin, request.host):
            return None
        return _refusal(
            f"Permintaan dari {origin} tidak boleh mengubah apa pun di sini: hanya halaman "
            "server ini (atau asal yang tercantum di ANTRIAN_ALLOWED_ORIGINS) yang boleh. / "
            f"Requests from {origin} may not change anything here: only pages of this server "
            "(or an origin listed in ANTRIAN_ALLOWED_ORIGINS) may."
        )

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", _csp_for(request.host))
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if request.is_secure or policy.secure_cookies:
            headers.setdefault("Strict-Transport-Security", HSTS)
        if response.mimetype == "text/html":
            # Pages may carry the session's token (handed to their script) or a visitor's
            # ticket: no page is kept in a cache unless its view says otherwise.
            headers.setdefault("Cache-Control", "no-store")
        return response


def _csp_for(host: str | None) -> str:
    """The policy, with the WebSocket address of this host spelled out for browsers whose
    'self' does not cover ws:/wss: (CSP level 2)."""
    if host and _HOST.match(host):
        return CSP.replace(
            "default-src 'self'", f"default-src 'self'; connect-src 'self' ws://{host} wss://{host}"
        )
    return CSP
