"""Security headers for every response: a Content-Security-Policy Dash works under,
nosniff, a strict referrer policy and no framing by other sites."""

from __future__ import annotations

import dash
from flask import Response

# Online base map tiles (only fetched when someone switches the online base map on).
TILE_HOSTS = "https://tile.openstreetmap.org https://*.tile.openstreetmap.org"


def content_security_policy(script_hashes: list[str]) -> str:
    """The policy: our own origin only, inline scripts only by hash.

    'unsafe-eval' stays because Plotly.js and AG Grid value formatters compile functions at
    run time; MapLibre runs its workers from blob: URLs; Plotly injects <style> elements.
    """
    directives = {
        "default-src": "'self'",
        "script-src": " ".join(["'self'", "'unsafe-eval'", *script_hashes]),
        "style-src": "'self' 'unsafe-inline'",
        "img-src": f"'self' data: blob: {TILE_HOSTS}",
        "font-src": "'self' data:",
        "connect-src": f"'self' {TILE_HOSTS}",
        "worker-src": "'self' blob:",
        "child-src": "'self' blob:",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{k} {v}" for k, v in directives.items())


def install_security_headers(app: dash.Dash) -> None:
    """Add the headers to every response of the app's server."""
    policy: dict[str, str] = {}

    @app.server.after_request
    def _headers(response: Response) -> Response:
        if "csp" not in policy:
            # Hashes are known once every page (and its clientside callbacks) is imported.
            policy["csp"] = content_security_policy(list(app.csp_hashes()))
        response.headers.setdefault("Content-Security-Policy", policy["csp"])
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response
