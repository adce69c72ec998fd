"""Your identity: did, display name, the running node's peer id and addresses, a key backup, and the keys of
its key log (specs/10): rotate to the committed next key, add and revoke devices."""
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
from .i18n import _
from .visible import visible


class IdentityScreen(Page):
    BINDINGS = [
        Binding("p", "profile", _("Display name")),
        Binding("b", "backup", _("Back up key")),
        Binding("r", "rotate", _("Rotate key")),
        Binding("a", "add_device", _("Add device")),
        Binding("v", "revoke_device", _("Revoke device")),
    ]

    def compose(self):
        header, footer = chrome()
        yield header
        yield Static(_("Your identity"), classes="title")
        yield Static("", id="info", classes="panel")
        yield Static(_("Your did is your identity: everything you write is signed with its key, which lives only "
                       "in this home. Press b to write an encrypted backup of the key, p to change the name others "
                       "see, r to move to the next key your log committed to, a and v to add and revoke devices."),
                     classes="hint")
        yield footer

    async def load(self) -> None:
        me = await self.app.call("id")
        if me is None:
            return
        self.display_name = me["name"]
        lines = [field(_("Did:"), me["did"]),
                 field(_("Name:"), visible(me["name"]) or _("(none yet: press p to choose one)"))]
        if me["running"]:
            lines.append(field(_("Peer id:"), me["peer_id"]))
            lines += [_("Listening {address}").format(address=a) for a in me["addrs"]] or [_("Listening on no address")]
        else:
            lines.append(_("The node is not running: no peer id or addresses (start it with 'antiport run')."))
        keys = await self.app.call("devices")
        if keys is not None:
            lines += key_lines(keys)
        self.query_one("#info", Static).update(Text("\n".join(lines)))

    def action_profile(self) -> None:
        self.app.push_screen(NameScreen(getattr(self, "display_name", "")), self._renamed)

    def _renamed(self, name: str | None) -> None:
        self.reload()
        if name:
            self.app.show_identity()

    def action_backup(self) -> None:
        self.app.push_screen(BackupScreen())

    def action_rotate(self) -> None:
        self.app.push_screen(KeyPrompt(_("Type rotate to move your identity to its next key (a new one is made)"),
                                       "key_rotate", lambda v: {} if v == "rotate" else None,
                                       _("Rotated: your identity signs with its next key now; back up the new next "
                                         "key (antiport key backup --next FILE)")), lambda done: self.reload())

    def action_add_device(self) -> None:
        self.app.push_screen(KeyPrompt(_("The new device's token (antiport init --device-of YOUR-DID prints it)"),
                                       "device_add", lambda v: {"token": v}, _("Device added")),
                             lambda done: self.reload())

    def action_revoke_device(self) -> None:
        self.app.push_screen(KeyPrompt(_("The did of the device to revoke"), "device_revoke",
                                       lambda v: {"device": v}, _("Device revoked: its later messages are refused")),
                             lambda done: self.reload())


def key_lines(keys: dict) -> list[str]:
    """The key log's lines of the identity panel."""
    if not keys["log"]:
        return [field(_("Key log:"), _("none yet (the node makes it when it first runs)"))]
    lines = [field(_("Key:"), keys["current"]) + ("" if keys["current"] == keys["identity"] else "  " + _("(rotated)"))]
    lines += [field(_("Device:"), d) for d in keys["devices"]]
    lines += [field(_("Revoked:"), _("{did}  ({kept} of its messages kept)").format(did=d["did"], kept=d["kept"]))
              for d in keys["revoked"]]
    return lines


def field(label: str, value: str) -> str:
    """One line of the identity panel: the label in a column of its own."""
    return f"{label:<9} {value}"


class KeyPrompt(Prompt):
    """One line for a key operation: `params(value)` (None: not what was asked) is sent to `op`."""

    def __init__(self, question: str, op: str, params, done: str) -> None:
        super().__init__(question)
        self.op, self.params, self.done = op, params, done

    async def accept(self, value: str) -> bool:
        params = self.params(value)
        if params is None:
            self.notify(_("Nothing was done."))
            return True
        result = await self.app.call(self.op, **params)
        if result is not None:
            self.notify(self.done)
        return result is not None


class NameScreen(Prompt):
    def __init__(self, current: str) -> None:
        super().__init__(_("Your display name (published with your did)"), placeholder=_("e.g. Ada"), value=current)

    async def accept(self, value: str) -> bool:
        done = await self.app.call("profile", name=value)
        if done is not None:
            self.notify(_("Your display name is now {name}").format(name=value))
        return done is not None


class BackupScreen(ModalScreen[str | None]):
    """Where to write the backup and the passphrase that seals it (asked twice)."""

    BINDINGS = [Binding("escape", "dismiss(None)", _("Cancel"))]

    def compose(self):
        with Vertical(classes="dialog"):
            yield Static(_("Back up your key: an encrypted copy of your identity, readable only with the passphrase."))
            yield Input(placeholder=_("file to write, e.g. ~/antiport-key.json"), id="path")
            yield Input(placeholder=_("passphrase"), password=True, id="passphrase")
            yield Input(placeholder=_("the passphrase again"), password=True, id="again")
            yield Static(_("To restore it on a new machine: antiport init --restore FILE (your threads and "
                           "standing come back by sync)."), classes="explain")

    async def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "again":
            self.focus_next()
            return
        path, passphrase, again = (self.query_one(f"#{i}", Input).value for i in ("path", "passphrase", "again"))
        problem = (not path.strip() and _("Give the file to write the backup to.")
                   or not passphrase and _("A backup needs a passphrase: without one, anyone with the file is you.")
                   or passphrase != again and _("The two passphrases differ: type them again."))
        if problem:
            self.notify(problem, severity="error")
            return
        target = Path(path.strip()).expanduser()
        try:
            await asyncio.to_thread(self.app.client.home.backup, target, passphrase)
        except FileExistsError:
            self.notify(_("{file} already exists: a backup never overwrites a file, choose another name.").format(
                file=target), severity="error")
            return
        except OSError as e:
            self.notify(_("No backup written to {file}: {error}").format(file=target, error=e.strerror or e),
                        severity="error")
            return
        except (HomeError, KeystoreError) as e:
            self.notify(_("No backup written: {error}").format(error=e), severity="error")
            return
        self.notify(_("Key backed up to {file} (encrypted with your passphrase)").format(file=target))
        self.dismiss(str(target))
