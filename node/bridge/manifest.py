"""The signed vendor manifest: which topics this vendor answers in, and which keys speak for it."""
from __future__ import annotations

from antiport.crypto import key_from_did

from ..service import Ctx, write
from .config import BridgeConfig


def manifest_body(cfg: BridgeConfig) -> dict:
    body = {"org": cfg.org, "topics": sorted(cfg.topics)}
    if cfg.keys:
        body["keys"] = [key_from_did(did) for did in cfg.keys]
    if cfg.promise_hours is not None:
        body["promise_hours"] = cfg.promise_hours
    if cfg.domain:
        body["domain"] = cfg.domain
    return body


def refresh_manifest(ctx: Ctx, cfg: BridgeConfig, now: int) -> str | None:
    """Publish a new manifest when there is none, it differs from the configuration, or it is older
    than `refresh_hours` (so that late joiners hear about the vendor). Returns the new id, if any."""
    body, current = manifest_body(cfg), ctx.store.newest_manifest(ctx.identity.did)
    if current is not None and current.body == body and now - current.created < cfg.refresh_hours * 3_600_000:
        return None
    return write(ctx, "vendor", "", body)["id"]
