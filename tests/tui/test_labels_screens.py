"""Labels in the TUI and the CLI (specs/06 section 5): the viewer follows a labeler, and what it labels
is hidden (h shows it, with why) or marked; someone who does not follow it sees everything as it is."""
from __future__ import annotations

import pytest
from antiport.app.cli import main
from antiport.tui.opform import OpForm
from antiport.tui.thread import WITHHELD, ThreadScreen
from antiport.tui.threads import ThreadsScreen
from textual.widgets import DataTable, Select, Static
from tui_helpers import press, row, settle

pytestmark = pytest.mark.asyncio

TOPIC = "acme/widget"


def rows(screen) -> list[list]:
    table = screen.query_one(DataTable)
    return [row(table, i) for i in range(table.row_count)]


async def test_a_followed_labelers_labels_hide_and_mark_threads_and_answers(app, node, world, capsys):
    node.call("follow", topic=TOPIC)
    alice, spammer, helper, mods = (world.person(n) for n in ("alice", "spammer", "helper", "mods"))
    spam = spammer.call("ask", topic=TOPIC, title="Cheap widgets", text="buy at example.com")["id"]
    asked = alice.call("ask", topic=TOPIC, title="It squeaks", text="since the update")["id"]
    world.sync()
    pills = spammer.call("answer", id=asked, text="buy pills")["id"]
    helper.call("answer", id=asked, text="oil the hinge")
    world.sync()
    mods.call("label", target=spam, value="spam", reason="[b]link farm[/b]")
    mods.call("label", target=pills, value="spam")
    mods.call("label", target=asked, value="off-topic")
    world.sync()
    listed = alice.call("list", topic=TOPIC)["threads"]
    assert {t["id"]: t["labels"] for t in listed} == {spam: [], asked: []}  # no labeler

    node.call("labelers_add", did=mods.call("id")["did"])
    by = "by labeler mods"
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)  # the topics are listed: enter opens the first
        await press(pilot, "enter")
        screen = pilot.app.screen
        assert isinstance(screen, ThreadsScreen)
        assert rows(screen) == [["It squeaks", "request", rows(screen)[0][2], 2, f"off-topic, {by}"]]
        assert "1 hidden by your labelers or by reports (h shows them" in str(screen.query_one("#empty").render())
        await press(pilot, "h")
        titles = {r[0]: r[4] for r in rows(screen)}
        assert titles["Cheap widgets"] == f"hidden: spam, {by}: [b]link farm[/b]"  # plain text, not markup
        await press(pilot, "h")
        assert [r[0] for r in rows(screen)] == ["It squeaks"]

        await press(pilot, "enter")
        thread = pilot.app.screen
        assert isinstance(thread, ThreadScreen)
        assert f"off-topic, {by}" in str(thread.query_one("#meta", Static).render())
        answers = {r[2].split(" (")[0]: r[1] for r in rows(thread)}
        assert answers == {"spammer": f"hidden: spam, {by}", "helper": "oil the hinge"}
        table = thread.query_one(DataTable)
        table.move_cursor(row=[r[2].split(" (")[0] for r in rows(thread)].index("spammer"))
        await settle(pilot)
        # the answer, then the answerer's record in the topic (tui/thread.py show_answer)
        assert str(thread.query_one("#answer", Static).render()).split("\n\n")[0] == WITHHELD
        await press(pilot, "h")
        assert str(thread.query_one("#answer", Static).render()).split("\n\n")[0] == "buy pills"

        table.move_cursor(row=[r[2].split(" (")[0] for r in rows(thread)].index("helper"))
        await press(pilot, "l")  # the viewer labels too: its own labels count for itself
        form = pilot.app.screen
        assert isinstance(form, OpForm) and "Label this answer by helper" in form.heading
        form.query_one("#p-value", Select).value = "duplicate"
        await press(pilot, "ctrl+s")
        assert pilot.app.screen is thread
        assert {r[2].split(" (")[0]: r[1] for r in rows(thread)}["helper"] == "oil the hinge duplicate, by you"

    capsys.readouterr()
    assert main(["--home", str(node.home.path), "list", TOPIC]) == 0
    out = capsys.readouterr().out
    assert "Cheap widgets" not in out and f"It squeaks  [off-topic, {by}]" in out
    assert main(["--home", str(node.home.path), "list", TOPIC, "--all"]) == 0
    assert f"Cheap widgets  (hidden: spam, {by}: [b]link farm[/b])" in capsys.readouterr().out
    assert main(["--home", str(node.home.path), "show", asked]) == 0
    out = capsys.readouterr().out
    assert f"(hidden: spam, {by})" in out and "buy pills" not in out and "(withheld: --all shows it)" in out
