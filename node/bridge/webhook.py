"""Webhooks as Standard Webhooks (standardwebhooks.com) describes them.

Body: `{"type", "timestamp", "data"}` (events.envelope; `data` is the event with its journal `seq`).
Headers: `webhook-id` (the Antiport message id: the idempotency key, the same on every retry),
`webhook-timestamp` (seconds since the epoch) and `webhook-signature`: space-separated `v1,<base64>`
entries, one per configured secret (rotation), each HMAC-SHA256 over `id.timestamp.body` keyed with the
bytes of a `whsec_<base64>` secret.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import httpx

from .config import Webhook
from .events import envelope

TOLERANCE_S = 5 * 60


class WebhookError(Exception):
    """A webhook that must not be trusted: missing headers, stale timestamp, or a wrong signature."""


def secret_bytes(secret: str) -> bytes:
    if not secret.startswith("whsec_"):
        raise WebhookError("a secret is written whsec_ and base64")
    try:
        return base64.b64decode(secret[len("whsec_"):], validate=True)
    except ValueError:
        raise WebhookError("a whsec_ secret must be base64 after the prefix") from None


def signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret_bytes(secret), f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256)
    return "v1," + base64.b64encode(mac.digest()).decode()


def sign_headers(secrets: list[str], msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three headers, the signature listing one entry per secret."""
    signatures = " ".join(signature(secret, msg_id, timestamp, body) for secret in secrets)
    return {"webhook-id": msg_id, "webhook-timestamp": str(timestamp), "webhook-signature": signatures,
            "content-type": "application/json"}


def verify(secret: str, headers, body: bytes, now_s: int, tolerance_s: int = TOLERANCE_S) -> dict:
    """Check a received webhook; returns the JSON payload or raises WebhookError saying what is wrong.

    `headers` is any case-insensitive mapping (or a dict with lower-case keys).
    """
    msg_id, ts, sigs = (headers.get(h) for h in ("webhook-id", "webhook-timestamp", "webhook-signature"))
    if not (msg_id and ts and sigs):
        raise WebhookError("missing webhook-id, webhook-timestamp or webhook-signature header")
    try:
        timestamp = int(ts)
    except ValueError:
        raise WebhookError(f"webhook-timestamp is not a number: {ts!r}") from None
    if abs(now_s - timestamp) > tolerance_s:
        raise WebhookError(f"webhook-timestamp {timestamp} is more than {tolerance_s}s away from now")
    expected = signature(secret, msg_id, timestamp, body)
    if not any(hmac.compare_digest(expected, s) for s in sigs.split() if s.startswith("v1,")):
        raise WebhookError("webhook-signature does not match: wrong secret, or the body was changed")
    return json.loads(body)


class WebhookConnector:
    """Posts deliveries to one URL. A 2xx answer acknowledges; anything else raises and is retried."""

    def __init__(self, cfg: Webhook, client: httpx.AsyncClient):
        self.name, self.url, self.secrets, self.private = f"webhook:{cfg.name}", cfg.url, cfg.secrets, cfg.private
        self.client = client

    async def deliver(self, seq: int, event: dict, retry: bool) -> None:
        """Receivers deduplicate on webhook-id, so a retry needs nothing special here."""
        body = json.dumps(envelope(seq, event), separators=(",", ":"), sort_keys=True).encode()
        headers = sign_headers(self.secrets, event["id"], int(time.time()), body)
        response = await self.client.post(self.url, content=body, headers=headers)
        if not response.is_success:
            raise httpx.HTTPStatusError(f"{self.url} answered {response.status_code}",
                                        request=response.request, response=response)
