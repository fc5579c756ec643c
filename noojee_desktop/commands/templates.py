"""``noojee-desktop templates``: list a dialler's templates, campaigns and allocations.

    noojee-desktop templates --sandbox                 start the built-in sandbox and list it
    noojee-desktop templates --server dialler.example.com

The key comes from the environment variable ``NOOJEE_API_KEY`` (never from the command
line, where it would end up in the shell history); with ``--sandbox`` and no variable set,
the sandbox's demo key is used. A smoke test of a connection, and the interim "launch"
command until the GUI exists.

Exit codes: 0 listed; 2 wrong usage; 3 the dialler could not be reached or refused the
key (the message says what to check).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from typing import TextIO

from noojee_desktop.core.api import ApiError, InsecureUrlError, NoojeeClient, Timeouts
from noojee_desktop.core.secrets import install_log_masking, register_key

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="noojee-desktop templates",
        description="List the campaign templates, their campaigns and allocations of a Noojee dialler. "
        "The API key is read from the environment variable NOOJEE_API_KEY.",
    )
    p.add_argument("--server", metavar="URL", help="the dialler's address, for example dialler.example.com")
    p.add_argument("--sandbox", action="store_true",
                   help="start the built-in sandbox dialler on this computer and list it")
    p.add_argument("--insecure-http", action="store_true",
                   help="allow plain http to a dialler that is not on this computer (sends the key unencrypted)")
    p.add_argument("--ca-bundle", metavar="FILE",
                   help="CA certificate bundle to trust (for company proxies that inspect secure traffic)")
    p.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                   help="read timeout per call (default 90)")
    return p


async def _print_tree(client: NoojeeClient, out: TextIO) -> int:
    templates = await client.list_templates()
    if not templates:
        print("The dialler lists no campaign templates for this API key "
              "(a user key only sees its teams' templates).", file=out)
        return 0
    print(f"Campaign templates ({len(templates)}):", file=out)
    for t in templates:
        print(f"  [{t.id}] {t.name}", file=out)
        campaigns = await client.list_campaigns(t.id)
        if not campaigns:
            print("      (no campaigns)", file=out)
        for c in campaigns:
            print(f"      campaign [{c.id}] {c.name}", file=out)
            allocations = await client.list_allocations(c.id)
            if not allocations:
                print("          (no allocations)", file=out)
            for a in allocations:
                print(f"          allocation [{a.id}] {a.name}", file=out)
    return len(templates)


async def _run(server: str, key: str, args: argparse.Namespace, out: TextIO) -> None:
    timeouts = Timeouts() if args.timeout is None else Timeouts(read=args.timeout)
    async with NoojeeClient(server, key, timeouts=timeouts, verify=args.ca_bundle or True,
                            allow_insecure_http=args.insecure_http) as client:
        print(f"Dialler: {client.base_url}", file=out)
        await _print_tree(client, out)


def main(argv: list[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    install_log_masking()
    args = _parser().parse_args(argv)
    if bool(args.server) == bool(args.sandbox):
        print("Give either --server ADDRESS (your dialler) or --sandbox (the built-in demo dialler).", file=err)
        return EXIT_USAGE
    key = os.environ.get("NOOJEE_API_KEY", "").strip()
    register_key(key)

    sandbox = None
    server = args.server
    if args.sandbox:
        from noojee_desktop.sandbox.server import SandboxConfig, SandboxServer

        try:
            sandbox = SandboxServer(SandboxConfig()).start()
        except OSError as exc:
            print(f"The sandbox dialler could not start: {exc.strerror or exc}.", file=err)
            return EXIT_UNREACHABLE
        server = sandbox.url
        key = key or sandbox.api_key
        print(f"Started the built-in sandbox dialler at {sandbox.url}", file=out)
    elif not key:
        print("Set the API key in the environment variable NOOJEE_API_KEY first "
              "(your Noojee administrator issues it).", file=err)
        return EXIT_USAGE
    try:
        asyncio.run(_run(server, key, args, out))
    except InsecureUrlError as exc:
        print(str(exc), file=err)
        return EXIT_USAGE
    except ApiError as exc:
        print(f"Could not list the templates. {exc}", file=err)
        return EXIT_UNREACHABLE
    except KeyboardInterrupt:
        return 130
    finally:
        if sandbox is not None:
            sandbox.stop()
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
