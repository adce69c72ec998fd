"""The client the CLI and the TUI use: the running node's HTTP API, or the home's store directly when
no node runs (writes then wait in the outbox until the node next runs)."""
from __future__ import annotations

import json
import ssl
from pathlib import Path
from typing import BinaryIO

import httpx

from . import intents, relations, share, terms  # noqa: F401 -- their ops join the registry
from .home import Home
from .service import OPS, Ctx, OpError

# The API is plain HTTP on 127.0.0.1, so its clients get a TLS context that trusts no certificate at all (made in a
# millisecond) rather than httpx's default, which loads the system's certificate store into every client: 0.1-0.5 s
# for each of the demo's, the TUI's and every command's clients, for nothing.
NO_TLS = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


class ClientError(Exception):
    """What went wrong, in one line for a person."""


def api_of(home: Home) -> dict | None:
    """The running node's API address and token, or None when no node runs for this home: the home's lock
    tells (an api.json may be left by a node that was killed, its pid since reused by another process)."""
    api = home.read_api()
    return api if api and api.get("pid") == home.node_pid() else None


class Client:
    def __init__(self, home: Home | Path | str, timeout: float = 30):
        self.home = home if isinstance(home, Home) else Home(Path(home))
        api = api_of(self.home)
        self.http = None
        self._ctx = None
        if api:
            self.http = httpx.Client(base_url=api["url"], timeout=timeout, verify=NO_TLS,
                                     headers={"authorization": f"Bearer {api['token']}"})

    @property
    def running(self) -> bool:
        return self.http is not None

    def ctx(self) -> Ctx:
        """The offline context: this home's store and identity, opened on first use."""
        if self._ctx is None:
            from .ingest import Ingest
            from .store import Store
            identity = self.home.identity()
            store = Store(self.home.db_file)
            self._ctx = Ctx(store, Ingest(store), identity, self.home.config().get("name", ""), home=self.home)
        return self._ctx

    def call(self, op: str, **params):
        params = {k: v for k, v in params.items() if v is not None}
        if self.http is None:
            entry = OPS[op]
            try:
                return entry(self.ctx(), params)
            except OpError as e:
                raise ClientError(str(e)) from None
        write = OPS[op].write
        return self._check(self._request("POST" if write else "GET", f"/v1/{op}",
                                         **({"json": params} if write else {"params": params}))).json()

    def export(self):
        if self.http is None:
            from .service import export
            yield from export(self.ctx().store)
            return
        try:
            with self.http.stream("GET", "/v1/export") as r:
                self._check(r)
                yield from r.iter_bytes()
        except httpx.HTTPError as e:
            raise ClientError(f"the node for {self.home.path} did not send the whole export ({e}); "
                              "see its log, and is 'antiport run' still up?") from None

    async def events(self):
        """New messages as the running node stores them (its server-sent events), one dict each.
        Async (any asyncio or trio loop), so a UI can cancel it at once."""
        api = api_of(self.home)
        if api is None:
            raise ClientError("live updates need the running node: start it with 'antiport run'")
        try:
            async with httpx.AsyncClient(base_url=api["url"], timeout=httpx.Timeout(10, read=None), verify=NO_TLS,
                                         headers={"authorization": f"Bearer {api['token']}"}) as http:
                async with http.stream("GET", "/v1/events") as r:
                    if r.status_code >= 400:
                        raise ClientError(f"the node refused live updates (HTTP {r.status_code})")
                    async for line in r.aiter_lines():
                        if line.startswith("data: "):
                            yield json.loads(line[6:])
        except httpx.HTTPError as e:
            raise ClientError(f"the node for {self.home.path} stopped sending updates ({e})") from None

    def import_(self, source: bytes | Path) -> dict:
        """Import an export (bytes, or a file read as it is sent), on the running node or offline."""
        if isinstance(source, bytes):
            return self._import(source)
        try:
            fp = open(source, "rb")
        except OSError as e:
            raise ClientError(f"cannot read {source}: {e.strerror}") from None
        with fp:
            return self._import(fp)

    def _import(self, data: bytes | BinaryIO) -> dict:
        if self.http is None:
            from .service import import_
            try:
                return import_(self.ctx().ingest, data)
            except OpError as e:
                raise ClientError(str(e)) from None
        return self._check(self._request("POST", "/v1/import", content=data,
                                         headers={"content-type": "application/cbor-seq"})).json()

    def _request(self, method: str, path: str, **kw) -> httpx.Response:
        try:
            return self.http.request(method, path, **kw)
        except (httpx.ReadTimeout, httpx.WriteTimeout):  # sent, at least in part: it may have been done
            waited = f"the node for {self.home.path} did not answer within {self.http.timeout.read:g} s"
            if method == "GET":
                raise ClientError(f"{waited} (busy? see its log): try again") from None
            raise ClientError(f"{waited}, so what you sent may have been stored: run the same command again, which "
                              "is safe (a repeat within a day is not stored or counted twice)") from None
        except httpx.HTTPError as e:
            raise ClientError(f"the node for {self.home.path} is not answering ({e}); "
                              "is 'antiport run' still up?") from None

    @staticmethod
    def _check(r: httpx.Response) -> httpx.Response:
        if r.status_code >= 400:
            r.read()
            try:
                message = r.json()["error"]
            except Exception:
                message = f"HTTP {r.status_code}"
            raise ClientError(message)
        return r

    def close(self) -> None:
        if self.http is not None:
            self.http.close()
        if self._ctx is not None:
            self._ctx.store.close()
