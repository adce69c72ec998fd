"""The help screen: what each screen is for and its keys."""
from __future__ import annotations

from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP = """\
# Antiport

Ask for help and complain about products; experts and vendors answer. Everything you see is
signed and kept on your own node.

| key | does |
|---|---|
| enter | open the highlighted topic, thread or person |
| escape | back |
| n / c | ask for help / complain (in the highlighted topic) |
| a | answer the open thread |
| y | accept the highlighted answer (only the asker) |
| + / - | vote the highlighted answer up / down |
| r | mark your request resolved |
| f / u | follow / unfollow a topic |
| e | experts of a topic, and why they rank where they do |
| / | search |
| v | vendors: who answers, how fast |
| w | network: peers, sync progress, rejected messages |
| i | your identity and a key backup |
| ctrl+p | command palette |
| ctrl+q | quit |

New messages appear as they arrive. Errors show as notifications at the bottom right.
"""


class HelpScreen(ModalScreen):
    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close")]

    def compose(self):
        yield Markdown(HELP, classes="dialog help")
