"""The OpenAPI 3.1 document of ``/api/``: the check JSON's shapes, written down once."""

from __future__ import annotations

from typing import Any

from tracker.model import Basis, Status

_DATE = {"type": ["string", "null"], "format": "date"}
_FILTER = {"in": "query", "required": False, "schema": {"type": "string"}}
_FORMAT = {
    "name": "format",
    "in": "query",
    "required": False,
    "description": "json (default), or a download as csv or xlsx",
    "schema": {"type": "string", "enum": ["json", "csv", "xlsx"]},
}


def _ok(ref: str, description: str) -> dict[str, Any]:
    return {
        "200": {
            "description": description,
            "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}},
                "text/csv": {"schema": {"type": "string"}},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                    "schema": {"type": "string", "format": "binary"}
                },
            },
        },
        "401": {"description": "not signed in"},
    }


def openapi_document() -> dict[str, Any]:
    stage = {
        "type": "object",
        "required": ["id", "label", "status"],
        "properties": {
            "id": {"type": "string"},
            "label": {"type": "string"},
            "done": _DATE,
            "earliest": _DATE,
            "latest": _DATE,
            "status": {"type": "string", "enum": [s.value for s in Status]},
            "days_late": {"type": ["integer", "null"]},
            "basis": {"type": ["string", "null"], "enum": [b.value for b in Basis] + [None]},
            "must": {"type": "boolean"},
            "source": {"type": ["string", "null"], "description": "the rule's citation"},
        },
    }
    review = {
        "type": "object",
        "required": ["source", "sheet", "row", "review_id", "framework", "stages"],
        "properties": {
            "source": {"type": "string"},
            "sheet": {"type": "string"},
            "row": {"type": "integer"},
            "review_id": {"type": ["string", "null"]},
            "board": {"type": ["string", "null"]},
            "framework": {"type": "string"},
            "assessable": {"type": "boolean"},
            "report_link": {"type": ["string", "null"], "format": "uri"},
            "stages": {"type": "array", "items": {"$ref": "#/components/schemas/Stage"}},
        },
    }
    problem = {
        "type": "object",
        "required": ["source", "type", "severity", "message"],
        "properties": {
            "source": {"type": "string"},
            "sheet": {"type": ["string", "null"]},
            "cell": {"type": ["string", "null"]},
            "row": {"type": ["integer", "null"]},
            "column": {"type": ["string", "null"]},
            "review_id": {"type": ["string", "null"]},
            "value": {"description": "the cell's value (never for free-text columns)"},
            "type": {"type": "string"},
            "severity": {"type": "string", "enum": ["error", "warning", "info"]},
            "message": {"type": "string"},
        },
    }
    head = {
        "as_of": _DATE,
        "generated_at": {"type": ["string", "null"], "format": "date-time"},
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Case review tracker: read-only API",
            "version": "1",
            "description": "The latest snapshot of `tracker check`, limited to the boards the "
            "signed-in user may see. Read-only: every method but GET and HEAD is refused (405).",
        },
        "servers": [{"url": "/"}],
        "security": [{"session": []}],
        "paths": {
            "/api/reviews": {
                "get": {
                    "summary": "Reviews with every stage's dates and status",
                    "parameters": [
                        {
                            **_FILTER,
                            "name": "nation",
                            "description": "england, wales, scotland or northern-ireland",
                        },
                        {**_FILTER, "name": "board"},
                        {**_FILTER, "name": "framework", "description": "a framework id"},
                        {
                            **_FILTER,
                            "name": "status",
                            "description": "reviews with at least one stage in this status",
                        },
                        {
                            "name": "limit",
                            "in": "query",
                            "required": False,
                            "description": "at most this many reviews (default: all)",
                            "schema": {"type": "integer", "minimum": 0},
                        },
                        {
                            "name": "offset",
                            "in": "query",
                            "required": False,
                            "description": "skip this many reviews first",
                            "schema": {"type": "integer", "minimum": 0},
                        },
                        _FORMAT,
                    ],
                    "responses": _ok("ReviewList", "the reviews"),
                }
            },
            "/api/problems": {
                "get": {
                    "summary": "Data problems, each located to its cell",
                    "parameters": [{**_FILTER, "name": "board"}, _FORMAT],
                    "responses": _ok("ProblemList", "the problems"),
                }
            },
            "/api/frameworks": {
                "get": {
                    "summary": "Frameworks with their stages and rules",
                    "responses": {
                        "200": {
                            "description": "every framework",
                            "content": {"application/json": {"schema": {"type": "array"}}},
                        },
                        "401": {"description": "not signed in"},
                    },
                }
            },
            "/api/openapi.json": {
                "get": {
                    "summary": "This document",
                    "responses": {"200": {"description": "OpenAPI 3.1"}},
                }
            },
        },
        "components": {
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "tracker_session"}
            },
            "schemas": {
                "Stage": stage,
                "Review": review,
                "Problem": problem,
                "ReviewList": {
                    "type": "object",
                    "required": ["as_of", "reviews"],
                    "properties": {
                        **head,
                        "total": {
                            "type": "integer",
                            "description": "reviews matching the filters, before limit/offset",
                        },
                        "reviews": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/Review"},
                        },
                    },
                },
                "ProblemList": {
                    "type": "object",
                    "required": ["as_of", "problems"],
                    "properties": {
                        **head,
                        "problems": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/Problem"},
                        },
                    },
                },
            },
        },
    }
