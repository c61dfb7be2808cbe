"""Reading and planning JodGig's chunks in child processes, so that a batch loads its next chunks
on the other core while its own process writes.

Reading JodGig and planning its records cost the sync about as much CPU as writing (pymysql decodes
rows in pure Python, the facts and plans are built record by record); in a thread they would share
the GIL with the writes. Forked children do them instead: each starts in milliseconds with every
module already imported, and sends each chunk's plans back through its pipe.

A child reads JodGig only, over connections of its own (the engine's pool is replaced in the
child, never shared with the parent), so the engine's read-only session and statement limits
hold there as in the parent. An error in a child is raised again in the parent, with the
child's traceback as a note; a child that dies fails the batch with its exit status; a batch
that ends, fails or is interrupted ends its children.
"""

import copyreg
import dataclasses
import gc
import inspect
import io
import itertools
import os
import pickle
import signal
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing import Pipe
from multiprocessing.connection import Connection as PipeEnd
from typing import Generic, TypeVar

from sqlalchemy.engine import Connection, Engine

Request = TypeVar("Request")
Loaded = TypeVar("Loaded")

#: How often a waiting batch checks that its reader process is still alive.
_POLL_SECONDS = 0.2
#: How long a finished batch waits for its idle reader to close its connections and exit.
_EXIT_SECONDS = 5.0
#: The exit status of a child someone else reaped.
_STATUS_UNKNOWN = -1
#: Chunks between two garbage collections, in the batch's process and in each reader, while
#: automatic collection is paused: a scale-30 chunk of 2,000 employers leaves about 300 objects in
#: reference cycles, so 50 chunks hold a few MiB of them at most.
COLLECT_EVERY = 50


class ReaderProcessFailed(Exception):
    """The JodGig reader process died, or its error could not be sent back as it was."""


@dataclass(frozen=True)
class ChunkLoader(Generic[Request, Loaded]):
    """How a batch loads (and plans) one chunk of user ids: ``prepare`` in the batch's own process (it
    may read the platform), then ``read`` over a JodGig connection, in the reader process when there
    is one."""

    source: Engine
    read: Callable[[Connection, Request], Loaded]
    prepare: Callable[[Sequence[int]], Request]

    def __call__(self, user_ids: Sequence[int]) -> Loaded:
        request = self.prepare(user_ids)
        with self.source.connect() as conn:
            return self.read(conn, request)


def can_fork() -> bool:
    return hasattr(os, "fork")


class ReaderProcess(Generic[Request, Loaded]):
    """Forked children that load the chunks they are sent with a :class:`ChunkLoader`, in turn:
    chunk *n* goes to child *n* mod ``count``, and :meth:`result` returns the chunks in the order
    they were submitted.

    Use it as a context manager: leaving the block ends every child, whatever happened in it. One
    at a time in a process: the garbage collector's freeze and pause, held while the children live,
    are the whole process's.

    While the children live, the collector does not run on its own, in this process or theirs (they
    inherit the pause): each collects every :data:`COLLECT_EVERY` chunks instead. A chunk's plans
    are tens of thousands of objects that live until written, and a batch's outcomes live until it
    ends; the collector walked them again and again, 0.7 s of CPU over a 10 s full refresh, to free
    the few hundred objects per chunk that sit in reference cycles.
    """

    def __init__(self, loader: ChunkLoader[Request, Loaded], count: int = 1):
        self._loader = loader
        self._children: list[_Child] = []
        self._submitted = self._returned = 0
        self._collecting = gc.isenabled()
        # The heap stays frozen while the children live: a collection walks every object it
        # tracks, writing to its page, which the kernel then copies for the other process.
        gc.freeze()
        gc.disable()
        try:
            for _ in range(count):
                self._children.append(_Child(loader, [child.pipe for child in self._children]))
        except BaseException:
            self.close(kill=True)
            raise

    def __enter__(self) -> "ReaderProcess[Request, Loaded]":
        return self

    def __exit__(self, error_type, error, tb) -> None:
        self.close(kill=error_type is not None)

    def submit(self, user_ids: Sequence[int]) -> None:
        """Start loading these users in the next child; :meth:`result` returns what it loaded."""
        self._children[self._submitted % len(self._children)].pipe.send(self._loader.prepare(user_ids))
        self._submitted += 1

    def result(self) -> Loaded:
        """What was loaded for the earliest submitted chunk not yet returned; waits while its child
        is alive."""
        child = self._children[self._returned % len(self._children)]
        self._returned += 1
        if self._returned % COLLECT_EVERY == 0:
            gc.collect()
        return child.result()

    def close(self, kill: bool = False) -> None:
        """End the children: an idle child closes its JodGig connections and exits; a busy one is killed."""
        for child in self._children:
            child.pipe.close()
        for child in self._children:
            child.end(kill)
        gc.unfreeze()
        if self._collecting:
            gc.enable()


class _Child:
    """One forked reader and the parent's end of its pipe."""

    def __init__(self, loader: ChunkLoader, siblings_pipes: list[PipeEnd]):
        self._exit_status: int | None = None
        self.pipe, child_end = Pipe()
        try:
            self.pid = os.fork()
        except OSError:
            self.pipe.close()
            child_end.close()
            raise
        if self.pid == 0:
            # A sibling's pipe left open here would keep that sibling from seeing its end.
            for pipe in siblings_pipes:
                pipe.close()
            _run_child(self.pipe, child_end, loader)
        child_end.close()

    def result(self):
        while not self.pipe.poll(_POLL_SECONDS):
            if self._exited():
                raise self._died()
        try:
            message = pickle.loads(self.pipe.recv_bytes())
        except EOFError:
            self._wait_for_exit(_EXIT_SECONDS)
            raise self._died() from None
        if message[0] == "error":
            _, error, child_traceback = message
            error.add_note(f"raised in the JodGig reader process (pid {self.pid}):\n{child_traceback}")
            raise error
        return message[1]

    def end(self, kill: bool) -> None:
        """After its pipe is closed: wait for an idle child to exit, kill a busy one."""
        if not kill:
            self._wait_for_exit(_EXIT_SECONDS)
        if not self._exited():
            os.kill(self.pid, signal.SIGKILL)
            self._wait_for_exit(_EXIT_SECONDS)

    def _exited(self) -> bool:
        if self._exit_status is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:  # reaped by someone else (SIGCHLD ignored): it has ended
                pid, status = self.pid, _STATUS_UNKNOWN
            if pid:
                self._exit_status = status
        return self._exit_status is not None

    def _wait_for_exit(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self._exited() and time.monotonic() < deadline:
            time.sleep(0.01)

    def _died(self) -> ReaderProcessFailed:
        status = self._exit_status
        if status is None or status == _STATUS_UNKNOWN:
            how = "ended"
        elif os.WIFSIGNALED(status):
            how = f"was killed by signal {os.WTERMSIG(status)} ({signal.Signals(os.WTERMSIG(status)).name})"
        else:
            how = f"exited with code {os.waitstatus_to_exitcode(status)}"
        return ReaderProcessFailed(
            f"the JodGig reader process (pid {self.pid}) {how} before sending the chunk it was reading; "
            "the batch stopped and the run fails, so the next run covers its window again. If it was "
            "killed for memory (the kernel log says so), give the run more memory."
        )


def _run_child(parent_end: PipeEnd, pipe: PipeEnd, loader: ChunkLoader) -> None:
    """The child's whole life: it never returns into the parent's code."""
    status = 1
    try:
        parent_end.close()
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides, and ends this process
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        loader.source.dispose(close=False)  # the parent's pooled connections stay the parent's
        _serve(pipe, loader)
        loader.source.dispose()
        status = 0
    finally:
        os._exit(status)


def _serve(pipe: PipeEnd, loader: ChunkLoader) -> None:
    for served in itertools.count(1):
        try:
            request = pipe.recv()
        except EOFError:
            return
        try:
            with loader.source.connect() as conn:
                message = ("loaded", loader.read(conn, request))
        except Exception as error:  # noqa: BLE001 - every error goes back to the parent, which raises it
            pipe.send_bytes(_error_message(error))
            return
        pipe.send_bytes(dumps(message))
        if served % COLLECT_EVERY == 0:
            gc.collect()


def _error_message(error: Exception) -> bytes:
    """The error itself when it survives pickling (the parent raises it as it is), else its text."""
    child_traceback = traceback.format_exc()
    try:
        message = dumps(("error", error, child_traceback))
        pickle.loads(message)
        return message
    except Exception:  # noqa: BLE001 - an exception that cannot be pickled is sent as its text
        failed = ReaderProcessFailed(f"reading JodGig failed in the reader process: {type(error).__name__}: {error}")
        return dumps(("error", failed, child_traceback))


class _FieldReducers(dict):
    """Pickle dataclasses as their class and field values: unpickling then calls ``__init__``,
    several times faster than restoring a frozen instance's state attribute by attribute."""

    def __missing__(self, cls: type):
        names = tuple(field.name for field in dataclasses.fields(cls)) if dataclasses.is_dataclass(cls) else None
        if names is not None and tuple(inspect.signature(cls).parameters) == names:
            reducer = lambda obj: (cls, tuple(getattr(obj, name) for name in names))  # noqa: E731
        elif cls in copyreg.dispatch_table:
            reducer = copyreg.dispatch_table[cls]
        else:
            raise KeyError(cls)
        self[cls] = reducer
        return reducer


_REDUCERS = _FieldReducers()


def dumps(value: object) -> bytes:
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _REDUCERS
    pickler.dump(value)
    return buffer.getvalue()
