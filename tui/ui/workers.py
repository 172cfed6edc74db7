"""One convention for thread workers across the app.

Workers are started with ``exit_on_error=False`` and take ``get_current_worker().cancelled_event`` as their
cancel signal; a screen cancels them with ``worker.cancel()`` (Textual also cancels a node's workers when it
is removed). A worker that raises does not end the app: its screen's ``on_worker_state_changed`` passes the
event here and shows the one notice this returns.
"""

from __future__ import annotations

from textual.worker import Worker, WorkerState


def failure_notice(event: Worker.StateChanged) -> str | None:
    """The text to show when a worker failed, else None (started, finished or cancelled workers)."""
    if event.state is not WorkerState.ERROR:
        return None
    error = event.worker.error
    what = event.worker.group if event.worker.group != "default" else event.worker.name or "background task"
    return f"{what} failed: {error}" if str(error) else f"{what} failed: {type(error).__name__}"
