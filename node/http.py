"""Serving a Starlette app with Hypercorn on trio: the API's and the web view's one way to listen."""
from __future__ import annotations

import logging

import hypercorn.config
import hypercorn.trio
import trio

from .home import CannotListen, first_in


async def serve(app, bind: str, *, task_status=trio.TASK_STATUS_IGNORED) -> None:
    """Serve `app` on `bind` (HOST:PORT) until cancelled; started with the URL it listens on. A port it cannot
    bind is CannotListen."""
    config = hypercorn.config.Config()
    config.bind = [bind]
    config.accesslog = None
    config.errorlog = logging.getLogger("antiport.http")  # Hypercorn's own failures, beside ours
    async with trio.open_nursery() as nursery:
        try:
            binds = await nursery.start(lambda task_status: hypercorn.trio.serve(app, config, task_status=task_status))
        except BaseExceptionGroup as group:  # Hypercorn binds inside nurseries of its own
            failed = first_in(group, OSError)
            if failed is None:
                raise
            raise CannotListen(bind, failed.strerror or str(failed)) from None
        task_status.started(binds[0])
