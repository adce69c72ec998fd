"""Vendor accountability: who answers in the topics they claim, how often and how fast."""
from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable, Static

from .base import Page, TablePage, chrome, fill, plain
from .i18n import _, ngettext

BAR_WIDTH = 40
EIGHTHS = " ▏▎▍▌▋▊▉"


def span(seconds: float | None) -> str:
    """A duration for a person: '40ms', '2.5s', '12s', '5m', '3.5h', '2d'; '–' when there is none."""
    if seconds is None:
        return "–"
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            value = seconds / size
            return f"{value:.1f}{unit}" if value < 10 else f"{value:.0f}{unit}"
    return f"{seconds:.1f}s" if seconds < 10 else f"{seconds:.0f}s"


def share(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def record(f: dict) -> str:
    """An answerer's figures in a topic, short (docs/queue.md): the share of requests they answer, their median
    wait to a first answer, the share of their answers accepted; '' when they have answered nobody else there."""
    if f["response_rate"] is None:
        return ""
    return f"{share(f['response_rate'])} · {span(f['median_first_answer_s'])} · {share(f['accept_rate'])} ✔"


def oldest(row: dict, now_s: float) -> str:
    o = row["oldest_unanswered"]
    return f"{span(max(0.0, now_s - o['created'] / 1000))}: {o['title']}" if o else "–"


def metric_cells(row: dict, now_s: float) -> tuple:
    """The columns both tables share, from one metrics row of the `vendors`/`vendor` ops."""
    return (row["seen"], share(row["acknowledged_share"]), span(row["median_response_s"]),
            span(row["p90_response_s"]), share(row["resolved_share"]), plain(oldest(row, now_s)))


METRIC_COLUMNS = (_("Requests"), _("Acknowledged"), _("Median 1st reply"), _("P90 1st reply"), _("Resolved"),
                  _("Oldest unanswered"))


STANDING_STYLES = {"verified": "green", "trusted": "cyan", "unverified": "yellow", "conflict": "bold red"}
STANDING_WORDS = {"verified": _("verified"), "trusted": _("trusted"), "unverified": _("unverified"),
                  "conflict": _("conflict")}


def standing(row: dict) -> Text:
    """Whether private parts may go to this vendor (specs/02 section 6): verified, trusted, unverified, conflict."""
    identity = row["identity"]
    if identity is None:
        return Text("–")
    word = "trusted" if identity["trusted"] else identity["state"]
    return Text(STANDING_WORDS[word], style=STANDING_STYLES[word])


def bar(value: float, top: float) -> str:
    """A horizontal bar of `value` out of `top`, in eighths of a character."""
    eighths = round(BAR_WIDTH * 8 * value / top) if top else 0
    full, part = divmod(eighths, 8)
    return "█" * full + (EIGHTHS[part] if part else "")


def chart(per_topic: list[dict]) -> str:
    """Median and p90 time to first response per topic, as bars on one scale, with the numbers."""
    timed = [t for t in per_topic if t["median_response_s"] is not None]
    if not timed:
        return _("No responses from this vendor yet: nothing to chart.")
    top = max(t["p90_response_s"] for t in timed)
    width = max(len(t["topic"]) for t in per_topic)
    lines = [_("Time to first response (median, p90)")]
    for t in per_topic:
        if t["median_response_s"] is None:
            lines.append(f"{t['topic']:<{width}}  {_('no response yet')}")
            continue
        for label, key in ((_("median"), "median_response_s"), (_("p90"), "p90_response_s")):
            name = t["topic"] if key == "median_response_s" else ""
            lines.append(f"{name:<{width}}  {label:<6} {bar(t[key], top):<{BAR_WIDTH}} {span(t[key])}")
    return "\n".join(lines)


class VendorsScreen(TablePage):
    BINDINGS = [Binding("enter", "open", _("Open"), show=False)]
    heading = _("Vendors: how they answer in their topics")
    COLUMNS = (_("Vendor"), _("Identity"), _("Topics"), *METRIC_COLUMNS)

    async def load(self) -> None:
        rows = await self.app.call("vendors")
        if rows is None:
            return
        now = self.app.now()
        self.show(((r["did"] or r["name"], (
            plain(r["name"] if r["claimed"] else _("{name} (unclaimed)").format(name=r["name"]),
                  style="" if r["claimed"] else "dim italic"),
            standing(r), len(r["topics"]), *metric_cells(r, now))) for r in rows),
            _("No vendors yet: a vendor appears when someone asks for help in one of its topics, "
              "or when it publishes a manifest claiming topics. Follow topics and sync with peers."))

    def action_open(self) -> None:
        if self.current:
            self.app.push_screen(VendorScreen(self.current))


class VendorScreen(Page):
    """One vendor: metrics per topic and a chart of its response times."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.vendor = name

    def compose(self):
        header, footer = chrome()
        yield header
        yield Static(plain(self.vendor), id="name", classes="title")
        yield Static("", id="summary", classes="hint")
        yield DataTable(cursor_type="row", zebra_stripes=True)
        yield Static("", id="chart", classes="panel")
        yield footer

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns(_("Topic"), *METRIC_COLUMNS)

    async def load(self) -> None:
        v = await self.app.call("vendor", name=self.vendor)
        if v is None:
            return
        title = v["name"] if v["claimed"] else _("{name} (unclaimed: no manifest claims these topics)").format(
            name=v["name"])
        self.query_one("#name", Static).update(plain(title))
        said = ngettext("{seen} request, {acknowledged} acknowledged, median first reply {median}, p90 {p90}, "
                        "{resolved} resolved",
                        "{seen} requests, {acknowledged} acknowledged, median first reply {median}, p90 {p90}, "
                        "{resolved} resolved", v["seen"]).format(
            seen=v["seen"], acknowledged=share(v["acknowledged_share"]), median=span(v["median_response_s"]),
            p90=span(v["p90_response_s"]), resolved=share(v["resolved_share"]))
        if v["promise"]:
            said = _("promises a first response within {hours}h; {figures}").format(hours=v["promise"], figures=said)
        summary = Text(said)
        if v["identity"]:  # the domain and why it is (not) believed: network strings, drawn plain
            summary = Text.assemble(summary, "\n", plain(v["domain"] or _("no domain")), ": ", standing(v), " (",
                                    plain(v["identity"]["detail"]), ")")
        self.query_one("#summary", Static).update(summary)
        now = self.app.now()
        fill(self.query_one(DataTable), ((t["topic"], (t["topic"], *metric_cells(t, now))) for t in v["per_topic"]))
        self.query_one("#chart", Static).update(plain(chart(v["per_topic"]), line=False))
