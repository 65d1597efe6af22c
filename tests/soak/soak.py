"""The soak test's engine: many uploads over real sockets while the sandbox fails at random, then
a count, from the sandbox's own store, that every file is stored exactly once per counter.

``tests/soak/test_soak.py`` runs a small soak in ``make test``; the full one runs in ``make fuzz``
as ``python -m tests.soak.soak --uploads 200`` (or ``CALLFRAME_SOAK_UPLOADS=200 pytest
tests/soak``).

One run:

1. makes ``files`` distinct valid files (calls, and every fourth one offline conversions), each a
   fixture of one ID type (one upload per file) with one cell changed;
2. draws ``uploads`` jobs with a seeded RNG: a counter, a file, the sync or the async client, a
   comment. Files repeat — on the same counter (a re-run that must find the earlier upload and
   send nothing, whatever its comment) and on other counters (a new upload there). Jobs for the
   same (counter, file) run one after another, as a nightly job does not overlap itself (two
   overlapping runs of one job could both see "not uploaded yet": exactly-once rests on the
   lookup, and Metrica has no idempotency key). All else runs at once: ``workers`` threads, async
   jobs sharing one event loop;
3. before each job, with probability ``fault_rate``, queues one random fault in the sandbox, on
   the upload or on the lookup: a 5xx (before or after storing), 429 with ``Retry-After``,
   store-then-drop, a drop before storing, a slow answer, one slower than the client's timeout
   (before or after storing), store-then-drop of an upload listed only ``list_after`` seconds
   later (the client must keep looking rather than send again), or a burst of 5xx longer than
   the client's retries. A fault hits whichever matching request comes next;
4. a job whose retries run out is run again, as a scheduler would, up to ``max_reruns`` times;
5. counts, from the sandbox's store: (counter, file) pairs stored once, duplicates, lost ones,
   uploads nobody asked for, jobs that reported another upload than the stored one, comments
   without their `` cf<hash>`` marker, and errors in the server's log.

Backoff and ``Retry-After`` are slept at ``sleep_scale`` of their length so the run stays short;
timeouts are real (the client gives up after ``client_timeout`` seconds of silence). The fault
plan is seeded; thread timing decides which request each fault hits, so counts vary a little
from run to run, the invariants never.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import anyio
import anyio.from_thread

from callframe.metrica import (
    AsyncMetricaClient,
    MetricaClient,
    MetricaError,
    UploadOutcome,
    UploadResult,
)
from callframe.metrica.sandbox import Fault, Sandbox, serve

__all__ = ["FAULT_KINDS", "SoakConfig", "SoakResult", "main", "run_soak"]

ROOT = Path(__file__).resolve().parents[2]
METRICA = ROOT / "fixtures" / "metrica"
NOW = 1_795_435_200  # 2026-11-23T12:00:00Z, the fixtures' "now"
TOKEN = "soak-token-3c4d5e6f7a8b"

FAULT_KINDS = (
    "5xx",
    "5xx after store",
    "429 + Retry-After",
    "store-then-drop",
    "dropped connection",
    "slow answer",
    "client timeout",
    "listed late",
)
"""How :attr:`SoakResult.faults` names the faults the sandbox applied."""

Kind = Literal["calls", "conversions"]


@dataclass(frozen=True, slots=True)
class SoakConfig:
    uploads: int = 200
    seed: int = 20261123
    counters: tuple[int, ...] = (1001, 1002, 1003)
    files: int | None = None
    """Distinct files; default ``uploads // 3`` (at least 2), so most files repeat."""
    async_share: float = 0.5
    fault_rate: float = 0.6
    workers: int = 6
    client_timeout: float = 1.0
    slow_seconds: float = 0.15
    stall_seconds: float = 1.5
    """A "client timeout" fault answers this late: longer than ``client_timeout``."""
    max_retries: int = 3
    max_reruns: int = 6
    sleep_scale: float = 0.02
    time_limit: float = 300.0
    lost_answer_window: float = 20.0
    """Seconds a lost answer is looked for (slept at ``sleep_scale``: 0.4 s by default)."""
    list_after: float = 0.2
    """A "listed late" upload appears in the list this many real seconds after it was stored:
    longer than the client's first looks, shorter than its whole (scaled) window."""
    force: bool = False
    """Upload with ``force=True`` (no lookup): only to check that the count catches duplicates."""
    only_fault: str | None = None
    """Draw only this kind of fault (one of :data:`FAULT_KINDS`); for the oracle's own tests."""


@dataclass(frozen=True, slots=True)
class _File:
    index: int
    kind: Kind
    path: Path
    sha256: str


@dataclass(frozen=True, slots=True)
class _Job:
    index: int
    counter: int
    file: _File
    flavour: Literal["sync", "async"]

    @property
    def key(self) -> tuple[int, str, str]:
        return (self.counter, self.file.kind, self.file.sha256)


@dataclass(slots=True)
class _Done:
    job: _Job
    outcome: UploadOutcome | None = None
    upload_id: int | None = None
    reruns: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass(slots=True)
class SoakResult:
    config: SoakConfig
    files: int
    jobs: list[_Done]
    faults: Counter[str]
    requests: Counter[str]
    pairs: int
    stored_once: int
    duplicates: int
    lost: int
    unexpected: int
    wrong_ids: int
    bad_comments: int
    server_errors: int
    seconds: float
    timed_out: bool

    @property
    def outcomes(self) -> Counter[str]:
        return Counter(d.outcome.value if d.outcome else "gave up" for d in self.jobs)

    @property
    def reruns(self) -> int:
        return sum(d.reruns for d in self.jobs)

    @property
    def ok(self) -> bool:
        return (
            not self.timed_out
            and len(self.jobs) == self.config.uploads
            and self.outcomes["gave up"] == 0
            and self.stored_once == self.pairs
            and self.duplicates == self.lost == self.unexpected == 0
            and self.wrong_ids == self.bad_comments == self.server_errors == 0
        )

    def figures(self) -> str:
        c = self.config
        flavours = Counter(d.job.flavour for d in self.jobs)
        kinds = Counter(d.job.file.kind for d in self.jobs)
        faults = ", ".join(f"{k} {self.faults[k]}" for k in FAULT_KINDS)
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(self.outcomes.items()))
        errors = Counter(e for d in self.jobs for e in d.errors)
        gave_up = ", ".join(f"{k} {v}" for k, v in sorted(errors.items())) or "none"
        return "\n".join(
            [
                f"soak: {len(self.jobs)} uploads attempted ({flavours['sync']} sync, "
                f"{flavours['async']} async; {kinds['calls']} calls, {kinds['conversions']} "
                f"conversions) to {len(c.counters)} counters, {self.files} distinct files, "
                f"seed {c.seed}",
                f"faults injected: {sum(self.faults.values())} — {faults}",
                f"outcomes: {outcomes}; re-runs after retries ran out {self.reruns} ({gave_up})",
                f"stored once: {self.stored_once} of {self.pairs} (counter, file) pairs; "
                f"duplicates {self.duplicates}; lost {self.lost}; unexpected {self.unexpected}; "
                f"wrong ids reported {self.wrong_ids}; comments without hash "
                f"{self.bad_comments}; server errors {self.server_errors}",
                f"requests: upload {self.requests['upload']}, list {self.requests['list']}; "
                f"{self.seconds:.1f} s (limit {c.time_limit:.0f} s"
                f"{', TIMED OUT' if self.timed_out else ''})",
                f"result: {'OK' if self.ok else 'FAILED'}",
            ]
        )


# --- inputs -----------------------------------------------------------------------------------


def _make_files(folder: Path, n: int) -> list[_File]:
    calls = (METRICA / "calls_client_ids.csv").read_text(encoding="utf-8")
    conversions = (METRICA / "conversions_client_ids.csv").read_text(encoding="utf-8")
    out = []
    for i in range(n):
        kind: Kind = "conversions" if i % 4 == 3 else "calls"
        if kind == "calls":
            text = calls.replace(",repeat,", f",soak-{i:04d},", 1)
        else:
            text = conversions.replace("order_confirmed", f"soak_{i:04d}", 1)
        path = folder / f"{kind}-{i:04d}.csv"
        path.write_text(text, encoding="utf-8")
        out.append(_File(i, kind, path, hashlib.sha256(path.read_bytes()).hexdigest()))
    return out


def _draw_jobs(cfg: SoakConfig, files: list[_File], rng: random.Random) -> list[_Job]:
    return [
        _Job(
            i,
            rng.choice(cfg.counters),
            rng.choice(files),
            "async" if rng.random() < cfg.async_share else "sync",
        )
        for i in range(cfg.uploads)
    ]


def _draw_fault(cfg: SoakConfig, rng: random.Random) -> Fault:
    kind = rng.choices((*FAULT_KINDS, "5xx burst"), weights=(3,) * len(FAULT_KINDS) + (1,))[0]
    kind = cfg.only_fault or kind
    on: Any = rng.choice(["upload", "list"])
    status = rng.choice([500, 502, 503, 504])
    if kind == "5xx":
        return Fault("error", on=on, status=status, after_store=False)
    if kind == "5xx burst":  # outlasts the retries (others' requests take some): a re-run
        return Fault(
            "error", on=on, status=status, after_store=False, times=3 * (cfg.max_retries + 1)
        )
    if kind == "5xx after store":
        return Fault("error", on="upload", status=status, after_store=True)
    if kind == "429 + Retry-After":
        return Fault("rate_limit", on=on, retry_after=rng.choice([0.2, 0.5, 1.0, 2.0, 5.0]))
    if kind == "store-then-drop":
        return Fault("drop", on="upload", after_store=True)
    if kind == "listed late":
        return Fault("drop", on="upload", after_store=True, list_after=cfg.list_after)
    if kind == "dropped connection":
        return Fault("drop", on=on, after_store=False)
    seconds = cfg.slow_seconds if kind == "slow answer" else cfg.stall_seconds
    return Fault("delay", on=on, seconds=seconds, after_store=rng.random() < 0.5)


def _label(fault: Fault, cfg: SoakConfig) -> str:
    stored = bool(fault.after_store) and fault.on == "upload"
    if fault.kind == "error":
        return "5xx after store" if stored else "5xx"
    if fault.kind == "rate_limit":
        return "429 + Retry-After"
    if fault.kind == "drop":
        if stored and fault.list_after > 0:
            return "listed late"
        return "store-then-drop" if stored else "dropped connection"
    return "client timeout" if fault.seconds > cfg.client_timeout else "slow answer"


# --- running ------------------------------------------------------------------------------------


class _ServerErrors(logging.Handler):
    """ERROR records of uvicorn (its loggers do not propagate); attach after the server is made."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    @contextmanager
    def attached(self) -> Iterator[None]:
        logger = logging.getLogger("uvicorn.error")
        logger.addHandler(self)
        try:
            yield
        finally:
            logger.removeHandler(self)


class _Runner:
    def __init__(
        self, cfg: SoakConfig, box: Sandbox, url: str, portal: anyio.from_thread.BlockingPortal
    ) -> None:
        self.cfg = cfg
        self.box = box
        self.portal = portal
        self.injected = 0
        self.lock = threading.Lock()
        self.stop = threading.Event()
        scale = cfg.sleep_scale

        def sleep(seconds: float) -> None:
            time.sleep(seconds * scale)

        async def asleep(seconds: float) -> None:
            await anyio.sleep(seconds * scale)

        options: dict[str, Any] = {
            "token": TOKEN,
            "base_url": url,
            "timeout": cfg.client_timeout,
            "max_retries": cfg.max_retries,
            "lost_answer_window": cfg.lost_answer_window,
        }
        self.sync = {
            c: MetricaClient(c, sleep=sleep, random=random.Random(c).random, **options)
            for c in cfg.counters
        }

        async def make_async() -> dict[int, AsyncMetricaClient]:
            return {
                c: AsyncMetricaClient(c, sleep=asleep, random=random.Random(-c).random, **options)
                for c in cfg.counters
            }

        self.async_ = portal.call(make_async)

    def close(self) -> None:
        for client in self.sync.values():
            client.close()
        for aclient in self.async_.values():
            self.portal.call(aclient.aclose)

    def _maybe_fault(self, rng: random.Random) -> None:
        if rng.random() >= self.cfg.fault_rate:
            return
        fault = _draw_fault(self.cfg, rng)
        with self.lock:
            # keep the queue short, so faults land near the job that drew them
            if self.injected - len(self.box.faults_applied) >= self.cfg.workers:
                return
            self.injected += fault.times
            self.box.inject(fault)

    def _upload(self, job: _Job) -> UploadResult:
        comment = f"soak job {job.index}"  # differs per job: the hash, not the comment, matches
        path = job.file.path
        force = self.cfg.force
        if job.flavour == "sync":
            client = self.sync[job.counter]
            if job.file.kind == "calls":
                return client.upload_calls(path, comment=comment, now=NOW, force=force)
            return client.upload_conversions(path, comment=comment, now=NOW, force=force)
        aclient = self.async_[job.counter]

        async def go() -> UploadResult:
            if job.file.kind == "calls":
                return await aclient.upload_calls(path, comment=comment, now=NOW, force=force)
            return await aclient.upload_conversions(path, comment=comment, now=NOW, force=force)

        return self.portal.call(go)

    def run_chain(self, chain: list[_Job], seed: int) -> list[_Done]:
        rng = random.Random(seed)
        out = []
        for job in chain:
            done = _Done(job)
            out.append(done)
            if self.stop.is_set():
                done.errors.append("not run: time limit")
                continue
            self._maybe_fault(rng)
            while True:
                try:
                    result = self._upload(job)
                except MetricaError as exc:  # retries ran out: "re-running is safe"
                    done.errors.append(type(exc).__name__)
                    if done.reruns >= self.cfg.max_reruns or self.stop.is_set():
                        break
                    done.reruns += 1
                    continue
                done.outcome = result.outcome
                done.upload_id = result.upload.id
                break
        return out


def _run_chains(
    cfg: SoakConfig,
    box: Sandbox,
    url: str,
    portal: anyio.from_thread.BlockingPortal,
    chains: dict[tuple[int, str, str], list[_Job]],
    deadline: float,
) -> tuple[list[_Done], bool]:
    """Every chain in the thread pool; past ``deadline`` no new job starts (running ones end
    within their retries and timeouts). Returns the jobs done and whether time ran out."""
    runner = _Runner(cfg, box, url, portal)
    timed_out = False
    try:
        with ThreadPoolExecutor(cfg.workers, "soak") as pool:
            futures = [
                pool.submit(runner.run_chain, chain, cfg.seed * 7919 + n)
                for n, chain in enumerate(chains.values())
            ]
            for future in futures:
                try:
                    future.result(timeout=max(deadline - time.monotonic(), 0.001))
                except TimeoutError:
                    timed_out = True
                    runner.stop.set()
                    break
        return [d for f in futures for d in f.result()], timed_out
    finally:
        runner.close()


def run_soak(cfg: SoakConfig, *, log: Callable[[str], None] | None = None) -> SoakResult:
    """Run one soak (see the module docstring) and count what the sandbox stored."""
    rng = random.Random(cfg.seed)
    n_files = cfg.files if cfg.files is not None else max(2, cfg.uploads // 3)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="callframe-soak-") as tmp:
        files = _make_files(Path(tmp), n_files)
        jobs = _draw_jobs(cfg, files, rng)
        chains: dict[tuple[int, str, str], list[_Job]] = {}
        for job in jobs:
            chains.setdefault(job.key, []).append(job)
        # the sandbox's time runs from the fixtures' "now" at the real pace ("listed late")
        box = Sandbox(TOKEN, processing_seconds=0, clock=lambda: NOW + (time.monotonic() - started))
        server_errors = _ServerErrors()
        try:
            with (
                serve(box) as url,
                server_errors.attached(),  # after serve(): uvicorn resets its loggers
                anyio.from_thread.start_blocking_portal() as portal,
            ):
                deadline = started + cfg.time_limit
                done, timed_out = _run_chains(cfg, box, url, portal, chains, deadline)
            stored = box.stored()
            applied = list(box.faults_applied)
            requests = Counter(box.requests)
        finally:
            box.close()
    seconds = time.monotonic() - started

    by_key = Counter((r["counter_id"], r["kind"], r["sha256"]) for r in stored)
    ids = {(r["counter_id"], r["kind"], r["sha256"]): r["id"] for r in stored}
    expected = set(chains)
    done.sort(key=lambda d: d.job.index)
    result = SoakResult(
        config=cfg,
        files=n_files,
        jobs=done,
        faults=Counter(_label(f, cfg) for f in applied),
        requests=requests,
        pairs=len(expected),
        stored_once=sum(1 for k in expected if by_key[k] == 1),
        duplicates=sum(n - 1 for n in by_key.values() if n > 1),
        lost=sum(1 for k in expected if by_key[k] == 0),
        unexpected=sum(n for k, n in by_key.items() if k not in expected),
        wrong_ids=sum(
            1 for d in done if d.upload_id is not None and ids.get(d.job.key) != d.upload_id
        ),
        bad_comments=sum(
            1 for r in stored if not str(r["comment"] or "").endswith(f" cf{r['sha256'][:12]}")
        ),
        server_errors=len(server_errors.records),
        seconds=seconds,
        timed_out=timed_out,
    )
    if log is not None:
        log(result.figures())
    return result


def main(argv: list[str] | None = None) -> int:
    defaults = SoakConfig()
    parser = argparse.ArgumentParser(
        prog="python -m tests.soak.soak",
        description="Upload many files through random faults; check each is stored exactly once.",
    )
    parser.add_argument("--uploads", type=int, default=defaults.uploads)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--workers", type=int, default=defaults.workers)
    parser.add_argument("--fault-rate", type=float, default=defaults.fault_rate)
    parser.add_argument("--time-limit", type=float, default=defaults.time_limit)
    args = parser.parse_args(argv)
    cfg = SoakConfig(
        uploads=args.uploads,
        seed=args.seed,
        workers=args.workers,
        fault_rate=args.fault_rate,
        time_limit=args.time_limit,
    )
    result = run_soak(cfg, log=print)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
