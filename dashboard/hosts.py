"""The Host allow-list: the dashboard answers only requests addressed to a name it serves.

A page on another site can make a browser send requests to a loopback server under the
attacker's own host name (DNS rebinding); the Host header still carries that name. So every
request whose Host is not a loopback name (`127.0.0.1`, `localhost`, `[::1]`, any port) or a
name added with `--allow-host` (`INSTALIGN_ALLOW_HOSTS` for the WSGI entry point, comma
separated) gets HTTP 400 with a one-line reason. The check is a Flask `before_request` hook
on the Dash server, so it holds under the dev server, waitress and gunicorn alike.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from flask import Flask, Response, request

LOOPBACK = ("127.0.0.1", "localhost", "[::1]")
ENV = "INSTALIGN_ALLOW_HOSTS"
WILDCARD_BINDS = ("0.0.0.0", "::", "")


def normalize(name: str) -> str:
    """A host name as the Host header carries it: lower case, IPv6 literals in brackets."""
    name = name.strip().lower().rstrip(".")
    try:
        if ipaddress.ip_address(name.strip("[]")).version == 6:
            return f"[{name.strip('[]')}]"
    except ValueError:
        pass
    return name


def host_name(header: str) -> str:
    """The name part of a Host header (`[::1]:8050` -> `[::1]`, `localhost:80` -> `localhost`)."""
    header = header.strip()
    if header.startswith("["):
        return normalize(header[: header.find("]") + 1] if "]" in header else header)
    return normalize(header.rsplit(":", 1)[0] if header.count(":") == 1 else header)


def allowed_names(extra: Iterable[str] = (), bind: str | None = None) -> tuple[str, ...]:
    """Loopback names, the extra names, and the bind address unless it is a wildcard."""
    names = [*LOOPBACK, *extra]
    if bind is not None and bind not in WILDCARD_BINDS:
        names.append(bind)
    return tuple(dict.fromkeys(normalize(n) for n in names if n.strip()))


def from_env(value: str | None) -> list[str]:
    return [n for n in (value or "").split(",") if n.strip()]


def refusal(header: str | None, names: Iterable[str]) -> str:
    """'' when the Host header names an allowed host, else the one-line reason."""
    if not header:
        return "no Host header: this server only answers requests addressed to it by name"
    if host_name(header) in names:
        return ""
    return (
        f"Host {header[:100]!r} is not served here (allowed: {', '.join(names)}); "
        "start the dashboard with --allow-host NAME to serve another name"
    )


def install(server: Flask, names: Iterable[str]) -> None:
    """Refuse every request to a host name that is not allowed, before any other work."""
    names = tuple(names)

    def check_host() -> Response | None:
        why = refusal(request.environ.get("HTTP_HOST"), names)
        return Response(why + "\n", status=400, mimetype="text/plain") if why else None

    server.before_request_funcs.setdefault(None, []).insert(0, check_host)
