"""The OpenAPI 3.1 document of ``/api/``: the check JSON's shapes, written down once."""

from __future__ import annotations

from typing import Any

from tracker.model import Basis, Status
from tracker.optional.pauses import AGREED_WITH, EXTENSION_BASIS, INFORM_FINDING, KIND_KEYS, REASONS
from tracker.web.actions import OVERDUE_FILTERS, STATUS_FILTERS

_DATE = {"type": ["string", "null"], "format": "date"}
_FILTER = {"in": "query", "required": False, "schema": {"type": "string"}}
_FORMAT = {
    "name": "format",
    "in": "query",
    "required": False,
    "description": "json (default), or a download as csv or xlsx",
    "schema": {"type": "string", "enum": ["json", "csv", "xlsx"]},
}


_ERRORS = {
    "400": "a parameter is not valid (an unknown format or status, a limit or offset that is not "
    "a whole number)",
    "401": "no session or API token, an expired session, or a token that is not (or no longer) "
    "valid; the answer carries WWW-Authenticate: Bearer",
    "405": "any method but GET and HEAD: the API is read-only",
}


def _errors(*codes: str) -> dict[str, Any]:
    """The error answers a path can give, each with the same small JSON body."""
    schema = {"$ref": "#/components/schemas/Error"}
    return {
        code: {"description": _ERRORS[code], "content": {"application/json": {"schema": schema}}}
        for code in codes
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
        **_errors("400", "401", "405"),
    }


def openapi_document() -> dict[str, Any]:
    adjustment = {
        "type": "object",
        "required": ["kind", "from", "to", "new_due", "sheet", "row"],
        "properties": {
            "kind": {"type": "string", "enum": sorted(KIND_KEYS.values())},
            "from": _DATE,
            "to": {**_DATE, "description": "null: still paused"},
            "new_due": _DATE,
            "reason": {"type": ["string", "null"], "enum": [*REASONS, None]},
            "agreed_by": {"type": ["string", "null"], "enum": [*AGREED_WITH, None]},
            "informed": _DATE,
            "sheet": {"type": "string"},
            "row": {"type": "integer"},
        },
    }
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
            "basis": {
                "type": ["string", "null"],
                "enum": [b.value for b in Basis] + [EXTENSION_BASIS, None],
                "description": "`agreed extension` when an agreed new due date set `latest`",
            },
            "must": {"type": "boolean"},
            "must_label": {
                "type": ["string", "null"],
                "description": "the rule's own must/should wording, e.g. "
                "'must (notify) / should (5 days)'",
            },
            "source": {"type": ["string", "null"], "description": "the rule's citation"},
            "original_latest": {
                **_DATE,
                "description": "the latest date the rules give, before any pause or extension",
            },
            "adjustments": {
                "type": "array",
                "description": "rows of the workbook's `Pauses and extensions` sheet for this "
                "stage (never their notes)",
                "items": adjustment,
            },
            "findings": {
                "type": "array",
                "description": "duties the adjustments raise, e.g. a paused publication whose "
                "national body has not been told",
                "items": {
                    "type": "object",
                    "properties": {
                        "type": {"type": "string", "enum": [INFORM_FINDING]},
                        "basis": {"type": "string"},
                        "must": {"type": "boolean"},
                        "message": {"type": "string"},
                        "source": {"type": "string"},
                    },
                },
            },
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
            "actions": {
                "type": "array",
                "description": "the review's actions from the workbook's `Actions` sheet",
                "items": {"$ref": "#/components/schemas/Action"},
            },
        },
    }
    action = {
        "type": "object",
        "required": ["action_ref", "recommendation", "agency", "due", "status", "sheet", "row"],
        "description": "one action of a review's plan, judged against its own due date (local "
        "default, should); never its notes",
        "properties": {
            "action_ref": {"type": "string", "description": "e.g. R3.1"},
            "recommendation": {"type": "string", "description": "the report's reference, e.g. R3"},
            "agency": {
                "type": "string",
                "description": "the agency as typed, or `(withheld)` when it does not read as an "
                "organisation's name",
            },
            "due": _DATE,
            "completed": _DATE,
            "status": {
                "type": "string",
                "enum": [s.value for s in Status],
                "description": "`not_applicable` for an action not accepted or superseded",
            },
            "days_late": {"type": ["integer", "null"]},
            "assured": {**_DATE, "description": "the date assurance was given"},
            "evidence_link": {"type": ["string", "null"], "format": "uri"},
            "sheet": {"type": "string"},
            "row": {"type": "integer"},
            "latest": {
                **_DATE,
                "description": "the deadline in force, when pauses or an agreed extension on the "
                "`Pauses and extensions` sheet moved the due date (null while paused)",
            },
            "adjustments": {
                "type": "array",
                "description": "rows of the `Pauses and extensions` sheet naming this action",
                "items": adjustment,
            },
        },
    }
    listed_action = {
        "allOf": [
            {"$ref": "#/components/schemas/Action"},
            {
                "type": "object",
                "required": ["review_id", "board", "framework"],
                "properties": {
                    "review_id": {"type": ["string", "null"]},
                    "board": {"type": "string"},
                    "nation": {"type": "string"},
                    "framework": {"type": ["string", "null"]},
                    "source": {"type": ["string", "null"]},
                },
            },
        ]
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
            "signed-in user may see. Read-only: every method but GET and HEAD is refused (405). "
            "Programs authenticate with `Authorization: Bearer TOKEN`, a token made by "
            "`tracker user token NAME` (valid on /api/* only, with NAME's scope, until replaced "
            "or the user is removed); people with the session cookie of the sign-in page.",
        },
        "servers": [{"url": "/"}],
        "security": [{"session": []}, {"token": []}],
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
            "/api/actions": {
                "get": {
                    "summary": "Actions from review recommendations, the longest overdue first",
                    "parameters": [
                        {**_FILTER, "name": "board"},
                        {**_FILTER, "name": "agency", "description": "the agency as listed"},
                        {
                            **_FILTER,
                            "name": "status",
                            "description": "; ".join(
                                f"{k}: {v.lower()}" for k, v in STATUS_FILTERS.items()
                            ),
                            "schema": {"type": "string", "enum": list(STATUS_FILTERS)},
                        },
                        {
                            **_FILTER,
                            "name": "overdue",
                            "description": "yes: open past their due date; no: the others",
                            "schema": {"type": "string", "enum": list(OVERDUE_FILTERS)},
                        },
                        {**_FILTER, "name": "review", "description": "a review id"},
                        {
                            "name": "limit",
                            "in": "query",
                            "required": False,
                            "description": "at most this many actions (default: all)",
                            "schema": {"type": "integer", "minimum": 0},
                        },
                        {
                            "name": "offset",
                            "in": "query",
                            "required": False,
                            "description": "skip this many actions first",
                            "schema": {"type": "integer", "minimum": 0},
                        },
                        _FORMAT,
                    ],
                    "responses": _ok("ActionList", "the actions"),
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
                        **_errors("401", "405"),
                    },
                }
            },
            "/api/openapi.json": {
                "get": {
                    "summary": "This document",
                    "responses": {"200": {"description": "OpenAPI 3.1"}, **_errors("401", "405")},
                }
            },
        },
        "components": {
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "tracker_session"},
                "token": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "from `tracker user token NAME`; /api/* only",
                },
            },
            "schemas": {
                "Stage": stage,
                "Review": review,
                "Problem": problem,
                "Action": action,
                "ListedAction": listed_action,
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {"type": "string"},
                        "status": {"type": "integer"},
                    },
                },
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
                "ActionList": {
                    "type": "object",
                    "required": ["as_of", "total", "actions"],
                    "properties": {
                        **head,
                        "total": {
                            "type": "integer",
                            "description": "actions matching the filters, before limit/offset",
                        },
                        "actions": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/ListedAction"},
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
