"""Serving the dashboard: waitress (threads; the production WSGI server that `instalign
dashboard` and `make run` use, a core dependency, so a plain install serves) on 127.0.0.1
unless told otherwise, and a free-port finder. gunicorn (the `prod` extra) is optional."""

from __future__ import annotations

import ipaddress
import signal
import socket
import sys
import threading
from collections.abc import Iterable
from pathlib import Path

from waitress import serve as waitress_serve

from dashboard import hosts

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


def serve(
    results: Path,
    host: str = LOOPBACK,
    port: int = 8050,
    cache: Path | None = None,
    allow_hosts: Iterable[str] = (),
):
    """Build the app on `results` and serve it until interrupted (Ctrl-C or SIGTERM); the
    simulation jobs still running are killed on the way out."""
    from dashboard.app import create_app

    names = hosts.allowed_names(allow_hosts, bind=host)
    app = create_app(results, cache, allow_hosts=names)
    if not is_loopback(host):
        print(
            f"warning: serving on {host}: the dashboard has no login; anyone who can reach "
            f"this address can run simulations. Host names served: {', '.join(names)} "
            "(add more with --allow-host NAME)",
            file=sys.stderr,
        )
    print(f"instalign dashboard: http://{host}:{port}/  (results: {Path(results).resolve()})")
    sys.stdout.flush()
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _interrupt) if main else None
    try:
        waitress_serve(app.server, host=host, port=port, threads=THREADS, ident="instalign")
    finally:
        if main:
            signal.signal(signal.SIGTERM, previous)
        app.server.config["INSTALIGN_JOBS"].stop_all()


def _interrupt(_signum, _frame) -> None:
    raise KeyboardInterrupt
