"""A deterministic network simulator for Antiport (issue 19): many nodes on one machine, from a seed.

It drives the project's own sans-IO code where the project has it (envelopes signed and checked by
protocol.envelope, sync sessions by protocol.sync_session, byte for byte) and models what is not sans-IO:
gossipsub v1.1 (node/libp2p_fixes.py's settings: mesh degree, heartbeat, IHAVE/IWANT, peer scores) and the
links between nodes (latency, bandwidth, loss as retransmission delay, partitions, churn). Modules:

- world.py: the clock, the event queue and the links;
- gossip.py: one node's gossipsub router;
- node.py: a node: its store, its CPU, gossip and sync glued together;
- sync.py: a sync session between two nodes, each side a real protocol.sync_session.Session;
- scenarios.py: the scenarios of issue 19 and what each reports.

`python bench/simulate.py` runs them (docs/scale.md)."""
