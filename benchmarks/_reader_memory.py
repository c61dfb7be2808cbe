"""The memory a job's JodGig reader processes add: sampled, since a child's own peak overstates it.

A reader process is forked from the job's process: until either writes to a page, they share it,
and the kernel counts it in both ``VmHWM``s. What the child adds is its private memory (USS:
``Private_Clean + Private_Dirty`` in ``/proc/<pid>/smaps_rollup``). This samples, every second
while the job runs, this process's RSS plus the USS of each of its children, and keeps the
peak of that sum and of the children's USS alone. The job's peak is then the larger of this
process's ``VmHWM`` (which sampling could miss) and the sampled peak of the sum.
"""

import re
import threading
from pathlib import Path

#: Sampling period: a reader lives for one batch step, several seconds of chunks of 2,000 users,
#: and its private memory grows as the job writes pages they shared. Each sample costs the
#: measured job about 9 ms of CPU on the CI machine (the kernel walks the reader's page tables for
#: ``smaps_rollup``): every 250 ms that was 0.8 s of a 22 s scale-30 full sync, every 50 ms
#: 0.2-0.5 s of a 5.5 s scale-10 one on a faster machine.
_PERIOD_SECONDS = 1.0


class ChildMemorySampler:
    """Use as a context manager around the job: :attr:`children_peak_mib` is the children's peak USS,
    :attr:`with_children_peak_mib` the peak of this process's RSS plus their USS."""

    def __init__(self) -> None:
        self.children_peak_mib = 0.0
        self.with_children_peak_mib = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="child-memory-sampler", daemon=True)

    def __enter__(self) -> "ChildMemorySampler":
        self._thread.start()
        return self

    def __exit__(self, *_) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.wait(_PERIOD_SECONDS):
            children = sum(_private_kib(pid) for pid in _children()) / 1024
            self.children_peak_mib = max(self.children_peak_mib, children)
            self.with_children_peak_mib = max(self.with_children_peak_mib, _own_rss_kib() / 1024 + children)


def _own_rss_kib() -> int:
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE).group(1))


def _children() -> list[int]:
    pids = []
    for children in Path("/proc/self/task").glob("*/children"):
        try:
            pids += [int(pid) for pid in children.read_text().split()]
        except OSError:  # the thread ended meanwhile
            continue
    return pids


def _private_kib(pid: int) -> int:
    try:
        lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
    except OSError:  # the child ended meanwhile
        return 0
    return sum(int(line.split()[1]) for line in lines if line.startswith(("Private_Clean:", "Private_Dirty:")))
