"""Each workaround in node/libp2p_fixes.py next to the py-libp2p behaviour it fixes."""
from __future__ import annotations

import logging
import socket
import time

import multiaddr
import pytest
import trio
from antiport.crypto import Identity
from antiport.node import libp2p_fixes, p2p
from antiport.node.flood import Settings
from antiport.node.home import CannotListen
from antiport.node.runtime import Node
from antiport.node.store import Store
from antiport.protocol import sign, topic_name
from antiport.protocol.budget import Budget
from helpers import trio_wait_for
from libp2p.network.exceptions import SwarmException
from libp2p.network.stream.exceptions import StreamError
from libp2p.network.stream.net_stream import NetStream
from libp2p.peer.id import ID
from libp2p.peer.peerinfo import PeerInfo
from libp2p.peer.peerstore import env_to_send_in_RPC
from libp2p.pubsub import rpc_queue
from libp2p.pubsub import utils as pubsub_utils
from libp2p.pubsub.gossipsub import PROTOCOL_ID_V11, GossipSub
from libp2p.pubsub.pb import rpc_pb2
from libp2p.pubsub.pubsub import Pubsub, ValidationCache, ValidationResult
from libp2p.pubsub.utils import maybe_consume_signed_record
from nodes import connect, rpc_frames, start_node, wait_subscribed

W = "acme/widget"
BURST = 200


def test_adaptive_gossip_off_keeps_a_one_second_heartbeat():
    stretched = GossipSub(libp2p_fixes.PROTOCOLS, 6, 4, 12, heartbeat_interval=1)
    ours = libp2p_fixes.AntiportGossipSub(**libp2p_fixes.gossipsub_settings(loopback=True))
    for gs in (stretched, ours):
        gs.network_health_score = 0.1  # what a small or churning network looks like to it
        gs._adapt_gossip_parameters()
    assert stretched.heartbeat_interval >= 30
    assert ours.heartbeat_interval == 1


def test_scoring_is_inert_by_default_and_ours_gates_a_peer_that_keeps_sending_what_we_refuse():
    peer = ID(b"\x00\x24" + b"\x08\x01\x12\x20" + bytes(32))
    default = GossipSub(libp2p_fixes.PROTOCOLS, 6, 4, 12).scorer
    ours = libp2p_fixes.AntiportGossipSub(**libp2p_fixes.gossipsub_settings(loopback=True)).scorer
    for scorer in (default, ours):
        for _ in range(300):
            scorer.on_invalid_message(peer, "t")
            scorer.penalize_behavior(peer, 1.0)
    assert default.allow_publish(peer, ["t"]) and default.allow_gossip(peer, ["t"])
    assert not ours.allow_publish(peer, ["t"]) and not ours.allow_gossip(peer, ["t"])
    ours.remove_peer(peer)  # what py-libp2p does on disconnect: the guard's graylist has to outlive it
    assert ours.allow_publish(peer, ["t"])


async def pair(nursery, tmp_path):
    """A and B following W, connected, A knowing B is in W."""
    a, b = [await start_node(nursery, tmp_path / n, n) for n in "ab"]
    for node in (a, b):
        await node.follow(W)
    await connect(a, b)
    await wait_subscribed(a, b, W)
    return a, b


@pytest.mark.trio
async def test_pubsub_keeps_no_verdicts(tmp_path):
    """py-libp2p's cache answers a refused id with the refusal, for 300 s and for our own publish too; ours keeps
    none, so a verdict that changes (wrong topic, parked) is asked for again."""
    t = int(time.time() * 1000)
    msg = sign(Identity(bytes([24]) * 32), "request", W, {"title": "t", "text": "x"}, created=t)
    library = ValidationCache()
    library.put(bytes.fromhex(msg.id), ValidationResult(False, time.time()))
    assert library.get(bytes.fromhex(msg.id)).is_valid is False
    async with trio.open_nursery() as nursery:
        a, b = await pair(nursery, tmp_path)
        a.net.pubsub.validation_cache.put(bytes.fromhex(msg.id), ValidationResult(False, time.time()))
        await a.net.pubsub.publish(topic_name(W), msg.raw)
        await trio_wait_for(lambda: b.store.has(msg.id), "our publish is not refused from a cache")
        nursery.cancel_scope.cancel()


def test_own_publishes_pass_the_spam_guard_and_others_still_meet_it(tmp_path):
    net = p2p.build(p2p.host_key(tmp_path / "k"), loopback=False)
    gs, own, other = net.gossipsub, net.pubsub.my_id, ID(b"\x00\x24" + b"\x08\x01\x12\x20" + bytes(32))
    limit = int(libp2p_fixes.gossipsub_settings(loopback=False)["max_messages_per_topic_per_second"])
    msg = rpc_pb2.Message(topicIDs=["t"])
    library = sum(GossipSub._check_spam_protection(gs, own, rpc_pb2.Message(topicIDs=["u"])) for _ in range(BURST))
    assert library == limit  # py-libp2p treats the local publisher like any peer
    assert all(gs._check_spam_protection(own, msg) for _ in range(BURST))
    assert sum(gs._check_spam_protection(other, msg) for _ in range(BURST)) == limit


@pytest.mark.trio
async def test_an_own_publish_is_not_verified_again_and_a_peer_s_message_still_is(tmp_path, monkeypatch):
    """py-libp2p verifies the pubsub signature of its own publish, made a moment before; ours verifies only what
    comes from a peer (here B, once per message), and a message whose signature does not verify is refused."""
    verified = []
    monkeypatch.setattr(libp2p_fixes, "signature_validator",
                        lambda msg, real=libp2p_fixes.signature_validator: verified.append(msg.data) or real(msg))
    t = int(time.time() * 1000)
    msgs = [sign(Identity(bytes([25]) * 32), "request", W, {"title": f"t{i}", "text": "x"}, created=t + i)
            for i in range(3)]
    async with trio.open_nursery() as nursery:
        a, b = await pair(nursery, tmp_path)
        for msg in msgs:
            await a.net.pubsub.publish(topic_name(W), msg.raw)
        await trio_wait_for(lambda: all(b.store.has(m.id) for m in msgs), "B stored every publish")
        assert sorted(verified) == sorted(m.raw for m in msgs)  # B's checks; none of A's
        nursery.cancel_scope.cancel()
    forged = rpc_pb2.Message(data=b"x", topicIDs=["t"], from_id=bytes(a.net.pubsub.my_id.to_bytes()),
                             seqno=bytes(8), key=a.net.host.get_public_key().serialize(), signature=bytes(64))
    assert not libp2p_fixes.OWN_PUBLISHES.check(forged)
    libp2p_fixes.OWN_PUBLISHES.publishing.add(id(forged))
    assert libp2p_fixes.OWN_PUBLISHES.check(forged)  # only while our own publish of it runs
    libp2p_fixes.OWN_PUBLISHES.publishing.discard(id(forged))


def test_rpc_queue_size_needs_a_subclass(monkeypatch):
    monkeypatch.setattr(rpc_queue, "OutBoundQueueSize", 10_000)  # bound as a default argument at import
    rpc = rpc_pb2.RPC()
    library, ours = rpc_queue.RpcQueue(), libp2p_fixes.LargeRpcQueue()
    assert sum(library.push(rpc) for _ in range(100)) == 32
    assert sum(ours.push(rpc) for _ in range(100)) == 100


def test_quiet_loggers():
    logging.getLogger("libp2p.pubsub.gossipsub").setLevel(logging.NOTSET)
    libp2p_fixes.quiet_loggers()
    assert not logging.getLogger("libp2p.pubsub.gossipsub").isEnabledFor(logging.ERROR)


@pytest.mark.trio
async def test_a_burst_of_200_submits_all_arrive(tmp_path):
    """Pacing, the larger queue and subscription channel, the spam guard off on loopback, and bounded
    delivery history, together; the link speaks /meshsub/1.1.0 (no IDONTWANT per message)."""
    asker = Identity(bytes([21]) * 32)
    async with trio.open_nursery() as nursery:
        a = await start_node(nursery, tmp_path / "a", "a")
        b = await start_node(nursery, tmp_path / "b", "b", flood_settings=Settings(author=Budget(BURST, 60)))
        for node in (a, b):
            await node.follow(W)
        await connect(a, b)
        await wait_subscribed(a, b, W)
        await wait_subscribed(b, a, W)
        t0 = int(time.time() * 1000)
        sent = [await a.submit(sign(asker, "request", W, {"title": f"n{i}", "text": "x"}, created=t0 + i).raw)
                for i in range(BURST)]
        await trio_wait_for(lambda: b.store.count(W) == BURST)
        assert sorted(b.store.raw_all(W)) == sorted(m.raw for m in sent)
        b_id = b.net.host.get_id()
        assert a.net.gossipsub.peer_protocol[b_id] == PROTOCOL_ID_V11
        assert isinstance(a.net.pubsub.peer_queues[b_id], libp2p_fixes.LargeRpcQueue)
        channel = b.net.pubsub.subscribed_topics_send[topic_name(W)]
        assert channel.statistics().max_buffer_size == libp2p_fixes.SUBSCRIPTION_CHANNEL_SIZE  # py-libp2p: 32
        assert len(b.net.gossipsub.recent_message_deliveries[topic_name(W)]) == libp2p_fixes.DELIVERY_HISTORY
        assert len(a.net.host.get_network().connections[b_id]) == 1  # ConnectionConfig(max_connections_per_peer=1)
        nursery.cancel_scope.cancel()


@pytest.mark.trio
async def test_answers_sent_right_after_their_request_are_not_refused(tmp_path):
    """py-libp2p validates the messages of one RPC in concurrent tasks, so B often judges an answer before the
    request that came with it (missing-ref): the flood guard parks it and stores it once the request is in."""
    asker, helper = Identity(bytes([22]) * 32), Identity(bytes([23]) * 32)
    async with trio.open_nursery() as nursery:
        a, b = await pair(nursery, tmp_path)
        t0 = int(time.time() * 1000)
        for round_ in range(5):
            request = await a.submit(sign(asker, "request", W, {"title": f"r{round_}", "text": "x"}, created=t0).raw)
            for i in range(3):
                await a.submit(sign(helper, "answer", W, {"text": f"a{i}"}, [request.id], created=t0 + 1 + i).raw)
        await trio_wait_for(lambda: b.store.count(W) == 20)
        assert b.counters()["rejected"] == 0 and not b.guard.parked
        nursery.cancel_scope.cancel()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.trio
async def test_redial_unblocks_a_peer_after_a_failed_dial(tmp_path):
    async with trio.open_nursery() as nursery:
        a, b = [await start_node(nursery, tmp_path / n, n) for n in "ab"]
        b_id = b.net.host.get_id()
        dead = PeerInfo(b_id, [multiaddr.Multiaddr(f"/ip4/127.0.0.1/tcp/{closed_port()}")])
        with pytest.raises(SwarmException):
            await a.net.host.connect(dead)
        a.net.host.get_peerstore().clear_addrs(b_id)
        live = PeerInfo(b_id, b.net.host.get_addrs())
        with pytest.raises(SwarmException, match="negative cache"):
            await a.net.host.connect(live)
        await libp2p_fixes.redial(a.net.host, live)
        assert b_id in a.net.host.get_connected_peers()
        nursery.cancel_scope.cancel()


@pytest.mark.trio
async def test_a_cancelled_node_closes_its_connections(tmp_path):
    """stopping_in_order: cancelled from outside, the node still closes its host, so the peer notices at once."""
    async with trio.open_nursery() as nursery:
        b = await start_node(nursery, tmp_path / "b", "b")
        a_scope = trio.CancelScope()
        a = Node(Store(tmp_path / "a.db"), tmp_path / "a.key")

        async def run(task_status=trio.TASK_STATUS_IGNORED):
            with a_scope:
                await a.run(task_status=task_status)
        await nursery.start(run)
        await connect(a, b)
        await trio_wait_for(lambda: len(b.net.host.get_connected_peers()) == 1)
        a_scope.cancel()
        await trio_wait_for(lambda: b.net.host.get_connected_peers() == [])
        nursery.cancel_scope.cancel()


@pytest.mark.trio
async def test_a_port_in_use_is_refused_not_ignored_nor_shared(tmp_path):
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    addr = f"/ip4/127.0.0.1/tcp/{taken.getsockname()[1]}"
    lone = p2p.build(p2p.host_key(tmp_path / "lone.key"))
    async with lone.host.run(listen_addrs=[multiaddr.Multiaddr(addr)]):  # py-libp2p: no error, nowhere listened
        assert lone.host.get_network().listeners == {} and lone.host.get_addrs() == []
    with pytest.raises(CannotListen, match=f"^cannot listen on {addr}: Address already in use$"):
        libp2p_fixes.check_listen([addr])
    taken.close()

    first = p2p.build(p2p.host_key(tmp_path / "first.key"))
    second = p2p.build(p2p.host_key(tmp_path / "second.key"))
    async with first.host.run(listen_addrs=[multiaddr.Multiaddr("/ip4/127.0.0.1/tcp/0")]):
        addr = str(first.host.get_addrs()[0]).split("/p2p/")[0]
        async with second.host.run(listen_addrs=[multiaddr.Multiaddr(addr)]):  # SO_REUSEPORT: the port is shared
            assert addr in second.host.get_network().listeners
        with pytest.raises(CannotListen, match="Address already in use"):
            libp2p_fixes.check_listen([addr])
    with pytest.raises(CannotListen, match="antiport listens on /ip4/<address>/tcp/<port>"):
        libp2p_fixes.check_listen(["/ip4/127.0.0.1/udp/4001/quic"])


def test_the_peer_record_is_built_once_per_refresh_and_a_peer_s_same_record_verified_once(tmp_path, monkeypatch):
    """py-libp2p lists and parses the host's addresses for every RPC it sends and verifies the sender's record in
    every RPC it receives; ours does each once per refresh, and still refuses a record that does not verify."""
    a, b = (p2p.build(p2p.host_key(tmp_path / n)).host for n in "ab")
    listed, verified = [], []
    monkeypatch.setattr(a, "get_addrs", lambda real=a.get_addrs: listed.append(1) or real())
    monkeypatch.setattr(pubsub_utils, "consume_envelope",
                        lambda *args, real=pubsub_utils.consume_envelope: verified.append(1) or real(*args))
    for _ in range(3):
        record, _ = env_to_send_in_RPC(a)
    assert len(listed) == 3
    now = [0.0]
    records = libp2p_fixes.PeerRecords(clock=lambda: now[0])
    assert all(records.to_send(a)[0] == record for _ in range(3)) and len(listed) == 4
    now[0] += libp2p_fixes.RECORD_REFRESH
    assert records.to_send(a)[0] == record and len(listed) == 5

    rpc = rpc_pb2.RPC(senderRecord=record)
    assert all(maybe_consume_signed_record(rpc, b, a.get_id()) for _ in range(3)) and len(verified) == 3
    assert all(records.consume(rpc, b, a.get_id()) for _ in range(3)) and len(verified) == 4
    forged = rpc_pb2.RPC(senderRecord=record[:-1] + bytes([record[-1] ^ 1]))
    assert not records.consume(forged, b, a.get_id()) and not records.consume(forged, b, a.get_id())
    assert len(verified) == 6  # a changed record is verified every time
    now[0] += libp2p_fixes.RECORD_RECHECK
    assert records.consume(rpc, b, a.get_id()) and len(verified) == 7

async def raw_pair(nursery, tmp_path, accepted: list):
    """R: bare pubsub in W, its validator noting each payload; F: a host connected to it, with a gossipsub stream
    of its own to R on which it writes ready-made frames (signed with F's key pair, returned last)."""
    keys = [p2p.host_key(tmp_path / n) for n in "rf"]
    r, f = (p2p.build(key) for key in keys)
    for net in (r, f):
        await nursery.start(_running, net)

    async def note(forwarder, msg) -> bool:
        accepted.append(msg.data)
        return True
    r.pubsub.set_topic_validator(topic_name(W), note, True)
    await r.pubsub.subscribe(topic_name(W))
    r_id = r.host.get_id()
    await f.host.connect(PeerInfo(r_id, r.host.get_addrs()))
    await f.pubsub.wait_for_peer(r_id, 10)
    return r, f, await f.host.new_stream(r_id, libp2p_fixes.PROTOCOLS), keys[1]


async def _running(net, task_status=trio.TASK_STATUS_IGNORED):
    async with p2p.running(net, ["/ip4/127.0.0.1/tcp/0"]):
        task_status.started()
        await trio.sleep_forever()


@pytest.mark.trio
async def test_pubsub_reads_a_peer_stream_in_chunks(tmp_path, monkeypatch):
    """py-libp2p reads each RPC's length prefix a byte at a time, each read a muxer read (three locks, a window
    update frame): 200 frames cost 600 reads. Ours reads what has arrived at once."""
    reads = []
    original = NetStream.read

    async def counted(self, n=None):
        reads.append(n)
        return await original(self, n)
    accepted: list[bytes] = []
    async with trio.open_nursery() as nursery:
        r, f, stream, key = await raw_pair(nursery, tmp_path, accepted)
        payloads = [f"m{i}".encode() for i in range(BURST)]
        monkeypatch.setattr(NetStream, "read", counted)
        await stream.write(b"".join(rpc_frames(key, W, payloads)))
        await trio_wait_for(lambda: len(accepted) == BURST, "every frame read and validated")
        assert sorted(accepted) == sorted(payloads)
        assert len(reads) < BURST / 10
        nursery.cancel_scope.cancel()


@pytest.mark.trio
async def test_a_blacklisted_peer_stream_is_reset_not_read_on(tmp_path):
    """py-libp2p's blacklist resets only our own stream to the peer and drops its messages after parsing each;
    the peer's stream to us is read on as long as it writes. Ours stops reading it and resets it."""
    accepted: list[bytes] = []
    async with trio.open_nursery() as nursery:
        r, f, stream, key = await raw_pair(nursery, tmp_path, accepted)
        frames = iter(rpc_frames(key, W, [f"m{i}".encode() for i in range(10_000)]))
        await stream.write(next(frames))
        await trio_wait_for(lambda: len(accepted) == 1, "a first frame validated")
        r.pubsub.add_to_blacklist(f.host.get_id())
        written = 0
        with pytest.raises(StreamError), trio.fail_after(20):
            for frame in frames:
                await stream.write(frame)
                written += 1
                await trio.sleep(0.001)
        assert len(accepted) == 1 and written < 5_000
        assert f.host.get_id() not in r.pubsub.peers
        nursery.cancel_scope.cancel()


@pytest.mark.trio
async def test_blacklisting_a_peer_that_disconnects_meanwhile_does_not_stop_pubsub(tmp_path):
    """py-libp2p's blacklist teardown awaits the reset of our stream to the peer, then deletes the peer's entry;
    a disconnect in between has deleted it already, and the KeyError ended pubsub (and the node)."""
    async with trio.open_nursery() as nursery:
        r, f, _, _ = await raw_pair(nursery, tmp_path, [])
        f_id = f.host.get_id()
        out = r.pubsub.peers[f_id]
        reset = out.reset

        async def disconnected_meanwhile():
            r.pubsub.peers.pop(f_id, None)  # what the dead-peer handling does when the connection goes
            await reset()
        out.reset = disconnected_meanwhile
        with pytest.raises(KeyError):
            await Pubsub._teardown_if_connected(r.pubsub, f_id)
        r.pubsub.peers[f_id] = out
        await r.pubsub._teardown_if_connected(f_id)
        assert f_id not in r.pubsub.peers
        nursery.cancel_scope.cancel()
