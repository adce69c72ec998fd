"""The OpenAPI 3.1 description of the bridge's pull API (served at /v1/openapi.json): its paths, the
server-sent events of /v1/stream, and under `webhooks` what a webhook connector POSTs."""
from __future__ import annotations

from .events import ERASED, TYPES, WITHHELD

REF = "#/components/schemas/"


def schemas() -> dict:
    event = {
        "type": "object", "required": ["id", "kind", "topic", "author", "created", "refs", "body", "thread"],
        "description": "an Antiport message as JSON (a sealed part is never passed on as ciphertext)",
        "properties": {
            "id": {"type": "string", "description": "message id (hex): the idempotency key"},
            "kind": {"type": "string", "enum": list(TYPES)},
            "topic": {"type": "string"}, "author": {"type": "string", "description": "the author's did"},
            "created": {"type": "integer", "description": "signed creation time, ms since the epoch"},
            "refs": {"type": "array", "items": {"type": "string"}},
            "thread": {"type": ["string", "null"], "description": "id of the request, complaint or intent it belongs"
                                                                  " to"},
            "terms": {"type": "object", "required": ["id", "words", "days", "plain"],
                      "description": "the customer's terms the message names (specs/14): the terms document's id,"
                                     " its `words`, `days` (the parameter of delete-after-days, else null) and"
                                     " `plain`, each word as a sentence to show staff",
                      "properties": {"id": {"type": "string"}, "words": {"type": "array", "items": {"type": "string"}},
                                     "days": {"type": ["integer", "null"]},
                                     "plain": {"type": "array", "items": {"type": "string"}}}},
            "award": {"type": "object", "description": "an award of this vendor's offer (specs/12): `text` and"
                                                       " `contact` opened, `error`, or `withheld`"},
            "body": {"type": "object", "description": "the kind's fields (specs/02); an answer or status from a"
                                                      " helpdesk may carry `seq`, its order within one second, and"
                                                      " `agent` (`agent_id`): who at the vendor wrote it"},
            "private": {"description": "present when the message has a sealed part", "oneOf": [
                {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}},
                 "description": "opened, for a connector configured with private = true"},
                {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}},
                 "description": "it could not be opened (tampered with, or sealed to another key)"},
                {"type": "object", "required": ["withheld"], "properties": {"withheld": {"const": WITHHELD}}}]},
        }}
    delivery = {
        "type": "object", "required": ["type", "timestamp", "data"],
        "description": "the Standard Webhooks body: a webhook's POST and each server-sent event's data",
        "properties": {
            "type": {"type": "string", "enum": sorted({*TYPES.values(), ERASED})},
            "timestamp": {"type": "string", "format": "date-time", "description": "when the message was created"},
            "data": {"allOf": [{"$ref": REF + "Event"}, {
                "type": "object", "required": ["seq"], "properties": {"seq": {
                    "type": "integer", "description": "journal number: grows with every event; a lower one than"
                                                      " already seen means a late (retried) delivery"}}}]}}}
    return {
        "Event": event, "Delivery": delivery,
        "Item": {"type": "object", "required": ["seq", "event"],
                 "properties": {"seq": {"type": "integer"}, "event": {"$ref": REF + "Event"}}},
        "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
        "ConnectorState": {"type": "object", "properties": {
            "acknowledged": {"type": "integer"}, "pending": {"type": "integer"},
            "last_error": {"type": ["string", "null"]},
            "retry_at": {"type": ["integer", "null"], "description": "when a connector that is down is probed"
                                                                     " next (ms since the epoch)"}}},
    }


def json_body(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def openapi_document() -> dict:
    ref = {name: {"$ref": REF + name} for name in ("Event", "Delivery", "Item", "Error", "ConnectorState")}
    counts = {"type": "object", "additionalProperties": {"type": "integer"}}  # {reason: how many}
    after = {"name": "after", "in": "query", "schema": {"type": "integer", "minimum": 0},
             "description": "return events with a larger seq"}
    errors = {"400": json_body(ref["Error"], "a wrong parameter"),
              "401": json_body(ref["Error"], "missing or wrong bearer token")}
    sse = ("Server-sent events, unnamed so that EventSource.onmessage receives them: `id:` is the seq, `data:` a"
           " Delivery as JSON. Reconnecting with Last-Event-ID resumes after it; `:` lines are keep-alives.")
    header = {"schema": {"type": "string"}, "required": True}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Antiport bridge pull API", "version": "2",
                 "description": "Served by a vendor bridge on 127.0.0.1 (docs/bridge.md)."},
        "components": {"securitySchemes": {"token": {"type": "http", "scheme": "bearer"}}, "schemas": schemas()},
        "security": [{"token": []}],
        "paths": {
            "/v1/items": {"get": {
                "summary": "events after a seq, oldest first",
                "parameters": [after, {"name": "limit", "in": "query",
                                       "schema": {"type": "integer", "minimum": 0, "maximum": 500}}],
                "responses": {"200": json_body({"type": "object", "properties": {
                    "items": {"type": "array", "items": ref["Item"]}, "last_seq": {"type": "integer"}}}, "items"),
                    **errors}}},
            "/v1/stream": {"get": {
                "summary": "the same events as a stream", "description": sse,
                "parameters": [after, {"name": "Last-Event-ID", "in": "header", "schema": {"type": "integer"}}],
                "responses": {"200": {"description": sse, "content": {"text/event-stream": {
                    "schema": {"type": "string"}, "example": 'id: 7\ndata: {"type": "answer.created", ...}\n\n'}}},
                    **errors}}},
            "/v1/ack": {"post": {
                "summary": "acknowledge every event up to a seq",
                "requestBody": {"content": {"application/json": {"schema": {
                    "type": "object", "required": ["through"], "properties": {"through": {"type": "integer"}}}}}},
                "responses": {"200": json_body({"type": "object", "properties": {
                    "acknowledged": {"type": "integer"}}}, "the acknowledged seq"), **errors}}},
            "/v1/status": {"get": {
                "summary": "delivery state per connector",
                "responses": {"200": json_body({"type": "object", "properties": {
                    "connectors": {"type": "object", "additionalProperties": ref["ConnectorState"]},
                    "last_seq": {"type": "integer"},
                    "pull": {"type": "object", "properties": {"acknowledged": {"type": "integer"}}},
                    "dropped": {"type": "object", "description": "per connector that reads a helpdesk (rt, email):"
                                " what it read and did not publish, counted by reason, kept across restarts",
                                "additionalProperties": counts},
                    "refused": {**counts, "description": "messages from the network this node refused since it"
                                " started, counted by reason (specs/01 and 02 reason codes, flood budgets)"}}},
                    "counts, last errors, back-off and drops"), "401": errors["401"]}}},
            "/v1/openapi.json": {"get": {"summary": "this description", "security": [],
                                         "responses": {"200": {"description": "OpenAPI 3.1"}}}},
        },
        "webhooks": {"event": {"post": {
            "summary": "what a webhook connector POSTs, one event at a time, in journal order",
            "description": "Standard Webhooks: verify webhook-signature (HMAC-SHA256 of id.timestamp.body with each"
                           " whsec_ secret) before trusting the body; answer 2xx to acknowledge.",
            "parameters": [{"name": "webhook-id", "in": "header", **header,
                            "description": "the message id, the same on every retry"},
                           {"name": "webhook-timestamp", "in": "header", **header,
                            "description": "seconds since the epoch, when this attempt was signed"},
                           {"name": "webhook-signature", "in": "header", **header,
                            "description": "space-separated v1,<base64> entries, one per configured secret"}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": ref["Delivery"]}}},
            "responses": {"2XX": {"description": "acknowledged; anything else is retried with the connector's"
                                                 " back-off"}}}}},
    }
