"""WSGI entry point for production servers (the app is built when this module is imported):

    INSTALIGN_RESULTS=results gunicorn --workers 2 --threads 4 --bind 127.0.0.1:8050 \
        dashboard.wsgi:server
    INSTALIGN_RESULTS=results waitress-serve --listen=127.0.0.1:8050 dashboard.wsgi:server

Every worker opens the same cache folder (INSTALIGN_DASHBOARD_CACHE, default
RESULTS/.dashboard-cache): it holds the secret that signs background-job handles and the
run cache, so a job started through one worker can be polled or cancelled through another,
and the job slots that cap simulations per server (INSTALIGN_DASHBOARD_JOBS, default 2).
Host names other than loopback ones are served only when listed in INSTALIGN_ALLOW_HOSTS
(comma separated), e.g. the name a reverse proxy forwards.
"""

from __future__ import annotations

import os
from pathlib import Path

from dashboard import hosts
from dashboard.app import create_app

_cache = os.environ.get("INSTALIGN_DASHBOARD_CACHE")
app = create_app(
    Path(os.environ.get("INSTALIGN_RESULTS", "results")),
    Path(_cache) if _cache else None,
    allow_hosts=hosts.from_env(os.environ.get(hosts.ENV)),
)
server = app.server
