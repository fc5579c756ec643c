"""``noojee-desktop templates``: the interim launch command (sandbox + client, no GUI)."""

from __future__ import annotations

import socket

from noojee_desktop.commands import main as cli_main
from noojee_desktop.commands.templates import main
from noojee_desktop.sandbox.data import default_data

from conftest import LEAKY_KEY


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_sandbox_tree_lists_every_template_campaign_and_allocation(capsys):
    assert cli_main(["templates", "--sandbox"]) == 0
    out = capsys.readouterr().out
    lines = [line.strip() for line in out.splitlines()]
    data = default_data()
    for t in data["templates"]:
        assert f"[{t['id']}] {t['name']}" in lines
        for c in t["campaigns"]:
            assert f"campaign [{c['id']}] {c['name']}" in lines
            for a in c["allocations"]:
                assert f"allocation [{a['id']}] {a['name']}" in lines
    # the tree keeps the chain's order: a campaign is listed under its own template
    first, second = data["templates"][0], data["templates"][1]
    assert out.index(first["name"]) < out.index(first["campaigns"][0]["name"]) < out.index(second["name"])


def test_refused_key_exits_3_with_a_message_and_no_key(capsys, monkeypatch):
    monkeypatch.setenv("NOOJEE_API_KEY", LEAKY_KEY)
    assert main(["--sandbox"]) == 3
    captured = capsys.readouterr()
    assert "API key" in captured.err and "whitelisted" in captured.err
    assert LEAKY_KEY not in captured.out + captured.err


def test_unreachable_server_exits_3_with_what_to_check(capsys, monkeypatch):
    monkeypatch.setenv("NOOJEE_API_KEY", LEAKY_KEY)
    port = free_port()
    assert main(["--server", f"http://127.0.0.1:{port}"]) == 3
    captured = capsys.readouterr()
    assert f"127.0.0.1:{port}" in captured.err and "refused" in captured.err
    assert "address" in captured.err and "whitelisted" in captured.err
    assert LEAKY_KEY not in captured.out + captured.err


def test_usage_errors_exit_2_with_a_plain_message(capsys, monkeypatch):
    assert main([]) == 2
    assert "--server" in capsys.readouterr().err
    assert main(["--server", "dialler.example.com"]) == 2  # no key set
    assert "NOOJEE_API_KEY" in capsys.readouterr().err
    monkeypatch.setenv("NOOJEE_API_KEY", LEAKY_KEY)
    assert main(["--server", "http://dialler.example.com"]) == 2
    err = capsys.readouterr().err
    assert "plain http" in err and LEAKY_KEY not in err
