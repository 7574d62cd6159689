"""Capacity is never exceeded and the waiting list keeps arrival order under a storm of
simultaneous registrations, on SQLite and PostgreSQL alike."""
import threading
import time
from datetime import datetime

from sqlalchemy import select

from portal.accounts.models import Account
from portal.extensions import db
from portal.open_days.models import OpenRegistration, OpenSlot
from portal.open_days.queries import waiting_position
from portal.open_days.services import register

CLIENTS = 200
SEATS = 20


def test_simultaneous_registrations_fill_the_seats_and_queue_the_rest(app, f):
    slot = f.open_activity(slots=[(datetime(2026, 8, 10, 9), datetime(2026, 8, 10, 11), SEATS)]).slots[0]
    account_ids = [f.resident().id for _ in range(CLIENTS)]
    slot_id = slot.id
    db.session.commit()
    db.session.remove()

    barrier = threading.Barrier(CLIENTS, timeout=60)
    results: dict[int, tuple[str, int | None, int | None]] = {}
    errors: list[BaseException] = []
    durations: list[float] = []
    lock = threading.Lock()

    def client(account_id: int) -> None:
        with app.app_context():
            try:
                barrier.wait()
                # What a request does: load the account and the slot, register, commit.
                started = time.perf_counter()
                account = db.session.get(Account, account_id)
                target = db.session.get(OpenSlot, slot_id)
                registration = register(target, account, {"name": "王五", "mobile": "13900000000"})
                db.session.commit()
                answer = (registration.status, registration.queue_no, waiting_position(registration))
                elapsed = time.perf_counter() - started
                with lock:
                    results[account_id] = answer
                    durations.append(elapsed)
            except BaseException as error:  # noqa: BLE001 - every failure is a test failure
                with lock:
                    errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=client, args=(account_id,)) for account_id in account_ids]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = time.perf_counter() - started

    assert not errors, errors[:3]
    assert len(results) == CLIENTS
    statuses = [status for status, _q, _p in results.values()]
    assert statuses.count("confirmed") == SEATS
    assert statuses.count("waiting") == CLIENTS - SEATS
    # Every waiting client was told a distinct position; numbers 1..180 without gaps or duplicates.
    queue_numbers = sorted(q for status, q, _p in results.values() if status == "waiting")
    assert queue_numbers == list(range(1, CLIENTS - SEATS + 1))

    rows = db.session.scalars(select(OpenRegistration).where(OpenRegistration.slot_id == slot_id)).all()
    assert len(rows) == CLIENTS
    assert sum(r.status == "confirmed" for r in rows) == SEATS
    waiting = sorted((r for r in rows if r.status == "waiting"), key=lambda r: r.queue_no)
    # Arrival order: a lower queue number was created (committed its number) no later.
    assert [r.queue_no for r in waiting] == list(range(1, CLIENTS - SEATS + 1))
    assert all(a.id < b.id or a.created_at <= b.created_at for a, b in zip(waiting, waiting[1:], strict=False))
    assert [waiting_position(r) for r in waiting] == list(range(1, CLIENTS - SEATS + 1))
    stored = db.session.get(OpenSlot, slot_id)
    assert (stored.confirmed_count, stored.waiting_count, stored.next_queue_no) == (SEATS, CLIENTS - SEATS,
                                                                                    CLIENTS - SEATS)
    durations.sort()
    print(f"\n{db.engine.dialect.name}: {CLIENTS} registrations for {SEATS} seats in {total:.2f}s; "
          f"median {durations[len(durations) // 2] * 1000:.0f} ms, "
          f"p99 {durations[int(len(durations) * 0.99) - 1] * 1000:.0f} ms, max {durations[-1] * 1000:.0f} ms")


def test_simultaneous_cancellations_promote_each_waiting_person_once(app, f):
    seats, waiting_count = 10, 15
    slot = f.open_activity(slots=[(datetime(2026, 8, 10, 9), datetime(2026, 8, 10, 11), seats)]).slots[0]
    regs = [register(slot, f.resident(), {"name": "赵六", "mobile": "13900000001"})
            for _ in range(seats + waiting_count)]
    confirmed_ids = [r.id for r in regs if r.status == "confirmed"]
    slot_id = slot.id
    db.session.commit()
    db.session.remove()
    barrier = threading.Barrier(len(confirmed_ids), timeout=60)
    errors: list[BaseException] = []

    def cancel_one(registration_id: int) -> None:
        from portal.open_days.services import cancel

        with app.app_context():
            try:
                barrier.wait()
                registration = db.session.get(OpenRegistration, registration_id)
                cancel(registration, registration.account)
                db.session.commit()
            except BaseException as error:  # noqa: BLE001
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=cancel_one, args=(rid,)) for rid in confirmed_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[:3]
    rows = db.session.scalars(select(OpenRegistration).where(OpenRegistration.slot_id == slot_id)).all()
    promoted = sorted(r.queue_no for r in rows if r.status == "confirmed")
    assert promoted == list(range(1, seats + 1))  # the first ten waiting, in order
    assert sorted(r.queue_no for r in rows if r.status == "waiting") == list(range(seats + 1, waiting_count + 1))
    stored = db.session.get(OpenSlot, slot_id)
    assert (stored.confirmed_count, stored.waiting_count) == (seats, waiting_count - seats)
