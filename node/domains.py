"""Vendor domains (specs/02 section 6): who a private part may be sealed to.

A vendor's manifest may name a domain; the domain proves the vendor's did by listing it in
https://<domain>/.well-known/antiport.json. `check` fetches that proof (blocking: the node runs it in a
worker thread, `service`); the store keeps each outcome and pins the first did verified for a domain.
`judge` says what a customer should think of a vendor (verified, unverified, conflict; trusted by hand),
and `seal_key` which key, if any, a private part in a topic may be sealed to.
"""
from __future__ import annotations

import json
import ssl
from dataclasses import dataclass, field

import httpx
import trio
from antiport.crypto import key_from_did
from antiport.protocol import Message

from .home import now_ms
from .store import Store

WELL_KNOWN = "/.well-known/antiport.json"
MAX_BYTES = 64 * 1024


@dataclass(frozen=True)
class Settings:
    """The `domains` object of a home's config.json (every key optional)."""
    ca_bundle: str = ""       # a PEM file of the certificate authorities to trust instead of the system's
    resolve: dict[str, str] = field(default_factory=dict)  # domain -> "host:port" to connect to, as curl --resolve
    recheck_hours: float = 24.0    # a verified vendor is checked again this often
    retry_minutes: float = 10.0    # a failed check is tried again this often
    timeout_seconds: float = 10.0

    @classmethod
    def from_config(cls, config: object) -> Settings:
        """Raises ValueError naming the key that has the wrong type."""
        if not isinstance(config, dict):
            raise ValueError("'domains' must be an object")
        unknown = set(config) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"domains.{min(unknown)} is not a setting")
        for key, value in config.items():
            want = {"ca_bundle": str, "resolve": dict}.get(key, (int, float))
            if not isinstance(value, want) or isinstance(value, bool):
                raise ValueError(f"domains.{key} has the wrong type")
        if not all(isinstance(v, str) for v in config.get("resolve", {}).values()):
            raise ValueError("domains.resolve maps a domain to 'host:port'")
        return cls(**config)


# -- the proof ----------------------------------------------------------------------------------------

def check(did: str, domain: str, settings: Settings) -> str | None:
    """None when https://<domain>/.well-known/antiport.json lists `did`, else why not (one line). Blocking."""
    url = f"https://{settings.resolve.get(domain, domain)}{WELL_KNOWN}"
    try:
        tls = ssl.create_default_context(cafile=settings.ca_bundle or None)
    except OSError as e:
        return f"cannot read the CA bundle {settings.ca_bundle}: {e.strerror or e}"
    try:
        with httpx.Client(verify=tls, timeout=settings.timeout_seconds, follow_redirects=False) as client, \
                client.stream("GET", url, headers={"Host": domain, "Accept": "application/json"},
                              extensions={"sni_hostname": domain}) as response:
            if response.status_code != 200:
                return f"https://{domain}{WELL_KNOWN} answered {response.status_code}, not 200"
            body = b""
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > MAX_BYTES:
                    return f"https://{domain}{WELL_KNOWN} is larger than {MAX_BYTES // 1024} KiB"
    except httpx.HTTPError as e:
        return f"cannot fetch https://{domain}{WELL_KNOWN}: {_reason(e)}"
    try:
        dids = json.loads(body)["dids"]
    except (ValueError, TypeError, KeyError):
        return f"https://{domain}{WELL_KNOWN} is not a JSON object with a list of 'dids'"
    if not isinstance(dids, list):
        return f"https://{domain}{WELL_KNOWN}: 'dids' is not a list"
    return None if did in dids else f"https://{domain}{WELL_KNOWN} does not list this did"


def _reason(e: httpx.HTTPError) -> str:
    cause: BaseException | None = e
    while cause is not None:  # httpx wraps httpcore's error, which wraps ssl's
        if isinstance(cause, ssl.SSLCertVerificationError):
            return f"its certificate is not valid ({cause.verify_message})"
        cause = cause.__cause__ or cause.__context__
    return " ".join(str(e).split()) or type(e).__name__


# -- what the customer should think -------------------------------------------------------------------

def judge(store: Store, did: str, domain: str | None) -> dict:
    """{"state": verified | unverified | conflict, "detail": why, "trusted": bool} for a vendor `did` whose
    current manifest names `domain`."""
    trusted = did in store.trusted_vendors()
    if not domain:
        return {"state": "unverified", "detail": "its manifest names no domain", "trusted": trusted}
    last = store.domain_check(did, domain)
    if last is None:
        return {"state": "unverified", "detail": f"{domain} not checked yet", "trusted": trusted}
    if last[0] is not None:
        return {"state": "unverified", "detail": last[0], "trusted": trusted}
    pinned = store.domain_pin(domain)
    if pinned != did:
        return {"state": "conflict", "detail": f"{domain} was first verified for another key, {pinned}",
                "trusted": trusted}
    return {"state": "verified", "detail": f"{domain} lists this did", "trusted": trusted}


class CannotSeal(Exception):
    """No single vendor key a private part may be sealed to; the message says why and what to do."""


def seal_key(store: Store, topic: str) -> tuple[bytes, dict]:
    """The key to seal a private part in `topic` to, and the claim it belongs to (specs/02 section 6):
    the one vendor claiming the topic that the customer trusts, else the one verified; never one she blocked or
    does not let read her private parts (node/relations.py).
    Raises CannotSeal."""
    claims = [_claim(store, m) for m in store.current_manifests() if topic in m.body["topics"]]
    if not claims:
        raise CannotSeal(f"no vendor manifest claims {topic}: there is nobody to seal the private part to")
    chosen = [c for c in claims if c["trusted"]] or [c for c in claims if c["state"] == "verified"]
    if len(chosen) == 1:
        if store.blocked(chosen[0]["did"]):
            raise CannotSeal(f"private part not sent: you blocked {chosen[0]['org']} {chosen[0]['did']}, the vendor"
                             f" of {topic}: send without it, or 'antiport unmute DID' first")
        if not store.may_seal_to(chosen[0]["did"]):
            raise CannotSeal(f"private part not sent: you do not let {chosen[0]['org']} {chosen[0]['did']}, the vendor"
                             f" of {topic}, read your private parts: send without it, or 'antiport private allow DID'")
        return key_from_did(chosen[0]["did"]), chosen[0]
    listed = "; ".join(f"{c['org']} {c['did']}: {c['state']}, {c['detail']}" for c in (chosen or claims)[:3])
    if chosen:
        raise CannotSeal(f"private part not sent: {len(chosen)} vendors claim {topic} ({listed}): trust the right"
                         " one with 'antiport trust-vendor DID'")
    raise CannotSeal(f"private part not sent: no vendor of {topic} is verified ({listed}): send without it, or"
                     " trust the vendor with 'antiport trust-vendor DID' if you know that key is theirs")


def _claim(store: Store, manifest: Message) -> dict:
    domain = manifest.body.get("domain")
    return {"did": manifest.author_did, "org": manifest.body["org"], "domain": domain,
            **judge(store, manifest.author_did, domain)}


# -- checking in the background -----------------------------------------------------------------------

def due(store: Store, now: int, settings: Settings) -> list[tuple[str, str]]:
    """(did, domain) of the current manifests whose domain was never checked, or not for a while."""
    out = []
    for m in store.current_manifests():
        domain = m.body.get("domain")
        last = domain and store.domain_check(m.author_did, domain)
        if domain and (last is None or now - last[1] >= (
                settings.recheck_hours * 3_600_000 if last[0] is None else settings.retry_minutes * 60_000)):
            out.append((m.author_did, domain))
    return out


def service(settings: Settings):
    """A node service: checks the domains of vendors' manifests as they arrive and again when due, in a
    worker thread (the event loop never waits for a web server)."""
    async def run(node, task_status=trio.TASK_STATUS_IGNORED) -> None:
        wake = trio.Event()

        def stored(event) -> None:
            if event.message.kind == "vendor":
                wake.set()

        unsubscribe = node.ingest.subscribe(stored)
        task_status.started()
        try:
            while True:
                for did, domain in due(node.store, now_ms(), settings):
                    problem = await trio.to_thread.run_sync(check, did, domain, settings, abandon_on_cancel=True)
                    node.store.record_domain_check(did, domain, problem, now_ms())
                with trio.move_on_after(min(settings.retry_minutes * 60, 60)):
                    await wake.wait()
                wake = trio.Event()
        finally:
            unsubscribe()
    return run
