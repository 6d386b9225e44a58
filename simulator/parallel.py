"""Where replications run: this process, local worker processes, or a Dask cluster (SIM5).

A :class:`Pool` hands out work through a standard :class:`concurrent.futures.Executor`:

- ``workers=1``: in this process, one call at a time (no executor);
- ``workers=N`` (default: one per CPU): a :class:`~concurrent.futures.ProcessPoolExecutor`.
  Workers are forked when that is safe (a POSIX system and no other thread in this process)
  and spawned otherwise — spawned workers re-import the main module, so a script that may
  run them must guard its entry point with ``if __name__ == "__main__":``;
- ``cluster="tcp://host:8786"``: a Dask distributed cluster, through
  :meth:`distributed.Client.get_executor` (a ``concurrent.futures`` executor). Every worker
  of the cluster needs this project installed (the same version), as it imports the
  simulator to run a replication.

One pool serves a whole command (every simulation of a staffing search), so processes
start once. Replications report how far their simulated clock has got through a
*progress channel*: a queue served by a manager process for local workers (so progress
moves within a replication, not only when one ends), a plain list in this process, and
nothing on a cluster (there the progress moves as replications finish).
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from multiprocessing import get_all_start_methods, get_context
from multiprocessing.context import BaseContext
from multiprocessing.managers import SyncManager
from types import TracebackType
from typing import Any, Protocol, TypeVar

__all__ = ["Channel", "Pool", "PoolError", "open_pool"]

T = TypeVar("T")


class PoolError(RuntimeError):
    """The pool cannot be opened (e.g. no Dask scheduler answers at the address)."""


class Channel(Protocol):
    """Where a replication reports progress: ``put((replication, simulated_minutes))``."""

    def put(self, item: tuple[int, float]) -> None: ...


class _ListChannel:
    """A channel in this process."""

    def __init__(self) -> None:
        self.items: list[tuple[int, float]] = []

    def put(self, item: tuple[int, float]) -> None:
        self.items.append(item)


def _start_context() -> BaseContext:
    # Forking a process that runs other threads can deadlock the child: spawn then.
    if "fork" in get_all_start_methods() and threading.active_count() == 1:
        return get_context("fork")
    return get_context("spawn")


class Pool:
    """Runs calls in this process, in worker processes or on a Dask cluster (see the module
    docstring); use as a context manager, or call :meth:`close`."""

    def __init__(
        self,
        executor: Executor | None,
        description: str,
        channel: Channel | None,
        closers: list[Callable[[], object]],
        local: _ListChannel | None = None,
    ) -> None:
        self.executor = executor
        self.description = description
        self.channel = channel
        self._closers = closers
        self._local = local
        self._queue = channel if local is None else None

    @property
    def in_process(self) -> bool:
        return self.executor is None

    def submit(self, fn: Callable[..., T], /, *args: Any) -> Future[T]:
        """``fn(*args)`` on a worker (here, at once, without an executor)."""
        if self.executor is not None:
            return self.executor.submit(fn, *args)
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args))
        except BaseException as error:  # handed to whoever waits on the future
            future.set_exception(error)
        return future

    def progress_updates(self) -> list[tuple[int, float]]:
        """The ``(replication, simulated minutes)`` reports since the last call."""
        if self._local is not None:
            items, self._local.items = self._local.items, []
            return items
        if self._queue is None:
            return []
        items = []
        while True:
            try:
                items.append(self._queue.get_nowait())  # type: ignore[attr-defined]
            except (queue.Empty, EOFError, OSError):
                return items

    def close(self) -> None:
        for close in reversed(self._closers):
            close()
        self._closers = []

    def __enter__(self) -> Pool:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


def _cluster_pool(address: str) -> Pool:
    try:
        from distributed import Client
    except ImportError as error:  # pragma: no cover - a dependency of the project
        raise PoolError("--cluster needs the dask[distributed] package") from error
    try:
        client = Client(address, timeout="5s")  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError) as error:
        raise PoolError(f"no Dask scheduler answers at {address}: {error}") from error
    workers = len(client.scheduler_info().get("workers", {}))
    executor = client.get_executor(pure=False)  # type: ignore[no-untyped-call]
    return Pool(
        executor,
        f"Dask cluster at {address} ({workers} worker(s))",
        None,
        [client.close, lambda: executor.shutdown(wait=True)],
    )


def open_pool(workers: int | None = None, cluster: str | None = None) -> Pool:
    """A pool of ``workers`` local processes (``None``: one per CPU; ``1``: this process)
    or, with ``cluster``, the Dask cluster whose scheduler is at that address."""
    if cluster:
        return _cluster_pool(cluster)
    count = workers if workers is not None else os.cpu_count() or 1
    if count <= 1:
        local = _ListChannel()
        return Pool(None, "this process", local, [], local)
    context = _start_context()
    manager = SyncManager(ctx=context)
    manager.start()
    channel = manager.Queue()
    executor = ProcessPoolExecutor(max_workers=count, mp_context=context)
    return Pool(
        executor,
        f"{count} local worker processes",
        channel,
        [manager.shutdown, lambda: executor.shutdown(wait=True, cancel_futures=True)],
    )
