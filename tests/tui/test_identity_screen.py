from __future__ import annotations

import pytest
from antiport.crypto import load_identity
from antiport.node.client import Client
from antiport.node.home import Home
from antiport.tui.app import AntiportApp
from antiport.tui.identity import IdentityScreen
from tui_helpers import notes, settle

pytestmark = pytest.mark.asyncio


async def backup(pilot, path, passphrase: str, again: str) -> None:
    await pilot.press("b")
    await settle(pilot)
    await pilot.press(*path, "enter", *passphrase, "enter", *again, "enter")
    await settle(pilot)


async def test_identity_name_and_key_backup(app, node, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # short relative file names to type
    me = node.call("id")
    target = tmp_path / "k.json"
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, IdentityScreen)
        info = str(screen.query_one("#info").render())
        assert me["did"] in info and me["peer_id"] in info and me["addrs"][0] in info

        await pilot.press("p", *["backspace"] * 2, *"Ada", "enter")
        await settle(pilot)
        assert "Your display name is now Ada" in notes(pilot.app)
        assert "Name:     Ada" in str(screen.query_one("#info").render())

        await backup(pilot, "k.json", "pw", "pv")
        assert any("passphrases differ" in n for n in notes(pilot.app))
        await pilot.press("escape")
        await backup(pilot, "k.json", "pw", "pw")
        assert any("Key backed up to k.json" in n for n in notes(pilot.app))
        assert pilot.app.screen is screen
        written = target.read_text()

        await backup(pilot, "k.json", "o", "o")
        assert any("already exists" in n for n in notes(pilot.app))
        await pilot.press("escape")
        await backup(pilot, "no/k.json", "x", "x")
        assert any("No such file or directory" in n for n in notes(pilot.app))
    assert target.read_text() == written
    assert load_identity(target, "pw").did == me["did"]
    assert node.call("id")["name"] == "Ada"


async def test_offline_identity_and_backup(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    home = Home(tmp_path / "offline")
    did = home.init("offline").did
    client = Client(home)
    async with AntiportApp(client).run_test() as pilot:
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        info = str(pilot.app.screen.query_one("#info").render())
        assert did in info and "node is not running" in info
        await backup(pilot, "k.json", "", "")
        assert any("needs a passphrase" in n for n in notes(pilot.app))
        await pilot.press("escape")
        await backup(pilot, "k.json", "pw", "pw")
        assert any("Key backed up" in n for n in notes(pilot.app))
    client.close()
    assert load_identity(tmp_path / "k.json", "pw").did == did


async def test_rotate_add_and_revoke_a_device_from_the_identity_screen(app, node):
    from antiport.crypto import Identity
    from antiport.node.keyring import device_token
    me = node.call("id")["did"]
    device = Identity.generate()
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        screen = pilot.app.screen
        assert f"Key:      {me}" in str(screen.query_one("#info").render())  # the inception made at first run

        await pilot.press("r", *"rotate", "enter")
        await settle(pilot)
        assert any(n.startswith("Rotated") for n in notes(pilot.app))
        assert "(rotated)" in str(screen.query_one("#info").render())

        await pilot.press("a", *device_token(device, me), "enter")
        await settle(pilot)
        assert f"Device:   {device.did}" in str(screen.query_one("#info").render())

        await pilot.press("v", *device.did, "enter")
        await settle(pilot)
        assert f"Revoked:  {device.did}  (0 of its messages kept)" in str(screen.query_one("#info").render())
    assert node.call("id")["did"] == me
    assert node.call("devices")["revoked"] == [{"did": device.did, "kept": 0}]
