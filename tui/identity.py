"""Your identity: did, display name, the running node's peer id and addresses, and a key backup."""
from __future__ import annotations

import asyncio
from pathlib import Path

from antiport.crypto import KeystoreError
from antiport.node.home import HomeError
from rich.text import Text
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from .base import Page, Prompt, chrome
from .visible import visible


class IdentityScreen(Page):
    BINDINGS = [
        Binding("p", "profile", "Display name"),
        Binding("b", "backup", "Back up key"),
    ]

    def compose(self):
        header, footer = chrome()
        yield header
        yield Static("Your identity", classes="title")
        yield Static("", id="info", classes="panel")
        yield Static("Your did is your identity: everything you write is signed with its key, which lives only in "
                     "this home. Press b to write an encrypted backup of the key, p to change the name others see.",
                     classes="hint")
        yield footer

    async def load(self) -> None:
        me = await self.app.call("id")
        if me is None:
            return
        self.display_name = me["name"]
        lines = [f"Did:      {me['did']}", f"Name:     {visible(me['name']) or '(none yet: press p to choose one)'}"]
        if me["running"]:
            lines.append(f"Peer id:  {me['peer_id']}")
            lines += [f"Listening {a}" for a in me["addrs"]] or ["Listening on no address"]
        else:
            lines.append("The node is not running: no peer id or addresses (start it with 'antiport run').")
        self.query_one("#info", Static).update(Text("\n".join(lines)))

    def action_profile(self) -> None:
        self.app.push_screen(NameScreen(getattr(self, "display_name", "")), self._renamed)

    def _renamed(self, name: str | None) -> None:
        self.reload()
        if name:
            self.app.show_identity()

    def action_backup(self) -> None:
        self.app.push_screen(BackupScreen())


class NameScreen(Prompt):
    def __init__(self, current: str) -> None:
        super().__init__("Your display name (published with your did)", placeholder="e.g. Ada", value=current)

    async def accept(self, value: str) -> bool:
        done = await self.app.call("profile", name=value)
        if done is not None:
            self.notify(f"Your display name is now {value}")
        return done is not None


class BackupScreen(ModalScreen[str | None]):
    """Where to write the backup and the passphrase that seals it (asked twice)."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def compose(self):
        with Vertical(classes="dialog"):
            yield Static("Back up your key: an encrypted copy of your identity, readable only with the passphrase.")
            yield Input(placeholder="file to write, e.g. ~/antiport-key.json", id="path")
            yield Input(placeholder="passphrase", password=True, id="passphrase")
            yield Input(placeholder="the passphrase again", password=True, id="again")
            yield Static("To restore it on a new machine: antiport init --restore FILE (your threads and "
                        "standing come back by sync).", classes="explain")

    async def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "again":
            self.focus_next()
            return
        path, passphrase, again = (self.query_one(f"#{i}", Input).value for i in ("path", "passphrase", "again"))
        problem = (not path.strip() and "Give the file to write the backup to."
                   or not passphrase and "A backup needs a passphrase: without one, anyone with the file is you."
                   or passphrase != again and "The two passphrases differ: type them again.")
        if problem:
            self.notify(problem, severity="error")
            return
        target = Path(path.strip()).expanduser()
        try:
            await asyncio.to_thread(self.app.client.home.backup, target, passphrase)
        except FileExistsError:
            self.notify(f"{target} already exists: a backup never overwrites a file, choose another name.",
                        severity="error")
            return
        except OSError as e:
            self.notify(f"No backup written to {target}: {e.strerror or e}", severity="error")
            return
        except (HomeError, KeystoreError) as e:
            self.notify(f"No backup written: {e}", severity="error")
            return
        self.notify(f"Key backed up to {target} (encrypted with your passphrase)")
        self.dismiss(str(target))
