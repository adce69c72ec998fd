"""The node's `/metrics` in Prometheus' text format, read from the running node at each scrape.

Counts and durations only: no topic, author, peer id or text is a label, so a scrape shows how busy the node
is, not what it holds or whom it talks to (which is why the endpoint needs no token; it listens on
127.0.0.1 with the rest of the API). docs/metrics.md lists every series and the sample dashboard.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric, SummaryMetricFamily
from prometheus_client.registry import Collector, CollectorRegistry

__all__ = ["CONTENT_TYPE_LATEST", "render"]


def _source(source: str) -> str:
    """Where a message came from, without naming the peer: local, import, or network."""
    return source if source in ("local", "import") else "network"


class NodeCollector(Collector):
    def __init__(self, node, readers) -> None:
        self.node, self.readers = node, readers

    def collect(self) -> Iterator[Metric]:
        node = self.node
        accepted = CounterMetricFamily("antiport_messages_accepted", "Messages stored, by where they came from",
                                       labels=["source"])
        by_source = {"local": 0, "import": 0, "network": 0}
        for source, n in node.ingest.accepted.items():
            by_source[_source(source)] += n
        for source, n in by_source.items():
            accepted.add_metric([source], n)
        yield accepted
        rejected = CounterMetricFamily("antiport_messages_rejected", "Messages refused, by rule and origin",
                                       labels=["reason", "source"])
        by = Counter[tuple[str, str]]()
        for (source, reason), n in node.ingest.rejected.items():
            by[(reason, _source(source))] += n
        for labels, n in sorted(by.items()):
            rejected.add_metric(list(labels), n)
        yield rejected
        counters = node.counters()
        for name, key, text in (("stored", "stored", "Messages in the store"),
                                ("peers", "peers", "Connected peers"),
                                ("graylisted_peers", "graylisted", "Peers refused for misbehaving"),
                                ("parked_messages", "parked", "Messages waiting for what they refer to"),
                                ("outbox_depth", "outbox", "Messages written here and not yet published")):
            yield GaugeMetricFamily(f"antiport_{name}", text, value=counters[key])
        yield from _sync(getattr(node, "sync", None))
        yield from _bridge(node.store)
        yield SummaryMetricFamily("antiport_ledger_recompute_seconds", "Background recomputes of the ledger",
                                  count_value=self.readers.ledger_recomputes, sum_value=self.readers.ledger_seconds)


def _sync(syncer) -> Iterator[Metric]:
    sessions = CounterMetricFamily("antiport_sync_sessions", "Sync sessions begun, either side")
    sessions.add_metric([], syncer.sessions if syncer else 0)
    yield sessions
    moved = CounterMetricFamily("antiport_sync_bytes", "Bytes of sync streams", labels=["direction"])
    moved.add_metric(["received"], syncer.bytes_received if syncer else 0)
    moved.add_metric(["sent"], syncer.bytes_sent if syncer else 0)
    yield moved
    yield GaugeMetricFamily("antiport_sync_active_sessions", "Sync sessions running now",
                            value=syncer.active if syncer else 0)


def _bridge(store) -> Iterator[Metric]:
    deliveries = GaugeMetricFamily("antiport_bridge_deliveries", "A vendor bridge's deliveries to its connectors: "
                                   "acknowledged, pending, and failing (pending after a failed attempt)",
                                   labels=["connector", "state"])
    for connector, acked, pending, failing in store.delivery_totals():
        for state, n in (("acknowledged", acked), ("pending", pending), ("failing", failing)):
            deliveries.add_metric([connector, state], n)
    yield deliveries


def render(node, readers) -> bytes:
    """One scrape: a registry of its own per call, so nothing global outlives the node."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(NodeCollector(node, readers))
    return generate_latest(registry)
