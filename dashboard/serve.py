"""Serving the dashboard: waitress (threads; the production WSGI server that `instalign
dashboard` and `make run` use) on 127.0.0.1 unless told otherwise, and a free-port finder."""

from __future__ import annotations

import ipaddress
import socket
import sys
from pathlib import Path

LOOPBACK = "127.0.0.1"
THREADS = 8


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str, start: int, tries: int = 20) -> int:
    """`start` or the next free port after it."""
    for port in range(start, start + tries):
        if port_free(host, port):
            return port
    raise OSError(f"no free port in {start}..{start + tries - 1} on {host}")


def serve(results: Path, host: str = LOOPBACK, port: int = 8050, cache: Path | None = None):
    """Build the app on `results` and serve it until interrupted."""
    from waitress import serve as waitress_serve

    from dashboard.app import create_app

    app = create_app(results, cache)
    if not is_loopback(host):
        print(
            f"warning: serving on {host}: the dashboard has no login; anyone who can reach "
            "this address can run simulations",
            file=sys.stderr,
        )
    print(f"instalign dashboard: http://{host}:{port}/  (results: {Path(results).resolve()})")
    sys.stdout.flush()
    waitress_serve(app.server, host=host, port=port, threads=THREADS, ident="instalign")
