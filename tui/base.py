"""What every screen shares: loading from the node off the UI thread, reloading on new messages."""
from __future__ import annotations

from functools import partial

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding
from textual.containers import Vertical
from textual.css.query import NoMatches
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Header, Input, Label, Static
from textual.widgets import Footer as TextualFooter

from .i18n import _
from .visible import visible


class Page(Screen):
    """A screen that shows what the node knows. `load()` runs when it is shown, when new messages that
    it shows arrive (`touched`), and when it comes back to the top if such messages arrived meanwhile
    (or if the app cannot hear of them: no node). A reload asked for while a load runs cancels it
    (its call's answer is ignored); one asked for by new messages waits for it instead, and runs after.

    Textual calls `on_mount` (and every handler) of each class in the MRO, subclass first: a
    subclass's handler must not call super() too, or the base's runs twice."""

    BINDINGS = [Binding("escape", "back", _("Back"))]
    stale = False  # something shown here changed since the last load started
    loading = 0    # loads under way
    loads = 0      # loads started (the bench and the tests read it)

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:  # never pop the first screen (below it is Textual's blank one)
            self.app.pop_screen()

    async def load(self) -> None:
        raise NotImplementedError

    def about(self) -> dict:
        """What the screen is about, as op parameters (`id` of the thread, `did` of the person): the
        palette's forms start filled in with it."""
        return {}

    def touched(self, messages: list[dict]) -> bool:
        """Whether any of these new messages changes what the screen shows (any, unless a screen says)."""
        return True

    def outdated(self) -> bool:
        """Whether to load again on coming back to the top: what it shows changed meanwhile."""
        return self.stale or not self.app.live

    def reload(self) -> None:
        self.stale = False
        self.loads += 1
        self.run_worker(self.load_while_shown, exclusive=True, group="load")

    async def load_while_shown(self) -> None:
        """`load`, except that a screen closed while its node call ran (or whose app is exiting: Textual then
        unlinks the widgets first) has no widgets left to fill; then once more if new messages touched it meanwhile."""
        self.loading += 1
        try:
            await self.load()
        except NoMatches:
            if self.is_attached and self in self.app.screen_stack:
                raise
        finally:
            self.loading -= 1
        if self.stale and self.is_active:
            self.reload()

    def on_mount(self) -> None:
        self.reload()

    def on_screen_resume(self) -> None:
        if self.is_mounted and self.outdated():
            self.reload()

    def on_live(self, event) -> None:
        if self.touched(event.messages):
            self.stale = True
            if not self.loading:
                self.reload()


class TablePage(Page):
    """A Page that is mostly one table of what the node returns, with a hint in place of an empty
    table. Subclasses give `heading` and COLUMNS, may add widgets around the table (`above`,
    `below`), and say what enter on a row does (`action_open`)."""

    COLUMNS: tuple[str, ...] = ()
    heading = ""

    def above(self):
        return ()

    def below(self):
        return ()

    def compose(self):
        yield Header()
        yield Static(plain(self.heading), classes="title")
        yield from self.above()
        yield DataTable(cursor_type="row", zebra_stripes=True)
        yield Static("", id="empty", classes="hint")
        yield from self.below()
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns(*self.COLUMNS)

    @property
    def current(self) -> str | None:
        """The key of the highlighted row (None while the table is empty)."""
        return highlighted(self.query_one(DataTable))

    def show(self, rows, empty: str, hidden: int = 0) -> None:
        """(key, cells) rows into the table, `empty` as the hint when there are none, and how many rows
        labels hide (`hidden_note`)."""
        rows = list(rows)
        fill(self.query_one(DataTable), rows)
        hint = [] if rows else [empty]
        self.query_one("#empty", Static).update(plain("\n".join(hint + [hidden_note(hidden)] * bool(hidden)),
                                                      line=False))

    async def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        await self.run_action("open")

    def action_open(self) -> None:
        pass


class PagedTable(TablePage):
    """A TablePage of an op that pages (node/paging.py): `load` shows its first page, and when the cursor
    reaches the last row or the table is scrolled to its end, the next page comes below it. Subclasses say
    how to ask for a page (`fetch(**where)`: the op's answer, or None), which rows it holds (`rows_of`)
    and how to draw what is loaded (`draw`, from `self.rows`)."""

    PAGE = 50

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict] = []  # the rows loaded so far, in the op's order
        self.more_below: str | None = None  # where the next page down starts (None: nothing more)

    async def fetch(self, **where) -> dict | None:
        raise NotImplementedError

    def rows_of(self, found: dict) -> list[dict]:
        raise NotImplementedError

    def draw(self) -> None:
        raise NotImplementedError

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        self.watch(table, "scroll_y", lambda scrolled: self.at_bottom(table.scroll_y >= table.max_scroll_y > 0))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.at_bottom(event.cursor_row >= event.data_table.row_count - 1)

    def at_bottom(self, reached: bool) -> None:
        """The cursor on the last row, or the table scrolled to its end: the next page, if there is one."""
        if reached and self.more_below:
            self.run_worker(partial(self.more, self.more_below), exclusive=True, group="more")

    async def more(self, position: str) -> None:
        """The next page down, below the last row shown."""
        found = await self.fetch(before=position)
        if found is None or position != self.more_below:
            return
        self.rows += self.rows_of(found)
        self.more_below = found["page"]["before"]
        self.draw()


class Prompt(ModalScreen[str | None]):
    """Ask for one line of text; dismissed with the text, or None on Escape."""

    BINDINGS = [Binding("escape", "dismiss(None)", _("Cancel"))]

    def __init__(self, question: str, placeholder: str = "", value: str = "") -> None:
        super().__init__()
        self.question, self.placeholder, self.value = question, placeholder, value

    def compose(self):
        with Vertical(classes="dialog"):
            yield Label(self.question)
            yield Input(self.value, placeholder=self.placeholder)

    async def on_input_submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        if not value:
            self.dismiss(None)
        elif await self.accept(value):
            self.dismiss(value)

    async def accept(self, value: str) -> bool:
        """Act on the answer; False keeps the prompt open (to fix a mistake shown as a notification)."""
        return True


def highlighted(table: DataTable) -> str | None:
    """The key of the row under the cursor; None in an empty table."""
    return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value if table.row_count else None


def fill(table: DataTable, rows) -> None:
    """Show `rows` — (key, cells) pairs — in a table, in place: a table already showing them is left
    alone (live updates arrive often), and the cursor stays on the row it was on. A str cell is shown
    as plain text (a DataTable would read it as markup)."""
    rows = [(key, tuple(plain(c) if isinstance(c, str) else c for c in cells)) for key, cells in rows]
    if getattr(table, "shown_rows", None) == rows:
        return
    current = highlighted(table)
    table.clear()
    for key, cells in rows:
        table.add_row(*cells, key=key)
    table.shown_rows = rows
    fit_columns(table, rows)
    keys = [key for key, cells in rows]
    if current in keys:
        table.move_cursor(row=keys.index(current))


def fit_columns(table: DataTable, rows) -> None:
    """Size each column to its widest cell now. Textual measures new rows only when the table next
    goes idle, and a screen drawn before that keeps cells cut to the header's width ('Route requ')
    in its render cache; measured here, the first drawing is already right (and columns shrink
    again when wide rows go)."""
    for i, column in enumerate(table.ordered_columns):
        column.content_width = max([column.label.cell_len, *(cell_width(cells[i]) for key, cells in rows)])


def cell_width(cell) -> int:
    return cell.cell_len if isinstance(cell, Text) else cell_len(str(cell))


def badges(thread: dict) -> Text:
    """A thread's state as coloured words, each said once: an answer accepted, the asker's 'resolved',
    and the vendor's status ('vendor: in-progress'); both saying resolved is one 'resolved (asker
    and vendor)'."""
    words = [(_("accepted"), "green")] if thread.get("accepted") else []
    status, resolved = thread.get("status"), thread.get("resolved")
    if resolved and status == "resolved":
        words.append((_("resolved (asker and vendor)"), "bold green"))
    else:
        if resolved:
            words.append((_("resolved"), "bold green"))
        if status:
            words.append((_("vendor: {status}").format(status=status), "yellow"))
    return Text(" ").join(Text(w, style=s) for w, s in words)


def labelled(m: dict) -> Text:
    """What labels say about a message (specs/06 section 5), as coloured words: 'hidden: spam, by
    labeler Mods' in red, a mark ('off-topic, by labeler Mods') in yellow; their names plain text."""
    return Text(" · ").join(plain(_("hidden: {why}").format(why=lb["why"]) if lb["effect"] == "hide" else lb["why"],
                                  style="red" if lb["effect"] == "hide" else "yellow")
                            for lb in m.get("labels", ()))


def hidden_note(count: int) -> str:
    return _("{count} hidden by your labelers or by reports (h shows them, and why)").format(count=count)


def state(m: dict) -> Text:
    """A thread's badges and its labels."""
    return Text(" ").join(t for t in (badges(m), labelled(m)) if t)


class Footer(TextualFooter):
    """Textual's footer, drawn again only when the keys it shows change. Textual's draws all its keys again
    whenever the screen's bindings are updated (a screen shown, the focus moving, a table's cursor): three or
    four times while a topic's threads open, each a new widget per key styled from scratch, 0.3-0.6 s of the
    UI's time on a loaded machine, between the key press and the rows."""

    drawn: tuple | None = None  # the keys last drawn: (key, description, enabled, tooltip)

    def bindings_changed(self, screen: Screen) -> None:
        keys = tuple((b.key, b.description, enabled, tooltip)
                     for key, b, enabled, tooltip in screen.active_bindings.values() if b.show)
        if keys == self.drawn:
            return
        super().bindings_changed(screen)
        if screen.app.app_focus and self.is_attached and screen is self.screen:  # drawn again: Textual's condition
            self.drawn = keys


def chrome():
    """Header and footer of every full screen."""
    return Header(), Footer()


def age(ms: int, now_s: float) -> str:
    """'5s', '3m', '2h', '4d' since a message's creation time."""
    s = max(0, int(now_s - ms / 1000))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if s >= size:
            return f"{s // size}{unit}"
    return f"{s}s"


def who(did: str, name: str = "", agent: str = "") -> str:
    """A person as shown everywhere: their profile name (controls escaped) and a short did; for a vendor's
    answer or status also the agent who wrote it (specs/02 section 9): 'Acme (agent: Jo) (…did)'."""
    short = "…" + did[-8:] if did.startswith("did:key:") else visible(did)
    said = " (" + _("agent: {name}").format(name=visible(agent)) + ")" if agent else ""
    return f"{visible(name)}{said} ({short})" if name else f"{short}{said}"


def plain(text: str, line: bool = True, style: str = "") -> Text:
    """Text from the network (or anyone) as it must be drawn: never read as markup, its control
    characters escaped (tui/visible.py); `line` false keeps the line breaks of a multi-line text."""
    return Text(visible(text, line), style=style)
