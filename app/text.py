"""The human-readable text of each operation's result, for the `antiport` command (--json prints the
result itself). One formatter per op of node/ops.py, by op name: `text(op, result, params) -> str`.
Network strings are printed with their control characters escaped (`visible`): one-line fields in line
mode, so a list stays one line per item, and every formatter's whole output once more at the end."""
from __future__ import annotations

import itertools
import time

from antiport.tui.visible import file_lines, visible, written_in


def written(result: dict, params: dict) -> str:
    """A write: the new message's id (and, for a retry of one the node had already carried out, that it was)."""
    return result["id"] + ("\n(already stored from your earlier try: not sent twice)" if result.get("already") else "")


def asked(result: dict, params: dict) -> str:
    """ask: the new message's id, and whom its private part was sealed to."""
    to = result.get("sealed_to")
    return written(result, params) + (f"\nprivate part sealed to {visible(to['org'])} {to['did']} ({standing(to)})"
                                      if to else "")


def trusted_vendor(result: dict, params: dict) -> str:
    return f"{'trusting' if result['trusted'] else 'no longer trusting'} {result['did']} as a vendor for private parts"


def standing(identity: dict | None) -> str:
    """verified, unverified, conflict, or trusted (the customer's own word wins)."""
    return "-" if identity is None else "trusted" if identity["trusted"] else identity["state"]


def following(result: dict, params: dict) -> str:
    return f"{'following' if result['following'] else 'not following'} {result['topic']}"


def identity(info: dict, params: dict) -> str:
    lines = [info["did"]]
    if info.get("running"):
        lines += [f"peer id: {info['peer_id']}", *(f"listening: {a}" for a in info["addrs"])]
    else:
        lines.append("(node not running)")
    return "\n".join(lines)


def topics(rows: list, params: dict) -> str:
    return ("\n".join(f"{r['topic']:40} {r['threads']:5} threads {r['unanswered']:5} unanswered" for r in rows)
            or "(no topics followed: antiport follow vendor/product)")


def age(ms: int) -> str:
    s = max(0, time.time() - ms / 1000)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if s >= size:
            return f"{int(s // size)}{unit}"
    return f"{int(s)}s"


def who(did: str, name: str, agent: str = "") -> str:
    """A person; for a vendor's answer or status also the agent who wrote it: 'Acme (agent: Jo) (did…)'."""
    said = f" (agent: {visible(agent)})" if agent else ""
    return f"{visible(name)}{said} ({did[:20]}…)" if name else f"{visible(did)}{said}"


def agent(m: dict) -> str:
    """Who at the vendor wrote an answer or status (specs/02 section 9); '' for anything else."""
    return m["body"].get("agent", "") if m["kind"] in ("answer", "status") else ""


def labelled(m: dict) -> str:
    """What labels say about a message, as a suffix: '  (hidden: spam, by labeler Mods)', '  [off-topic, ...]'."""
    hide = [visible(lb["why"]) for lb in m.get("labels", ()) if lb["effect"] == "hide"]
    mark = [visible(lb["why"]) for lb in m.get("labels", ()) if lb["effect"] == "mark"]
    return (f"  (hidden: {'; '.join(hide)})" if hide else "") + (f"  [{'; '.join(mark)}]" if mark else "")


def thread_line(t: dict) -> str:
    flags = "".join([("✓" if t["accepted"] else " "), ("R" if t["resolved"] else " ")])
    status = f" [{t['status']}]" if t.get("status") else ""
    return (f"{t['id'][:12]}  {t['kind']:9} {flags} {t['answers']:2} ans  {age(t['created']):>4}  "
            f"{t['topic']}  {written_in(t.get('lang'))}{visible(t['title'])}{status}{labelled(t)}")



def more(page: dict) -> list[str]:
    """Where the pages beside this one are, as the options that show them."""
    return [f"({word}: --{side} {page[side]})" for side, word in (("before", "more below"), ("after", "more above"))
            if page.get(side)]


def threads(data: dict, params: dict) -> str:
    return "\n".join([*map(thread_line, data["threads"]), *more(data["page"])]) or "(no threads)"


def queue_line(e: dict) -> str:
    done = "you answered" if e["mine"] else "vendor answered" if e["vendor_answered"] else f"{e['answers']} ans"
    claims = "".join(f"  [on it: {who(c['did'], c['name'])} until {clock(c['until'])}]" for c in e["claims"])
    return (f"{e['id'][:12]}  {e['kind']:9} {age(e['created']):>4}  {done:15}  {e['topic']}  {visible(e['title'])}"
            f"  by {who(e['author'], e['name'])}{claims}")


def clock(ms: int) -> str:
    return time.strftime("%H:%M", time.localtime(ms / 1000))


def queue(data: dict, params: dict) -> str:
    lines = [*map(queue_line, data["queue"]), *more(data["page"])]
    return "\n".join(lines) or "(nothing open in the topics you follow)"


def watching(result: dict, params: dict) -> str:
    return f"{'following' if result['following'] else 'not following'} thread {result['thread'][:12]}"


def inbox(result: dict, params: dict) -> str:
    lines = [f"{'*' if not i['read'] else ' '} {i['item'][:20]:20} {age(i['at']):>4}  {i['kind']:8} {i['topic']}  "
             f"{visible(i['title'])}: {visible(i['text'])}  ({who(i['author'], i['name'])})" for i in result["items"]]
    lines.append(f"{result['unread']} unread" + ("; `antiport mark-read ID` (an item or a thread) or --all marks"
                                                  " them read" if result["unread"] else ""))
    return "\n".join(lines)


def shared(result: dict, params: dict) -> str:
    return "\n".join([f"thread {result['thread'][:12]} passed on, sealed to each:",
                      *(f"  {r['to']}  {r['id'][:12]}" for r in result["sent"])])


def pointers(rows: list, params: dict) -> str:
    lines = [f"{r['id'][:12]} {age(r['created']):>4}  from {r['source']}  {r['thread'][:12]}"
             f"{'' if r['held'] else ' (not held: antiport follow ' + r['source'] + ')'}  {visible(r['title'])}"
             + (f"  -- {visible(r['note'])}" if r["note"] else "") for r in rows]
    return "\n".join(lines) or "(no cross-posts in this topic)"


def private_rule(result: dict, params: dict) -> str:
    return f"private parts and your card: {result['private']} to {result['did']}"


def private_rules(result: dict, params: dict) -> str:
    return "\n".join(f"denied since {age(r['since'])} ago  {r['did']}  {visible(r['org'])}" for r in result["denied"]) \
        or "(no vendor denied: private parts go to the one vendor of a topic you trust or that is verified)"


def relationship_removed(result: dict, params: dict) -> str:
    lines = [f"removed here: {', '.join(f'{n} {what}' for what, n in result['removed'].items())}",
             f"private parts and your card: denied to {result['did']}",
             f"erasure request sent: {result['erasure'][:12]} (`antiport contact status` shows its receipt)"
             if result["erasure"] else "no card was ever sent to it: no erasure request needed"]
    return "\n".join([*lines, f"note: {result['kept']}"])


def card_lines(card: dict) -> list[str]:
    return [f"{name:8} {visible(value, line=name != 'address')}" for name, value in card.items()] or ["(no card yet)"]


def skipped_topics(rows: list) -> list[str]:
    return [f"not sent for {r['topic']}: {visible(r['why'])}" for r in rows]


def contact_sent(result: dict, params: dict) -> str:
    lines = [f"sent to {r['vendor']} ({visible(r.get('why', 'forget me'))}): {r['id'][:12]}" for r in result["sent"]]
    return "\n".join([*(card_lines(result["card"]) if "card" in result else []),
                      *(lines or ["sent to no vendor: name one with --vendor DID"]),
                      *skipped_topics(result.get("skipped", [])),
                      *(["`antiport contact status` shows their receipts"] if lines else [])])


def contact_card(result: dict, params: dict) -> str:
    return "\n".join([*card_lines(result["card"]), "", *(f"goes to {r['vendor']} ({visible(r['why'])})"
                                                       for r in result["vendors"]), *skipped_topics(result["skipped"])])


def contact_states(result: dict, params: dict) -> str:
    def line(r: dict) -> str:
        when = f" {age(r['at'])} ago" if r["at"] else f" since {age(r['sent'])} ago"
        return f"{r['state']:10}{when:>10}  {r['vendor']}" + (f"  {visible(r['reason'])}" if r["reason"] else "")
    return "\n".join(map(line, result["vendors"])) or "(no card sent yet: `antiport contact set`)"


def marked(result: dict, params: dict) -> str:
    return f"{result['marked']} marked read, {result['unread']} unread"


def skipped(result: dict, params: dict) -> str:
    until = time.strftime("%Y-%m-%d %H:%M", time.localtime(result["until"] / 1000))
    return f"{result['id'][:12]} is out of your queue until {until}"


WITHHELD = "(withheld: --all shows it)"


def content(m: dict, *fields: str) -> list[str]:
    """A message's texts, or one line saying they were withheld because labels hide it."""
    return [visible(m["body"][f], line=f == "title") for f in fields if f in m["body"]] or [WITHHELD]


def tally(votes: dict) -> str:
    """Vote totals: '+12/-3'."""
    return f"+{votes.get('up', 0)}/-{votes.get('down', 0)}"


def thanked(n: int) -> str:
    return f", thanked by {n}" if n else ""


def blob(f: dict, params: dict) -> str:
    return f"{visible(f['name'], line=True)}  {f['type']}  {f['size']} bytes" + ("  (sealed)" * f["sealed"])


def thread(t: dict, params: dict) -> str:
    lines = [f"{t['kind']} {t['id']}{labelled(t)}" + (f"   language: {visible(t['body']['lang'])}"
                                                     if t["body"].get("lang") else ""),
             f"topic: {t['topic']}   by {who(t['author'], t['name'])}   {age(t['created'])} ago",
             f"status: {t['status'] or '-'}{status_agent(t)}   resolved: {'yes' if t['resolved'] else 'no'}"
             f"   votes: {tally(t['votes'])}" + (f"   bounty: {t['bounty']}" if t["bounty"] else ""), "",
             *content(t, "title", "text"), *file_lines(t["body"])]
    if "private" in t["body"]:
        lines.append(f"(+ a private part sealed to {t['body']['to']})")
    for a in t["answers"]:
        mark = "ACCEPTED " if a["accepted"] else ""
        head = (f"-- {mark}answer {a['id'][:12]} by {who(a['author'], a['name'], agent(a))}"
                f" ({tally(a['votes'])}{thanked(a['thanks'])}, score {a.get('score', 0):.4f}){labelled(a)}"
                + (f" {written_in(a['body'].get('lang'))}".rstrip() if a["body"].get("lang") else ""))
        lines += ["", head, *record(a["figures"]), *content(a, "text"), *file_lines(a["body"])]
    return "\n".join(lines + [""] * bool(more(t["page"])) + more(t["page"]))


def status_agent(t: dict) -> str:
    """' (agent: Jo)' when the thread's current status (its last among the events listed) names its agent."""
    name = next((agent(e) for e in reversed(t["events"]) if e["kind"] == "status"), "")
    return f" (agent: {visible(name)})" if name else ""


def found(data: dict, params: dict) -> str:
    return ("\n".join([*(f"{r['id'][:12]}  {visible(r['kind']):9} {r['topic']}"
                        f"  {visible(r['title'] or (r['text'] or '')[:60])}{labelled(r)}" for r in data["results"]),
                      *more(data["page"])])
            or "(nothing found)")


def labeler_list(data: dict, params: dict) -> str:
    people = [who(r["did"], r["name"]) for r in data["labelers"]] or ["(none: antiport labelers add DID)"]
    return "\n".join(["labelers you follow:", *(f"  {p}" for p in people), "what each label value does here:",
                      *(f"  {v:10} {e}" for v, e in data["effects"].items())])


def labeler_followed(result: dict, params: dict) -> str:
    return f"{'following' if result['following'] else 'not following'} labeler {result['did']}"


def muting(result: dict, params: dict) -> str:
    where = f" in {result['topic']}" if result["topic"] else ""
    return f"{result['level'] or 'no longer muted'}{where}: {result['did']}"


def muted_list(data: dict, params: dict) -> str:
    return "\n".join([f"{r['level']:8} {who(r['did'], r['name'])}" + (f"  in {r['topic']}" if r["topic"] else "")
                      for r in data["muted"]] or ["nobody muted or blocked (antiport mute DID, antiport block DID)"])


def peers(rows: list, params: dict) -> str:
    lines = []
    for p in rows:
        rejected = ", ".join(f"{r}={n}" for r, n in p["rejected"].items()) or "none"
        lines.append(f"{p['peer_id']}  topics: {visible(', '.join(p['topics'])) or '-'}  accepted: {p['accepted']}"
                     f"  rejected: {rejected}")
    return "\n".join(lines) or "(no peers connected)"


def sync_status(data: dict, params: dict) -> str:
    """The topics offered (relayed ones marked); per topic and peer, what each side had that the other lacked."""
    offered = [(t["topic"] or "(meta)") + (" (relayed)" if t["relayed"] else "") for t in data.get("offered", [])]
    lines = ["offering: " + ", ".join(offered)] if offered else []
    lines += [f"{r['topic'] or '(meta)'}  {r['peer']}  {r['state']}: it had {r['known']} we lacked"
              f" (fetched {r['fetched']}, refused {r['rejected']}, pending {r['pending']}),"
              f" we had {r['lacking']} it lacked (sent {r['sent']}); since start fetched {r['fetched_total']},"
              f" sent {r['sent_total']}" for r in data["progress"]]
    missing = [f"{r['topic'] or '(meta)'}: {r['pending']} from {r['peer']}" for r in data["progress"] if r["pending"]]
    if data["progress"]:
        lines.append("missing here: " + ("; ".join(missing) if missing else "nothing any peer offered"))
    else:
        lines.append("(no sync yet)")
    if data.get("misbehaved"):
        lines.append("cut off for protocol violations: " + ", ".join(f"{p}={n}" for p, n in data["misbehaved"].items()))
    return "\n".join(lines)


# -- reputation and vendors ------------------------------------------------------------------------

def experts(data: dict, params: dict) -> str:
    rows = data["experts"]
    lines = [f"{'rank':>4}  {'score':>8}  {'acc':>3}  {'up':>3}  {'down':>4}  {'ans':>3}  {'resp':>4}  {'acc%':>4}"
             f"  {'wait':>6}  who"]
    lines += [f"{r['rank']:>4}  {r['score']:8.4f}  {r['accepted']:>3}  {r['upvotes']:>3}  {r['downvotes']:>4}"
              f"  {r['answers']:>3}  {share(r['response_rate']):>4}  {share(r['accept_rate']):>4}"
              f"  {secs(r['median_first_answer_s']):>6}  {who(r['did'], r['name'])}" for r in rows]
    return "\n".join(lines + more(data["page"])) if rows else f"(nobody has answered in {params['topic']} yet)"


def record(f: dict) -> list[str]:
    """An answerer's figures in the thread's topic, as a line under their answer (none if they have answered
    nobody else there)."""
    if f["response_rate"] is None:
        return []
    return [f"   their record here: answered {share(f['response_rate'])} of requests,"
            f" median first answer {secs(f['median_first_answer_s'])}, {share(f['accept_rate'])} accepted"]


def day(ms: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ms / 1000))


def figures(data: dict, params: dict) -> str:
    lines = [who(data["did"], data["name"])]
    for t in data["topics"]:
        lines += ["", f"{t['topic']}: answered {t['answered']} of {t['threads']} threads"
                      f" ({share(t['response_rate'])}), median first answer {secs(t['median_first_answer_s'])},"
                      f" accepted {t['accepted']} of {t['answers']} answers ({share(t['accept_rate'])})",
                  f"  active {day(t['active_from'])} to {day(t['active_to'])}; the newest threads counted:"]
        lines += [f"  {r['id'][:12]}  {'missed' if r['first_answer_s'] is None else secs(r['first_answer_s']):>6}"
                  f"  {r['answers']} answers, {r['accepted']} accepted  {visible(r['title'][:50])}"
                  for r in t["threads_shown"]]
        if t["threads_left_out"]:
            lines.append(f"  ... and {t['threads_left_out']:,} older threads")
    if data["topics_left_out"]:
        lines.append(f"\n... and {data['topics_left_out']:,} topics with fewer answers")
    return "\n".join(lines) if data["topics"] else f"{lines[0]}: no answers to anyone in any topic"


def suggested(rows: list, params: dict) -> str:
    lines = [f"{r['topic']}: {r['accepted']} of your {r['answers']} answers accepted ({share(r['accept_rate'])});"
             f" antiport follow {r['topic']}" for r in rows]
    return "\n".join(lines) if rows else "(no topic you do not follow has an accepted answer of yours)"


def why(data: dict, params: dict) -> str:
    lines = [who(data["did"], data["name"])]
    for t in data["topics"]:
        lines += ["", f"{t['topic']}: score {t['score']:.4f}, rank {t['rank'] or '-'}"]
        lines += [f"  {f['weight']:+.4f}  {f['kind']:8}  {f['id'][:12]}"
                  f"  from {who(f['from'], f['from_name'])}  {visible(f['note'])}"
                  for f in t["facts"]] or ["  (no facts)"]
        if t["left_out"]:
            kinds = ", ".join(f"{n:,} {kind}" for kind, n in t["counts"].items())
            lines.append(f"  ... and {t['left_out']:,} weaker facts (in all {kinds})")
    return "\n".join(lines + more(data["page"])) if data["topics"] else f"{lines[0]}: no facts or answers in any topic"


def share(x) -> str:
    return "-" if x is None else f"{x:.0%}"


def secs(x) -> str:
    if x is None:
        return "-"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if x >= size:
            return f"{x / size:.1f}{unit}"
    return f"{x:.0f}s"


def vendor_line(r: dict) -> str:
    old = r["oldest_unanswered"]
    oldest = f"{old['id'][:12]} {secs(old['age_s'])} {visible(old['title'][:30])}" if old else "-"
    name = visible(r["name"]) + ("" if r["claimed"] else " (unclaimed)")
    return (f"{name[:28]:28}  {standing(r.get('identity')):10}  {r['seen']:>5}  {share(r['acknowledged_share']):>5}"
            f"  {secs(r['median_response_s']):>7}"
            f"  {secs(r['p90_response_s']):>7}  {share(r['resolved_share']):>5}  {oldest}")


VENDOR_HEADER = (f"{'vendor':28}  {'identity':10}  {'seen':>5}  {'ack':>5}  {'median':>7}  {'p90':>7}  {'res':>5}"
                 "  oldest unanswered")


def vendors(rows: list, params: dict) -> str:
    return "\n".join([VENDOR_HEADER, *map(vendor_line, rows)]) if rows else "(no vendors or requests yet)"


def vendor(r: dict, params: dict) -> str:
    promise = f"first response promised within {r['promise']} h" if r["promise"] is not None else "no promise"
    lines = [f"{visible(r['name'])}  {r['did'] or '(unclaimed: no manifest)'}", promise]
    if r["identity"]:
        domain = visible(r["domain"]) if r["domain"] else "no domain"
        lines.append(f"{domain}: {standing(r['identity'])} ({visible(r['identity']['detail'])})")
    c = r["consents"]
    lines.append(f"customers' terms: {c['accept']} accepted, {c['refuse']} refused")
    lines += ["", VENDOR_HEADER,
             vendor_line(r), ""]
    lines += [vendor_line({**p, "name": p["topic"], "claimed": True}) for p in r["per_topic"]]
    lines += ["", "requests and complaints, newest first:", *map(thread_line, r["requests"]), *more(r["page"])]
    return "\n".join(lines)


def terms_set(r: dict, params: dict) -> str:
    if r["terms"] is None:
        return "no terms: what you write from now on names none"
    return "\n".join(["your terms, named by what you write from now on:", *(f"  {line}" for line in r["plain"])])


def terms_show(r: dict, params: dict) -> str:
    lines = terms_set(r, params).replace("named by what you write from now on", "now").split("\n")
    lines += ["", f"published ({len(r['published'])}):"]
    lines += [f"  {d['id'][:12]}  {d['topic']:20}  {', '.join(d['words'])}" for d in r["published"]]
    lines += ["", "vendors' answers (the consent in force):" if r["answers"] else "no vendor answered yet"]
    lines += [f"  {a['terms'][:12]}  {a['value']:6}  {a['vendor']}" for a in r["answers"]]
    return "\n".join(lines)


def terms_answered(r: dict, params: dict) -> str:
    done = {"accept": "accepted", "refuse": "refused"}[r["value"]]
    return f"{r['id']}\n{done} the terms {r['terms'][:12]} of {r['customer']}"


def money(minor: int | None, currency: str | None) -> str:
    return f"{minor / 100:.2f} {currency}" if minor is not None else "-"


def posted(result: dict, params: dict) -> str:
    return f"{result['id']}\nposted in {result['topic']} as {result['key']} (a key for this intent alone)"


def intent_line(r: dict) -> str:
    budget = f"up to {money(r.get('budget'), r.get('currency'))}" if "budget" in r else "no budget said"
    return (f"{r['id'][:12]}  {r['topic']:20}  {visible(r['title'])}  [{budget}; {r['state']}, expires "
            f"{day(r['expires'])}; {r['offers']} offer{'s' * (r['offers'] != 1)}]" + ("  (yours)" if r["mine"] else ""))


def intent_list(rows: list, params: dict) -> str:
    return "\n".join(map(intent_line, rows)) if rows else "(no open intents in the categories you follow)"


OFFER_HEADER = (f"  {'offer':12}  {'price':>14}  {'valid until':16}  {'terms':>5}  {'vendor':20}  {'kept':>5}"
                f"  {'signed':>7}"
                f"  {'seen':>5}  {'ack':>5}  {'median':>7}  {'res':>5}  state")


def offer_row(r: dict) -> str:
    """One offer beside the others: price, validity, how many of her terms it accepts, and its vendor's figures."""
    f = r["figures"]
    return (f"  {r['id'][:12]}  {money(r['price'], r['currency']):>14}  {day(r['valid_until']):16}"
            f"  {len(r['accepts'])}/{len(r['asked']):<3}  {visible(r['org'] or r['vendor'])[:20]:20}"
            f"  {f['terms_accepted']}/{f['terms_accepted'] + f['terms_refused']:<3}"
            f"  {f['consents']['accept']:>3}/{f['consents']['refuse']:<3}  {f['seen']:>5}"
            f"  {share(f['acknowledged_share']):>5}  {secs(f['median_response_s']):>7}  {share(f['resolved_share']):>5}"
            f"  {r['state']}")


def offer_lines(rows: list, params: dict) -> str:
    """The offers of each intent side by side, then what each one says."""
    if not rows:
        return "(no offers yet)"
    out = []
    for intent, group in itertools.groupby(rows, key=lambda r: r["intent"]):
        group = list(group)
        asked = ", ".join(group[0]["asked"]) or "none"
        out += [f"{visible(group[0]['title'])} ({intent[:12]}), your terms: {asked}", OFFER_HEADER,
                *map(offer_row, group), ""]
        out += [f"  {r['id'][:12]}  accepts {', '.join(r['accepts']) or 'none'}: {visible(r['text'])}" for r in group]
        out.append("")
    out.append("kept: of the terms you asked in all its offers to you, how many the vendor accepted; signed: the"
               " customers' terms documents it accepted/refused with a signed consent; its record"
               " (antiport vendors): requests seen, share acknowledged (ack), median first response, share"
               " resolved (res)")
    return "\n".join(out)


def awarded(result: dict, params: dict) -> str:
    return result["id"] + (f"\ndeclined {len(result['declined'])} other offer(s)" if result["declined"] else "")


def keys(r: dict, params: dict) -> str:
    """An identity's key log (specs/10): its current key, devices and revoked devices."""
    if not r["log"]:
        return f"{r['identity']}: no key log held here (its key signs alone)"
    lines = [f"{r['identity']}  (log at seq {r['seq']})", f"current key  {r['current']}"]
    lines += [f"device       {d}" for d in r["devices"]]
    lines += [f"revoked      {d['did']}  ({d['kept']} of its messages kept)" for d in r["revoked"]]
    return "\n".join(lines)


def device_requested(r: dict, params: dict) -> str:
    return (f"this home is now a device of {r['identity']}; on a home of that identity run:\n"
            f"antiport device add {r['token']}")


FORMATTERS = {
    "id": identity, "follow": following, "unfollow": following, "topics": topics,
    **dict.fromkeys(["answer", "accept", "vote", "thank", "bounty", "resolve", "retract", "report", "status", "trust",
                     "profile"],
                    written),
    "label": written, "claim": written, "skip": skipped, "queue": queue,
    "watch": watching, "unwatch": watching, "inbox": inbox, "inbox_read": marked,
    "labelers": labeler_list, "labelers_add": labeler_followed,
    "labelers_remove": labeler_followed, "label_effect": lambda r, p: f"{r['value']}: {r['effect']}",
    "ask": asked, "trust_vendor": trusted_vendor,
    "list": threads, "show": thread, "search": found, "experts": experts, "why": why, "vendors": vendors,
    "vendor": vendor, "figures": figures, "suggest": suggested, "sync_status": sync_status, "peers": peers,
    "blob": blob, "intent_post": posted, "intent_withdraw": written, "intents": intent_list,
    "intent_offers": offer_lines, "intent_award": awarded, "intent_decline": written, "intent_offer": written,
    "mute": muting, "block": muting, "unmute": muting, "muted": muted_list,
    "devices": keys, "key_rotate": keys, "device_request": device_requested,
    "device_add": lambda r, p: f"added the device {r['device']}",
    "device_revoke": lambda r, p: f"revoked {r['device']}; {r['kept']} of its messages stay valid, no other will",
    "contact_set": contact_sent, "contact_forget": contact_sent, "contact_show": contact_card,
    "contact_status": contact_states, "share": shared, "crosspost": written, "crossposts": pointers,
    "private_deny": private_rule, "private_allow": private_rule, "private_list": private_rules,
    "vendor_remove": relationship_removed,
    "terms_set": terms_set, "terms_show": terms_show, "terms_answer": terms_answered,
}


def escaped(formatter):
    """`formatter` whose output has every control character left escaped (lines and tabs kept)."""
    return lambda result, params: visible(formatter(result, params), line=False)


TEXT = {op: escaped(f) for op, f in FORMATTERS.items()}
