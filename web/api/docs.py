"""``/api/docs``: a plain, server-rendered reference of the API, made from the generated spec.

No CDN and no JavaScript (strict CSP friendly): the interactive Swagger/ReDoc UIs of
flask-smorest load their assets from a CDN, and bundling them is more than this page needs.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template

bp = Blueprint("api_reference", __name__, template_folder="templates", static_folder="static",
               static_url_path="/api/docs/static")
METHODS = ("get", "post", "put", "patch", "delete")


def type_of(schema: dict[str, Any]) -> str:
    """A short readable type of a JSON Schema fragment."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            return " | ".join(type_of(s) for s in schema[key])
    kind = schema.get("type", "any")
    kinds = kind if isinstance(kind, list) else [kind]
    parts = []
    for k in kinds:
        if k == "array":
            parts.append(f"array of {type_of(schema.get('items', {}))}")
        elif k == "object" and isinstance(schema.get("additionalProperties"), dict):
            parts.append(f"object of {type_of(schema['additionalProperties'])}")
        else:
            parts.append(str(k) + (f" ({schema['format']})" if "format" in schema else ""))
    text = " | ".join(parts)
    if "enum" in schema:
        text += ": one of " + ", ".join(str(v) for v in schema["enum"])
    return text


def _fields(schema: dict[str, Any]) -> list[dict[str, Any]]:
    required = set(schema.get("required", []))
    return [{"name": name, "type": type_of(prop), "required": name in required,
             "description": prop.get("description", "")}
            for name, prop in schema.get("properties", {}).items()]


def operations(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Every operation of the spec, in path order, ready for the template."""
    ops = []
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            ops.append({
                "id": f"{method}-{path}".replace("/", "-").strip("-"),
                "method": method.upper(), "path": path, "tag": (op.get("tags") or [""])[0],
                "summary": op.get("summary", ""), "description": op.get("description", ""),
                "public": op.get("security") == [],
                "parameters": [{"name": p["name"], "in": p["in"],
                                "required": p.get("required", False),
                                "type": type_of(p.get("schema", {})),
                                "description": p.get("description", "")}
                               for p in op.get("parameters", []) + item.get("parameters", [])],
                "body": type_of(body["schema"]) if "schema" in body else None,
                "responses": [{"code": code, "description": _resolve(spec, r).get(
                                   "description", ""), "type": _response_type(spec, r)}
                              for code, r in sorted(op.get("responses", {}).items())],
            })
    return ops


def _resolve(spec: dict[str, Any], response: dict[str, Any]) -> dict[str, Any]:
    if "$ref" not in response:
        return response
    name = str(response["$ref"]).rsplit("/", 1)[-1]
    found: dict[str, Any] = spec.get("components", {}).get("responses", {}).get(name, {})
    return found


def _response_type(spec: dict[str, Any], response: dict[str, Any]) -> str:
    response = _resolve(spec, response)
    schema = response.get("content", {}).get("application/json", {}).get("schema")
    return type_of(schema) if schema else ""


@bp.get("/api/docs")
def api_docs() -> str:
    """Render the API reference from the generated OpenAPI spec."""
    spec = current_app.extensions["staffel_api"].spec.to_dict()
    schemas = {name: _fields(s) for name, s in
               sorted(spec.get("components", {}).get("schemas", {}).items())}
    return render_template("api/docs.html", info=spec.get("info", {}), ops=operations(spec),
                           schemas=schemas)
