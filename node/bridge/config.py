"""Bridge configuration: a TOML file (see docs/bridge.md and docs/bridge.example.toml).

Secrets can be written inline (`secret = "..."`) or read from the environment (`secret_env = "NAME"`).
Every problem is reported as one BridgeConfigError naming the file and the key.
"""
from __future__ import annotations

import base64
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from antiport.crypto import BadKey, key_from_did
from antiport.protocol import BadTopic, normalise
from antiport.protocol.kinds import is_domain

DEFAULT_STATUS_MAP = {"open": "in-progress", "resolved": "resolved", "rejected": "wont-fix"}
STATES = ("acknowledged", "in-progress", "resolved", "wont-fix")
DEFAULT_PRIORITY = {"request": 20, "complaint": 70}  # RT's priorities run 0-99; a complaint comes first


class BridgeConfigError(Exception):
    """The bridge configuration cannot be used; the message says where and why."""


@dataclass
class Webhook:
    name: str
    url: str
    secrets: list[str]              # whsec_ secrets; each delivery is signed with every one (rotation)
    private: bool = False           # opened private parts, only when opted in


@dataclass
class Pull:
    token: str
    port: int = 0
    private: bool = False


@dataclass
class RTFields:
    """How a thread fills an RT ticket's fields ([connectors.rt.fields])."""
    priority: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PRIORITY))  # kind -> RT priority
    type_field: str = "Antiport type"     # ticket custom field: request or complaint
    topic_field: str = "Antiport topic"   # ticket custom field: the thread's topic


@dataclass
class RTConfig:
    url: str
    user: str
    password: str
    queues: dict[str, str]          # topic slug -> RT queue name
    poll_seconds: float = 5.0
    status_map: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_STATUS_MAP))
    private: bool = False
    fields: RTFields = field(default_factory=RTFields)
    resolve_on_customer: bool = True   # the customer's resolve sets the ticket to resolved
    promise_hours: int | None = None   # the vendor's promise (vendor.promise_hours): the ticket's due date


@dataclass
class EmailConfig:
    support: str          # the vendor's support address: requests and complaints are mailed there
    address: str          # the bridge's own address: From of its mails, the mailbox staff replies reach
    smtp: str             # smtp://host:port (STARTTLS unless starttls = false) or smtps://host:port
    imap: str             # imap://host:port (likewise) or imaps://host:port
    user: str
    password: str
    staff: list[str]      # addresses (or @domains) whose replies are published
    mailbox: str = "INBOX"
    starttls: bool = True
    poll_seconds: float = 10.0
    private: bool = False           # opened private parts in the mails, only when opted in


@dataclass
class BridgeConfig:
    org: str
    topics: list[str]
    did: str | None = None              # when set, the home's identity must be this one
    keys: list[str] = field(default_factory=list)  # other dids that may speak for the vendor
    promise_hours: int | None = None
    domain: str | None = None           # the vendor's web domain; its .well-known/antiport.json lists our did
    refresh_hours: float = 24.0
    retry_base_seconds: float = 2.0
    retry_max_seconds: float = 600.0
    webhooks: list[Webhook] = field(default_factory=list)
    pull: Pull | None = None
    rt: RTConfig | None = None
    email: EmailConfig | None = None

    def connector_names(self) -> list[str]:
        """Push connectors, each with its own delivery records in the outbox."""
        return [f"webhook:{w.name}" for w in self.webhooks] + [name for name in ("rt", "email") if getattr(self, name)]


def load_config(path: Path | str) -> BridgeConfig:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise BridgeConfigError(f"{path}: no such file") from None
    except tomllib.TOMLDecodeError as e:
        raise BridgeConfigError(f"{path}: not valid TOML: {e}") from None
    try:
        return parse_config(data)
    except BridgeConfigError as e:
        raise BridgeConfigError(f"{path}: {e}") from None


def parse_config(data: dict) -> BridgeConfig:
    r = _Reader(data, "")
    vendor = r.section("vendor", required=True)
    topics = [_topic(t, "vendor.topics") for t in vendor.get("topics", list, required=True)]
    if not topics:
        raise BridgeConfigError("vendor.topics: name at least one topic (vendor/product)")
    cfg = BridgeConfig(org=vendor.get("org", str, required=True), topics=topics,
                       did=_did(vendor.get("did", str), "vendor.did"),
                       keys=[_did(k, "vendor.keys") for k in vendor.get("keys", list) or []],
                       promise_hours=vendor.get("promise_hours", int),
                       domain=_domain(vendor.get("domain", str)),
                       refresh_hours=vendor.get("refresh_hours", (int, float)) or 24.0)
    vendor.done()
    delivery = r.section("delivery") or _Reader({}, "delivery")
    cfg.retry_base_seconds = delivery.get("retry_base_seconds", (int, float)) or 2.0
    cfg.retry_max_seconds = delivery.get("retry_max_seconds", (int, float)) or 600.0
    delivery.done()
    connectors = r.section("connectors") or _Reader({}, "connectors")
    for i, hook in enumerate(connectors.get("webhook", list) or []):
        w = _Reader(hook, f"connectors.webhook[{i}]")
        cfg.webhooks.append(Webhook(name=w.get("name", str, required=True), url=w.get("url", str, required=True),
                                    secrets=_webhook_secrets(w.secret("secret"), f"connectors.webhook[{i}].secret"),
                                    private=w.get("private", bool) or False))
        w.done()
    if len({w.name for w in cfg.webhooks}) != len(cfg.webhooks):
        raise BridgeConfigError("connectors.webhook: each webhook needs a different name")
    if pull := connectors.section("pull"):
        cfg.pull = Pull(token=pull.secret("token"), port=pull.get("port", int) or 0,
                        private=pull.get("private", bool) or False)
        pull.done()
    if rt := connectors.section("rt"):
        queues = rt.get("queues", dict) or {}
        mapping = {_topic(t, "connectors.rt.queues"): _queue(q, f"connectors.rt.queues.{t}") for t, q in queues.items()}
        default = _queue(rt.get("queue", (str, int)), "connectors.rt.queue")
        missing = [t for t in topics if t not in mapping and not default]
        if missing:
            raise BridgeConfigError(f"connectors.rt: no queue for topic {missing[0]} (set queue or queues)")
        status_map = {**DEFAULT_STATUS_MAP, **(rt.get("status_map", dict) or {})}
        bad = [v for v in status_map.values() if v and v not in STATES]
        if bad:
            raise BridgeConfigError(f"connectors.rt.status_map: {bad[0]!r} is not one of {', '.join(STATES)}")
        cfg.rt = RTConfig(url=rt.get("url", str, required=True).rstrip("/"), user=rt.get("user", str) or "root",
                          password=rt.secret("password"), queues={t: mapping.get(t, default) for t in topics},
                          poll_seconds=rt.get("poll_seconds", (int, float)) or 5.0,
                          status_map={k: v for k, v in status_map.items() if v}, fields=_rt_fields(rt),
                          private=rt.get("private", bool) or False,
                          resolve_on_customer=rt.get("resolve_on_customer", bool) is not False,
                          promise_hours=cfg.promise_hours)
        rt.done()
    if email := connectors.section("email"):
        cfg.email = _email(email)
    connectors.done()
    r.done()
    return cfg


def _rt_fields(rt: _Reader) -> RTFields:
    r, out = rt.section("fields"), RTFields()
    if r is None:
        return out
    for kind, value in (r.get("priority", dict) or {}).items():
        if kind not in DEFAULT_PRIORITY:
            raise BridgeConfigError(f"{r._name('priority')}: {kind!r} is neither request nor complaint")
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 99:
            raise BridgeConfigError(f"{r._name('priority')}.{kind}: {value!r} is not a priority from 0 to 99")
        out.priority[kind] = value
    for key in ("type_field", "topic_field"):
        name = r.get(key, str)
        if name is not None and not (name.strip() and name.isprintable() and len(name) <= 200):
            raise BridgeConfigError(f"{r._name(key)}: {name!r} is not a custom field name")
        setattr(out, key, name or getattr(out, key))
    r.done()
    return out


def _email(r: _Reader) -> EmailConfig:
    address = _address(r.get("address", str, required=True), r._name("address"))
    staff = [s.lower() if isinstance(s, str) else s for s in r.get("staff", list, required=True)]
    if not staff:
        raise BridgeConfigError(f"{r._name('staff')}: name the addresses (or @domains) whose replies are published")
    for s in staff:
        if not (isinstance(s, str) and (is_domain(s[1:]) if s.startswith("@") else _is_address(s))):
            raise BridgeConfigError(f"{r._name('staff')}: {s!r} is neither a mail address nor an @domain")
    starttls = r.get("starttls", bool)
    cfg = EmailConfig(support=_address(r.get("support", str, required=True), r._name("support")), address=address,
                      smtp=_mail_url(r.get("smtp", str, required=True), ("smtp", "smtps"), r._name("smtp")),
                      imap=_mail_url(r.get("imap", str, required=True), ("imap", "imaps"), r._name("imap")),
                      user=r.get("user", str) or address, password=r.secret("password"), staff=staff,
                      mailbox=r.get("mailbox", str) or "INBOX", starttls=starttls is not False,
                      poll_seconds=r.get("poll_seconds", (int, float)) or 10.0,
                      private=r.get("private", bool) or False)
    r.done()
    return cfg


def _is_address(text: str) -> bool:
    """local@domain with nothing a header could be bent with (no spaces, quotes, brackets, commas)."""
    local, _, domain = text.rpartition("@")
    return bool(local) and is_domain(domain.lower()) and text.isprintable() and not set(text) & set(' <>,;:"()[]\\')


def _address(text: str, where: str) -> str:
    if not _is_address(text):
        raise BridgeConfigError(f"{where}: {text!r} is not a plain mail address such as support@acme.example")
    return text


def _mail_url(text: str, schemes: tuple[str, ...], where: str) -> str:
    try:
        url = urlsplit(text)
        ok = url.scheme in schemes and url.hostname and not url.path.strip("/") and url.port != 0
    except ValueError:
        ok = False
    if not ok:
        raise BridgeConfigError(f"{where}: {text!r} is not {' or '.join(s + '://host:port' for s in schemes)}")
    return text


def _topic(text, where: str) -> str:
    if not isinstance(text, str):
        raise BridgeConfigError(f"{where}: topics are strings like 'vendor/product'")
    try:
        return normalise(text)
    except BadTopic as e:
        raise BridgeConfigError(f"{where}: {e}") from None


def _queue(name, where: str) -> str | None:
    """An RT queue by name. A number (3, or "3") is what RT takes as a queue id: refused, as ids differ
    from one RT to the next and a typo would file tickets in whichever queue has that id."""
    if name is None:
        return None
    if isinstance(name, int) or (isinstance(name, str) and name.strip().isdigit()):
        raise BridgeConfigError(f"{where}: {name!r} looks like a queue id; give the queue's name (\"General\")")
    if not isinstance(name, str) or not name.strip():
        raise BridgeConfigError(f"{where}: give the queue's name as a string")
    return name


def _webhook_secrets(text: str, where: str) -> list[str]:
    """One secret or several separated by spaces (while rotating: the new one and the old one), each
    `whsec_` and the base64 of 24 to 64 random bytes, as Standard Webhooks writes them."""
    out = text.split()
    for secret in out:
        if not secret.startswith("whsec_"):
            raise BridgeConfigError(f"{where}: write a secret as whsec_ and base64 (Standard Webhooks), "
                                    f"for example whsec_{base64.b64encode(bytes(24)).decode()}")
        try:
            size = len(base64.b64decode(secret[len("whsec_"):], validate=True))
        except ValueError:
            raise BridgeConfigError(f"{where}: the part after whsec_ is not base64") from None
        if not 24 <= size <= 64:
            raise BridgeConfigError(f"{where}: a secret holds 24 to 64 bytes; this one {size}")
    return out


def _domain(text: str | None) -> str | None:
    if text is not None and not is_domain(text):
        raise BridgeConfigError(f"vendor.domain: {text!r} is not a lowercase host name such as acme.example")
    return text


def _did(text, where: str) -> str | None:
    if text is None:
        return None
    try:
        key_from_did(text if isinstance(text, str) else "")
    except BadKey:
        raise BridgeConfigError(f"{where}: {text!r} is not an Ed25519 did:key (did:key:z6Mk...)") from None
    return text


class _Reader:
    """Typed access to one TOML table that remembers which keys were read, to refuse unknown ones."""

    def __init__(self, data: dict, where: str):
        self.data, self.where, self.seen = data, where, set()

    def _name(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def get(self, key: str, typ, required: bool = False):
        self.seen.add(key)
        if key not in self.data:
            if required:
                raise BridgeConfigError(f"{self._name(key)} is required")
            return None
        value = self.data[key]
        if not isinstance(value, typ) or (isinstance(value, bool) and typ is not bool):
            name = typ.__name__ if isinstance(typ, type) else "number"
            raise BridgeConfigError(f"{self._name(key)} must be a {name}, got {value!r}")
        return value

    def section(self, key: str, required: bool = False) -> _Reader | None:
        table = self.get(key, dict, required)
        return None if table is None else _Reader(table, self._name(key))

    def secret(self, key: str) -> str:
        inline, env = self.get(key, str), self.get(f"{key}_env", str)
        if inline and env:
            raise BridgeConfigError(f"{self._name(key)}: give {key} or {key}_env, not both")
        if env:
            if not os.environ.get(env):
                raise BridgeConfigError(f"{self._name(key)}_env: the environment variable {env} is not set")
            return os.environ[env]
        if not inline:
            raise BridgeConfigError(f"{self._name(key)} (or {key}_env) is required")
        return inline

    def done(self) -> None:
        unknown = set(self.data) - self.seen
        if unknown:
            raise BridgeConfigError(f"unknown key {self._name(sorted(unknown)[0])}")
