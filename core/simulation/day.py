"""One simulated day driven through the real `QueueService`.

The same code the API calls issues, calls, starts, finishes, transfers and marks no-shows, on
a temporary database of the configured kind (core/simulation/database.py), with a SimPy
environment as its clock: a day takes seconds. Booked visitors book their slot the day before
and check in at the kiosk on arrival through the booking desk the API calls. The day keeps its
own record of every visitor (what they were told and when they were really called) for the
report; nothing it records is read back from the system it measures except what a visitor or
officer would see.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time, timedelta
from typing import Any

import numpy as np
import simpy

from core.booking import slots
from core.bookings_desk import BookingDesk
from core.config import Settings
from core.context import Actor, MallContext
from core.forecast import Span
from core.handlers import QueueService
from core.simulation.database import temporary_database
from core.simulation.history import write_days_before
from core.simulation.model import NO_SHOW_MINUTES, WALK_MINUTES, SimClock
from core.simulation.oracle import Oracle
from core.simulation.records import DayResult, Estimate, VisitorRecord
from core.simulation.scenario import Scenario
from core.store import UnitOfWork, make_engine
from core.tickets import DomainError, Priority
from core.views.estimates import estimate_accuracy

KIOSK = Actor("kiosk", "sim-kiosk", kiosk="SIM")
# The key of the NIK's hash in the day's throw-away database (the server keeps its own).
BOOKING_SECRET = b"simulated day"
# When booked visitors book: at noon the day before, so that no same-day cut-off applies.
BOOKED_AT = time(12, 0)


class Day:
    def __init__(
        self,
        scenario: Scenario,
        *,
        seed: int | None = None,
        oracle: bool = True,
        database: str | None = None,
        oracle_workers: int | None = None,
    ):
        """`database`: a URL whose kind (and PostgreSQL server) the day runs on instead of the
        settings' `database_url`; the day always gets a temporary database of its own.
        `oracle_workers`: processes that play the oracle (0: in this one)."""
        self.scenario = scenario
        self.seed = scenario.file.seed if seed is None else seed
        self.database = database or scenario.settings.database_url
        # A stream per purpose: the booking draws (a fourth child) and the day before's
        # (a fifth) leave the first three, and so the days' own draws, as they were.
        streams = np.random.SeedSequence(self.seed).spawn(5)
        self.rng_arrivals = np.random.default_rng(streams[0])
        self.rng_work = np.random.default_rng(streams[1])
        self.rng_booking = np.random.default_rng(streams[3])
        self.rng_history = np.random.default_rng(streams[4])
        self.use_oracle = oracle
        # The oracle draws from its own streams (streams[2] and the visitor's number).
        self.oracle = Oracle(scenario, self.seed, workers=oracle_workers)
        self.env = simpy.Environment()
        self.windows = scenario.counter_windows()
        self.visitors: list[VisitorRecord] = []
        self.by_id: dict[str, VisitorRecord] = {}
        self.counter_status: dict[int, str] = {n: "closed" for n in self.windows}
        self.counter_current: dict[int, VisitorRecord | None] = {n: None for n in self.windows}
        self.streaks: dict[int, int] = {n: 0 for n in self.windows}
        self.idle: dict[str, list[simpy.Event]] = {}
        self.done_minutes: dict[str, list[float]] = {}
        self.busy: dict[int, list[tuple[float, float]]] = {n: [] for n in self.windows}
        self.waiting_in: dict[str, int] = {}  # visitors waiting per service, as the day knows
        self.mean_done: dict[str, tuple[int, float]] = {}  # per service: (visits, mean)
        self.queue_length: list[tuple[float, int]] = []

    # ------------------------------------------------------------------ set-up
    def run(self) -> DayResult:
        try:
            with temporary_database(self.database) as url:
                settings = dataclasses.replace(self.scenario.settings, database_url=url)
                engine = make_engine(url)
                try:
                    return self._run(settings, engine)
                finally:
                    engine.dispose()  # before the database is dropped
        finally:
            self.oracle.close()

    def _run(self, settings: Settings, engine: Any) -> DayResult:
        tz = settings.mall.tz
        self.clock = SimClock.for_day(self.scenario.day, tz, self.env)
        self.queue = QueueService(settings, UnitOfWork(engine), None, clock=self.clock)
        self.desk = BookingDesk(self.queue.ctx, BOOKING_SECRET)
        # The staffing plan of the day: the estimate knows the counters' hours and breaks.
        spans = {n: [Span(w.start, w.end) for w in ws] for n, ws in self.windows.items()}
        self.queue.ctx.estimator.plan = lambda day: spans
        first = min(
            [w[0].start for w in self.windows.values() if w]
            + [min(self.scenario.arrivals(s).per_hour, default=24) * 60.0 for s in self._codes]
        )
        self.env.run(until=max(0.0, first - 30))
        self.queue.ensure_ready()
        days_before = self.scenario.file.history_days
        write_days_before(self.scenario, engine, self.queue.mall, self.rng_history, days_before)
        self._draw_visitors()
        self._book_ahead(settings)
        for visitor in self.visitors:
            self.env.process(self._arrive(visitor))
        for number in self.windows:
            self.env.process(self._counter(number))
        self.env.process(self._sample())
        end = max(w[-1].end for w in self.windows.values() if w)
        self.env.run(until=end + 1)
        if self.use_oracle:
            self.oracle.finish()  # the answers played in other processes meanwhile
        for visitor in self.visitors:
            if visitor.state == "new":  # came after the last counter closed: no ticket
                visitor.state, visitor.refused = "refused", "AfterClosing"
            elif visitor.state == "waiting":
                visitor.state = "unserved"
        self.queue.ctx.promises.flush(self.queue.uow)
        with self.queue.uow.reading() as conn:
            day = self.scenario.day
            recorded = estimate_accuracy(self.queue.ctx, conn, day, day)
        return DayResult(
            self.scenario,
            self.seed,
            self.visitors,
            self.queue_length,
            self.busy,
            self.windows,
            recorded["overall"],
        )

    @property
    def _codes(self) -> list[str]:
        return sorted(self.scenario.file.services)

    def _draw_visitors(self) -> None:
        arrivals = []
        for code in self._codes:
            day = self.scenario.file.services[code]
            times = self.scenario.arrivals(code).draw(self.rng_arrivals)
            for t in times:
                arrivals.append((float(t), code))
        arrivals.sort()
        rng = self.rng_work
        for i, (t, code) in enumerate(arrivals):
            day = self.scenario.file.services[code]
            targets = list(day.transfers)
            transfer = None
            if targets:
                u, acc = rng.random(), 0.0
                for target in targets:
                    acc += day.transfers[target]
                    if u < acc:
                        transfer = target
                        break
            self.visitors.append(
                VisitorRecord(
                    index=i,
                    service=code,
                    priority=bool(rng.random() < day.priority),
                    arrive=t,
                    no_show=bool(rng.random() < day.no_show),
                    service_minutes=float(self.scenario.service_time(code).draw(rng)),
                    transfer_to=transfer,
                    transfer_minutes=float(self.scenario.service_time(transfer).draw(rng))
                    if transfer
                    else 0.0,
                    current_service=code,
                    # From a stream of its own, drawn for everyone: see __init__.
                    booked=bool(self.rng_booking.random() < day.booked),
                )
            )

    # ------------------------------------------------------------------ bookings
    def _book_ahead(self, settings: Settings) -> None:
        """Booked visitors book before the day, through the booking use case the API calls,
        on a clock of the day before (of the day itself, at midnight, when the service books
        no day ahead), in a random order: when a slot is full the next nearest one that
        covers their arrival is tried; with none left they come as walk-ins."""
        wanted = [v for v in self.visitors if v.booked]
        if not wanted:
            return
        day = self.scenario.day
        tz = settings.mall.tz

        def desk_at(moment: datetime) -> BookingDesk:
            ctx = MallContext(settings, self.queue.uow, None, clock=lambda: moment)
            return BookingDesk(ctx, BOOKING_SECRET)

        day_before = desk_at(datetime.combine(day - timedelta(days=1), BOOKED_AT, tz))
        same_day = desk_at(datetime.combine(day, time(0), tz))
        for k in self.rng_booking.permutation(len(wanted)):
            visitor = wanted[int(k)]
            ahead = slots.rules(settings, visitor.service).horizon_days >= 1
            desk = day_before if ahead else same_day
            visitor.booking_refused = "no_slot"  # until a slot covers their arrival
            for label, start in self._slots_covering(settings, visitor, day):
                try:
                    booking = desk.book(visitor.service, day.isoformat(), label, _nik(visitor))
                except DomainError as refusal:
                    visitor.booking_refused = getattr(refusal, "code", type(refusal).__name__)
                    if visitor.booking_refused == "slot_full":
                        continue
                    break
                visitor.booking_code, visitor.booking_refused = booking["code"], None
                visitor.booked_slot = start
                break

    def _slots_covering(
        self, settings: Settings, visitor: VisitorRecord, day: date
    ) -> list[tuple[str, float]]:
        """The slots in whose check-in window the visitor arrives, nearest start first (a
        visitor books the slot they mean to come at): (label, start in minutes)."""
        window = slots.rules(settings, visitor.service).arrival_window
        found = []
        for slot in slots.day_slots(settings, visitor.service, day):
            start = slot.start.hour * 60.0 + slot.start.minute
            if start - window.before_min <= visitor.arrive <= start + window.after_min:
                found.append((abs(start - visitor.arrive), start, slot.label))
        return [(label, start) for _, start, label in sorted(found)]

    # ------------------------------------------------------------------ visitors
    def _arrive(self, visitor: VisitorRecord):  # type: ignore[no-untyped-def]
        yield self.env.timeout(visitor.arrive - self.env.now)
        try:
            if visitor.booking_code is not None:
                view, _ = self.desk.check_in(visitor.booking_code, KIOSK)
                # The check-in takes no priority (core/usecases/check_in.py): the ticket, and
                # so the call order, has none.
                visitor.priority = False
            else:
                view = self.queue.issue_ticket(
                    visitor.service, Priority.ELDERLY.value if visitor.priority else None, KIOSK
                )
        except DomainError as refusal:
            visitor.state, visitor.refused = "refused", type(refusal).__name__
            return
        visitor.ticket_id = view["id"]
        visitor.channel = view.get("channel")
        if view.get("slot"):
            hour, minute = view["slot"].split(":")
            visitor.slot_start = int(hour) * 60.0 + int(minute)
        visitor.state = "waiting"
        code = visitor.current_service
        self.waiting_in[code] = self.waiting_in.get(code, 0) + 1
        self.by_id[view["id"]] = visitor
        estimate = self._estimate_from(view, visitor)
        # Those who came before wait ahead of the newcomer (those after have not come yet).
        estimate.baseline = self._baseline(visitor, self.waiting_in[code] - 1)
        if self.use_oracle and visitor.index % self.scenario.file.oracle.every == 0:
            self.oracle.ask(self, visitor, estimate)
        visitor.estimates.append(estimate)
        self._wake(visitor.service)

    def _estimate_from(self, view: dict[str, Any], visitor: VisitorRecord) -> Estimate:
        eta_range = view.get("eta_range")
        return Estimate(
            at=self.env.now,
            ahead=view.get("ahead"),
            model=view.get("eta_minutes"),
            low=eta_range[0] if eta_range else view.get("eta_minutes"),
            high=eta_range[1] if eta_range else view.get("eta_minutes"),
            not_today=view.get("eta_today") is False,
        )

    def _baseline(self, visitor: VisitorRecord, ahead: int) -> float | None:
        """The naive estimate: people ahead in the same service × today's average service
        time ÷ the open counters that serve it (whole counters, breaks and priority ignored)."""
        code = visitor.current_service
        counters = [
            c.number
            for c in self.scenario.settings.counters_serving(code)
            if self.counter_status.get(c.number) == "open"
        ]
        if not counters:
            return None
        done = self.done_minutes.get(code)
        if not done:
            return (
                ahead * self.scenario.settings.service(code).default_service_minutes / len(counters)
            )
        if self.mean_done.get(code, (0, 0.0))[0] != len(done):
            self.mean_done[code] = (len(done), float(np.mean(done)))
        return ahead * self.mean_done[code][1] / len(counters)

    def _wake(self, service: str) -> None:
        for event in self.idle.pop(service, []):
            if not event.triggered:
                event.succeed()

    # ------------------------------------------------------------------ counters
    def _counter(self, number: int):  # type: ignore[no-untyped-def]
        env, queue = self.env, self.queue
        actor = Actor("officer", f"sim-officer-{number}", counter=number)
        services = self.scenario.settings.counter(number).services
        spans = self.windows[number]
        for k, span in enumerate(spans):
            if span.start > env.now:
                yield env.timeout(span.start - env.now)
            queue.set_counter_status(number, "open", None, actor)
            self.counter_status[number] = "open"
            while env.now < span.end:
                called = queue.call_next(number, actor)
                if called is None:
                    wake = env.event()
                    for code in services:
                        self.idle.setdefault(code, []).append(wake)
                    yield env.any_of([wake, env.timeout(span.end - env.now)])
                    continue
                yield from self._serve(number, actor, self.by_id[called["id"]], called)
            last = k == len(spans) - 1
            status = "closed" if last else "break"
            queue.set_counter_status(number, status, None if last else "Istirahat", actor)
            self.counter_status[number] = status

    def _serve(self, number: int, actor: Actor, visitor: VisitorRecord, view: dict[str, Any]):  # type: ignore[no-untyped-def]
        env, queue = self.env, self.queue
        start = env.now
        first_leg = visitor.called is None
        if first_leg:
            visitor.called = start
        visitor.state = "called"
        self.waiting_in[visitor.current_service] -= 1
        self.counter_current[number] = visitor
        self.streaks[number] = self.streaks[number] + 1 if visitor.priority else 0
        if visitor.no_show and first_leg:
            yield env.timeout(NO_SHOW_MINUTES)
            queue.act(visitor.ticket_id, "no_show", actor)  # type: ignore[arg-type]
            visitor.state, visitor.finished = "no_show", env.now
        else:
            yield env.timeout(WALK_MINUTES)
            queue.act(visitor.ticket_id, "start", actor)  # type: ignore[arg-type]
            visitor.started = env.now
            minutes = visitor.service_minutes if first_leg else visitor.transfer_minutes
            yield env.timeout(minutes)
            self.done_minutes.setdefault(visitor.current_service, []).append(minutes)
            if first_leg and visitor.transfer_to:
                queue.transfer(visitor.ticket_id, visitor.transfer_to, actor)  # type: ignore[arg-type]
                visitor.current_service = visitor.transfer_to
                visitor.state = "waiting"
                self.waiting_in[visitor.transfer_to] = (
                    self.waiting_in.get(visitor.transfer_to, 0) + 1
                )
                self._wake(visitor.transfer_to)
            else:
                queue.act(visitor.ticket_id, "finish", actor)  # type: ignore[arg-type]
                visitor.state, visitor.finished = "done", env.now
        self.counter_current[number] = None
        self.busy[number].append((start, env.now))

    # ------------------------------------------------------------------ the phone page
    def _sample(self):  # type: ignore[no-untyped-def]
        """Every few minutes, what each waiting visitor's phone page says (the live ETA)."""
        every = self.scenario.file.sample_minutes
        while True:
            yield self.env.timeout(every - self.env.now % every)
            waiting = [v for v in self.visitors if v.state == "waiting" and v.called is None]
            self.queue_length.append((self.env.now, sum(self.waiting_in.values())))
            by_service: dict[str, int] = {}
            # Every page at this moment, read in one transaction as one page would read it.
            statuses = self.queue.ticket_statuses([v.ticket_id for v in waiting])  # type: ignore[misc]
            # In issue order: the naive "ahead" counts up per service.
            for visitor, status in zip(waiting, statuses, strict=True):
                estimate = self._estimate_from(status, visitor)
                code = visitor.current_service
                estimate.baseline = self._baseline(visitor, by_service.get(code, 0))
                by_service[code] = by_service.get(code, 0) + 1
                visitor.estimates.append(estimate)


def _nik(visitor: VisitorRecord) -> str:
    """A NIK of the right structure, one per visitor (one active booking per NIK, service
    and day): Kota Malang's region code, a birth date, and the visitor's number as the serial
    (the district moves on past 9,999 visitors)."""
    district, serial = divmod(visitor.index, 9999)
    return f"3573{district % 99 + 1:02d}010190{serial + 1:04d}"
