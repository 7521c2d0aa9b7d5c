"""The hub in a process that kills itself between a batch's audit writes and its commit.

``python -m tests.serve_with_kill_point PORT BATCH``: settings from ``HUB_*`` variables;
prints ``ready`` once it listens. The fault is injected at the group commit's own hook,
so what the test sees is what a power cut at that instant would leave.
"""

from __future__ import annotations

import os
import signal
import socket
import sys

import uvicorn

from hub.app import create_app
from hub.audit.service import GroupCommit


class _Server(uvicorn.Server):
    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        sys.stdout.write("ready\n")
        sys.stdout.flush()


def main() -> None:
    port, kill_at = int(sys.argv[1]), int(sys.argv[2])
    app = create_app()
    appends: GroupCommit = app.state.database.deferred_appends
    batches = 0

    def kill_at_batch(_: int) -> None:
        nonlocal batches
        batches += 1
        if batches == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    appends.before_commit = kill_at_batch
    _Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
    ).run()


if __name__ == "__main__":
    main()
