"""Security for every response and every callback request.

* Headers: a Content-Security-Policy Dash works under, nosniff, a strict referrer policy and
  no framing by other sites.
* Callback requests (``POST /_dash-update-component``) are checked before Dash sees them:
  a malformed payload (not JSON, too big, not shaped like the registered callback it names)
  gets a 400 with a JSON ``{"error": ...}`` instead of an exception deep inside Dash. Odd
  *values* in a well-formed payload are the callbacks' own business.
* Errors: a 500 answers a short message, never a traceback or other internals.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import dash
from dash.exceptions import DependencyException
from flask import Response, request
from werkzeug.exceptions import HTTPException, InternalServerError

# The online background map: PDOK's BRT achtergrondkaart (style, vector tiles, sprites and
# fonts all come from this host; assets/basemap.js fetches them where it can).
TILE_HOSTS = "https://api.pdok.nl"

#: Largest callback request body we accept. The browser's biggest real payloads (the view
#: state, a map click) are a few KB.
MAX_CALLBACK_BYTES = 256 * 1024


def value_checks(prefix: str) -> dict[tuple[str, str], Callable[[Any], bool]]:
    """Values that Dash's own callbacks take without checking them (a missing value counts as
    None): the pages router needs a pathname under the app's prefix (it raises otherwise) and
    a string (or no) search. The browser never sends anything else."""
    return {
        ("_pages_location", "pathname"): lambda v: isinstance(v, str) and v.startswith(prefix),
        ("_pages_location", "search"): lambda v: v is None or isinstance(v, str),
    }

_WILDCARDS = frozenset({"ALL", "MATCH", "ALLSMALLER"})
_MULTI = frozenset({"ALL", "ALLSMALLER"})  # wildcards that send a list of components


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
    """Add the headers to every response, check callback requests, hide internal errors."""
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

    install_callback_validation(app)
    install_error_handlers(app)


# ------------------------------------------------------------------ callback requests
class BadPayload(ValueError):
    """A callback request that no browser running our pages would send."""


def callback_path(app: dash.Dash) -> str:
    return f"{app.config.routes_pathname_prefix}_dash-update-component"


def error_response(message: str, status: int) -> Response:
    return Response(
        json.dumps({"error": message}), status=status, mimetype="application/json"
    )


def install_callback_validation(app: dash.Dash) -> None:
    """Reject malformed ``POST /_dash-update-component`` bodies with a 400 JSON error.

    Registered after Dash's own first-request hooks (which fill ``app.callback_map`` and add
    the pages router), so every callback is known by the time a request is checked.
    """
    path = callback_path(app)
    checks = value_checks(app.config.requests_pathname_prefix)

    @app.server.before_request
    def _check_callback() -> Response | None:
        if request.path != path or request.method != "POST":
            return None
        try:
            body = read_json_body()
            check_payload(body, app.callback_map, checks)
        except BadPayload as exc:
            return error_response(str(exc), 400)
        return None


def read_json_body() -> Any:
    """The request's JSON body, at most MAX_CALLBACK_BYTES (parsed once, cached for Dash)."""
    length = request.content_length
    if length is not None and length > MAX_CALLBACK_BYTES:
        raise BadPayload(f"body over {MAX_CALLBACK_BYTES // 1024} KB")
    if not request.is_json:
        raise BadPayload("body must be application/json")
    request.max_content_length = MAX_CALLBACK_BYTES
    try:
        request.get_data(cache=True)
    except HTTPException as exc:  # RequestEntityTooLarge on a chunked body
        raise BadPayload(f"body over {MAX_CALLBACK_BYTES // 1024} KB") from exc
    try:
        # silent=True caches the parsed body, so Dash's own get_json() reuses it.
        body = request.get_json(silent=True)
    except RecursionError as exc:
        raise BadPayload("body is nested too deeply") from exc
    if body is None:
        raise BadPayload("body is not valid JSON")
    return body


def check_payload(
    body: Any,
    callback_map: dict[str, dict[str, Any]],
    checks: dict[tuple[str, str], Callable[[Any], bool]] | None = None,
) -> None:
    """Raise BadPayload unless ``body`` is shaped like a request for a registered callback
    (and the values named in ``checks`` pass their check)."""
    if not isinstance(body, dict):
        raise BadPayload("body must be a JSON object")
    output = body.get("output")
    if not isinstance(output, str) or not output:
        raise BadPayload("'output' must be a non-empty string")
    spec = callback_map.get(output)
    if spec is None or not callable(spec.get("callback")):
        raise BadPayload("'output' names no server callback")

    outputs = _registered_outputs(spec)
    if "outputs" in body or outputs:
        sent = body.get("outputs")
        if spec.get("no_output"):
            if sent not in (None, []):
                raise BadPayload("'outputs' must be empty for this callback")
        elif output.startswith(".."):  # several outputs: a list, one item per output
            _check_list(sent, outputs, "outputs")
        else:
            _check_item(sent, outputs[0], "outputs")

    inputs = [_registered(d) for d in spec.get("inputs", [])]
    _check_list(body.get("inputs"), inputs, "inputs")
    states = [_registered(d) for d in spec.get("state", [])]
    if states or body.get("state") is not None:
        _check_list(body.get("state"), states, "state")

    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        raise BadPayload("'changedPropIds' must be a list of strings")
    known = _sent_prop_ids(body["inputs"])
    for prop_id in changed:
        if _parse_prop_id(prop_id) not in known:
            raise BadPayload("'changedPropIds' names a property that is not an input")
    for item in [*body["inputs"], *(body.get("state") or [])]:
        if isinstance(item, dict) and isinstance(item["id"], str):
            check = (checks or {}).get((item["id"], item["property"]))
            if check is not None and not check(item.get("value")):
                raise BadPayload(f"value of {item['id']}.{item['property']} is not valid")
    parsed = body.get("parsedChangedPropsIds")
    # Dash sends plain strings for string ids and parsed dicts for pattern-matching ids.
    if parsed is not None and (
        not isinstance(parsed, list) or not all(isinstance(c, str | dict) for c in parsed)
    ):
        raise BadPayload("'parsedChangedPropsIds' must be a list of ids")


# A registered dependency: (component id, property, optional). A pattern-matching id is a
# dict whose wildcard values are the wildcard names ("ALL", "MATCH", "ALLSMALLER").
Dependency = tuple[str | dict[str, Any], str, bool]


def _registered(dep: Any) -> Dependency:
    """One input/state of ``callback_map`` (``{"id": str, "property": str}``) or an Output."""
    if isinstance(dep, dict):
        raw_id, prop, optional = dep["id"], dep["property"], bool(dep.get("allow_optional"))
    else:
        raw_id, prop = dep.component_id_str(), dep.component_property
        optional = bool(getattr(dep, "allow_optional", False))
    if isinstance(raw_id, str) and raw_id.startswith("{"):
        parsed = json.loads(raw_id)
        component_id: str | dict[str, Any] = {
            k: v[0] if isinstance(v, list) and len(v) == 1 and v[0] in _WILDCARDS else v
            for k, v in parsed.items()
        }
    else:
        component_id = raw_id
    return component_id, prop.split("@", 1)[0], optional


def _registered_outputs(spec: dict[str, Any]) -> list[Dependency]:
    output = spec.get("output")
    if output is None:
        return []
    return [_registered(o) for o in (output if isinstance(output, list | tuple) else [output])]


def _sends_list(component_id: str | dict[str, Any]) -> bool:
    return isinstance(component_id, dict) and any(
        isinstance(v, str) and v in _MULTI for v in component_id.values()
    )


def _check_list(sent: Any, registered: list[Dependency], field: str) -> None:
    if not isinstance(sent, list):
        raise BadPayload(f"'{field}' must be a list")
    if len(sent) != len(registered):
        raise BadPayload(f"'{field}' must have {len(registered)} items, not {len(sent)}")
    for item, dep in zip(sent, registered, strict=True):
        _check_item(item, dep, field)


def _check_item(sent: Any, dep: Dependency, field: str) -> None:
    component_id, prop, optional = dep
    if sent is None and optional:
        return
    if _sends_list(component_id):
        if not isinstance(sent, list):
            raise BadPayload(f"'{field}' item for {prop!r} must be a list")
        for one in sent:
            _check_one(one, dep, field)
    else:
        _check_one(sent, dep, field)


def _check_one(sent: Any, dep: Dependency, field: str) -> None:
    component_id, prop, _ = dep
    if not isinstance(sent, dict):
        raise BadPayload(f"'{field}' items must be objects")
    sent_id, sent_prop = sent.get("id"), sent.get("property")
    if not isinstance(sent_prop, str) or sent_prop.split("@", 1)[0] != prop:
        raise BadPayload(f"'{field}' item must have property {prop!r}")
    if isinstance(component_id, str):
        if sent_id != component_id:
            raise BadPayload(f"'{field}' item must have id {component_id!r}")
    else:
        if (
            not isinstance(sent_id, dict)
            or set(sent_id) != set(component_id)
            or not all(_scalar(v) for v in sent_id.values())
            or any(
                sent_id[k] != v
                for k, v in component_id.items()
                if not (isinstance(v, str) and v in _WILDCARDS)
            )
        ):
            raise BadPayload(f"'{field}' item has an id that matches no component")


def _scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool)


def _id_key(component_id: Any) -> Any:
    """A hashable form of a component id (dict ids as sorted item tuples)."""
    if isinstance(component_id, dict):
        return tuple(sorted((str(k), json.dumps(v)) for k, v in component_id.items()))
    return component_id


def _sent_prop_ids(inputs: list[Any]) -> set[tuple[Any, str]]:
    known: set[tuple[Any, str]] = set()
    for item in inputs:
        for one in item if isinstance(item, list) else [item]:
            if isinstance(one, dict):
                known.add((_id_key(one["id"]), one["property"]))
    return known


def _parse_prop_id(prop_id: str) -> tuple[Any, str] | None:
    """``"id.prop"`` or ``'{"index":1,"type":"x"}.prop'`` as (id key, prop)."""
    component_id, dot, prop = prop_id.rpartition(".")
    if not dot:
        return None
    if component_id.startswith("{"):
        try:
            parsed = json.loads(component_id)
        except (ValueError, RecursionError):
            return None
        if not isinstance(parsed, dict):
            return None
        return _id_key(parsed), prop
    return component_id, prop


# ---------------------------------------------------------------------- error pages
def wants_json() -> bool:
    path = request.path
    return (
        "/_dash-" in path
        or path.startswith("/api/")
        or request.accept_mimetypes.best == "application/json"
    )


def install_error_handlers(app: dash.Dash) -> None:
    """Internal errors answer a short message; the traceback goes to the log only."""
    path = callback_path(app)

    @app.server.errorhandler(InternalServerError)
    def _internal_error(_exc: InternalServerError) -> Response:
        # Flask has already logged the original exception with its traceback.
        if wants_json():
            return error_response("internal error", 500)
        return Response(
            "Er ging iets mis. / Something went wrong.\n", status=500, mimetype="text/plain"
        )

    @app.server.errorhandler(DependencyException)
    def _unknown_script(_exc: DependencyException) -> Response:
        # /_dash-component-suites/<unknown package or file>: Dash raises, which would be a
        # 500 with the list of every registered file in the log. It is a plain 404.
        return Response("Not found\n", status=404, mimetype="text/plain")

    @app.server.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        # Other HTTP errors (405, 413, 415, ...) on the callback route answer JSON like the
        # validation does; elsewhere they keep Flask's own page.
        if request.path == path and exc.code is not None:
            return error_response(exc.name, exc.code)
        return exc
