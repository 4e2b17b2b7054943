"""Dash callback requests as the renderer sends them, built from an app's own callback map
(so they follow the app as it changes). Used by the tests that post callbacks with the Flask
test client."""

from __future__ import annotations

from typing import Any

CALLBACK = "/_dash-update-component"
ROUTER_OUTPUT = ".._pages_content.children..._pages_store.data.."


def prop_id(dep: dict[str, Any]) -> str:
    return f"{dep['id']}.{dep['property']}"


def outputs_of(spec: dict[str, Any], output: str) -> Any:
    outs = spec["output"] if isinstance(spec["output"], list) else [spec["output"]]
    sent = [{"id": o.component_id, "property": o.component_property} for o in outs]
    return sent if output.startswith("..") else sent[0]


def payload(app: Any, output: str, values: dict[str, Any], changed: list[str]) -> dict:
    """A request for callback ``output`` as the renderer sends it; inputs/state whose
    prop id is missing from ``values`` go without a value (undefined in the browser)."""
    spec = app.callback_map[output]

    def fill(deps: list[dict[str, Any]]) -> list[dict[str, Any]]:
        items = []
        for dep in deps:
            item = {"id": dep["id"], "property": dep["property"]}
            if prop_id(dep) in values:
                item["value"] = values[prop_id(dep)]
            items.append(item)
        return items

    body = {
        "output": output,
        "outputs": outputs_of(spec, output),
        "inputs": fill(spec["inputs"]),
        "changedPropIds": changed,
        "parsedChangedPropsIds": changed,
    }
    if spec["state"]:
        body["state"] = fill(spec["state"])
    return body


def router_payload(app: Any, pathname: str, search: str = "") -> dict:
    """The pages router's request for a URL (what opening a page sends)."""
    return payload(app, ROUTER_OUTPUT,
                   {"_pages_location.pathname": pathname, "_pages_location.search": search},
                   ["_pages_location.pathname", "_pages_location.search"])


def route(client: Any, app: Any, pathname: str, search: str = "") -> Any:
    return client.post(CALLBACK, json=router_payload(app, pathname, search))
