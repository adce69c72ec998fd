"""Intents (specs/12, docs/intents.md): say what you want to buy on your terms, compare the offers side by side
with each vendor's record, and accept one (the others are declined)."""
from __future__ import annotations

import time

from antiport.node.ops import OPS
from rich.text import Text
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Input, Label, Static, TextArea

from .base import Page, TablePage, chrome, fill, plain
from .i18n import _
from .opform import OpForm
from .vendors import share, span

ABOUT_KEY = _("Your intent is signed by a key made for it alone, never your identity: vendors and relays learn "
              "what someone wants, not who. What you write can still say who you are: leave your name out. Only the "
              "vendor you accept learns the contact you choose to give then.")
FIELDS = (  # (parameter of intent_post, label, placeholder)
    ("category", _("Category"), _("laptops, bicycle-repair")),
    ("title", _("What you want, in one line"), _("A light laptop")),
    ("budget", _("Budget, the most you pay (optional)"), "900"),
    ("currency", _("Currency (with a budget)"), "EUR"),
    ("region", _("Where (optional)"), _("Berlin, DE")),
    ("expires", _("Offers until (a date, or 7d, 48h)"), "7d"),
    ("terms", _("Your terms (optional, comma-separated)"), "no-tracking, purpose-only"),
)


def day(ms: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ms / 1000))


def money(minor: int, currency: str) -> str:
    return f"{minor / 100:,.2f} {currency}"


class IntentsScreen(TablePage):
    """Your intents, newest first: their state and how many offers came."""

    BINDINGS = [Binding("enter", "open", _("Offers")), Binding("n", "new", _("New intent"))]
    heading = _("Your intents: what you want to buy, on your terms")
    COLUMNS = (_("What"), _("Category"), _("State"), _("Offers"), _("Offers until"))

    async def load(self) -> None:
        rows = await self.app.call("intents", mine=True, closed=True)
        if rows is None:
            return
        self.show(((r["id"], (plain(r["title"]), r["topic"], r["state"], r["offers"], day(r["expires"])))
                   for r in rows), _("No intents yet: press n to say what you want to buy."))

    def action_open(self) -> None:
        if self.current:
            self.app.push_screen(OffersScreen(self.current))

    def action_new(self) -> None:
        self.app.push_screen(IntentComposeScreen())


class IntentComposeScreen(Screen):
    """Write an intent: what, the details, budget, where, until when, your terms."""

    BINDINGS = [Binding("ctrl+s", "send", _("Post"), priority=True),
                Binding("escape", "app.pop_screen", _("Cancel"))]

    def compose(self):
        header, footer = chrome()
        yield header
        yield Static(_("Say what you want to buy"), classes="title")
        with VerticalScroll(classes="form"):
            yield Static(ABOUT_KEY, classes="explain")
            for name, label, placeholder in FIELDS:
                yield Label(label)
                yield Input(placeholder=placeholder, id=name, value="7d" if name == "expires" else "")
            yield Static(plain(terms_help()), classes="hint")
            yield Label(_("The details"))
            yield TextArea(id="text")
        yield footer

    def on_mount(self) -> None:
        self.query_one("#category").focus()

    def value(self, name: str) -> str:
        widget = self.query_one(f"#{name}")
        return (widget.value if isinstance(widget, Input) else widget.text).strip()

    async def action_send(self) -> None:
        params = {name: self.value(name) for name, *_label in FIELDS if self.value(name)}
        params["text"] = self.value("text")
        missing = [label for name, label in (("category", _("category")), ("title", _("title")), ("text", _("text")))
                   if not params.get(name)]
        if missing:
            self.notify(_("Fill in the {fields} first.").format(fields=_(" and ").join(missing)), severity="warning")
            return
        done = await self.app.call("intent_post", **params)
        if done is not None:
            self.notify(_("Intent posted in {topic} under a key made for it alone").format(topic=done["topic"]))
            self.app.switch_screen(OffersScreen(done["id"]))


def terms_help() -> str:
    """The words of the terms vocabulary, as the node's own operation describes them."""
    return next(p.arg.help for p in OPS["intent_post"].params if p.name == "terms")


STATE_STYLES = {"awarded": "bold green", "declined": "dim", "open": ""}


class OffersScreen(Page):
    """The offers for one of your intents, side by side: price, validity, the terms each vendor accepts, the
    vendor's record with everyone's requests; a to accept the highlighted one, d to decline it."""

    BINDINGS = [Binding("a", "award", _("Accept")), Binding("d", "decline", _("Decline")),
                Binding("x", "withdraw", _("Withdraw intent"))]
    COLUMNS = (_("Vendor"), _("Price"), _("Valid until"), _("Your terms accepted"), _("In all its offers"),
               _("Requests"), _("Acknowledged"), _("Median 1st reply"), _("Resolved"), _("State"))

    def __init__(self, intent: str) -> None:
        super().__init__()
        self.intent, self.offers = intent, {}

    def compose(self):
        header, footer = chrome()
        yield header
        yield Static("", id="intent", classes="title")
        yield DataTable(cursor_type="row", zebra_stripes=True)
        yield Static("", id="empty", classes="hint")
        yield Static("", id="offer", classes="panel")
        yield footer

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns(*self.COLUMNS)

    async def load(self) -> None:
        intents = await self.app.call("intents", mine=True, closed=True)
        offers = await self.app.call("intent_offers", id=self.intent)
        if intents is None or offers is None:
            return
        intent = next((i for i in intents if i["id"] == self.intent), None)
        if intent:
            self.query_one("#intent", Static).update(plain(_("{title} ({topic}, {state}, offers until {until})").format(
                title=intent["title"], topic=intent["topic"], state=intent["state"], until=day(intent["expires"]))))
        self.offers = {o["id"]: o for o in offers}
        fill(self.query_one(DataTable), [(o["id"], cells(o)) for o in offers])
        self.query_one("#empty", Static).update(
            "" if offers else _("No offers yet: vendors who serve this category answer here as their offers arrive."))
        self.show_offer()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_offer()

    @property
    def current(self) -> dict | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        return self.offers.get(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def show_offer(self) -> None:
        """What the highlighted offer says, and which of your terms it leaves out."""
        o, panel = self.current, self.query_one("#offer", Static)
        if o is None:
            panel.update("")
            return
        refused = [t for t in o["asked"] if t not in o["accepts"]]
        accepts = _("accepts: {terms}").format(terms=", ".join(o["accepts"]) or _("none of your terms"))
        if refused:
            accepts = _("{accepts}; does not accept: {terms}").format(accepts=accepts, terms=", ".join(refused))
        panel.update(plain(f"{o['org'] or o['vendor']}: {o['text']}\n\n{accepts}", line=False))

    def action_award(self) -> None:
        if (o := self.current) is None:
            return
        form = OpForm("intent_award", fixed={"id": o["id"]},
                      title=_("Accept {price} from {vendor}: the other offers are declined").format(
                          price=money(o["price"], o["currency"]), vendor=o["org"] or o["vendor"]))
        self.app.push_screen(form, lambda done: done is not None and self.reload())

    def action_decline(self) -> None:
        if (o := self.current) is not None:
            self.app.push_screen(OpForm("intent_decline", fixed={"id": o["id"]}),
                                 lambda done: done is not None and self.reload())

    def action_withdraw(self) -> None:
        self.app.push_screen(OpForm("intent_withdraw", fixed={"id": self.intent}),
                             lambda done: done is not None and self.reload())


def cells(o: dict) -> tuple:
    """One offer's row: the terms it accepts, those its vendor accepted in all its offers to you, and the vendor's
    record as the Vendors screen shows it."""
    f = o["figures"]
    of = _("{count} of {total}")
    kept = of.format(count=f["terms_accepted"], total=f["terms_accepted"] + f["terms_refused"])
    return (plain(o["org"] or o["vendor"]), money(o["price"], o["currency"]), day(o["valid_until"]),
            of.format(count=len(o["accepts"]), total=len(o["asked"])), kept, f["seen"], share(f["acknowledged_share"]),
            span(f["median_response_s"]), share(f["resolved_share"]), Text(o["state"], style=STATE_STYLES[o["state"]]))
