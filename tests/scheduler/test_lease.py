"""One scheduler across replicas: the lease is taken, renewed, and taken over only once it expired."""

from __future__ import annotations

from datetime import timedelta

from bot.core.clock import ManualClock
from storage import lease
from tests.scheduler.conftest import local, scheduler_service


def test_the_lease_has_one_holder_until_it_expires_and_then_another_takes_over(db, clock):
    now = clock.now()
    minute = timedelta(seconds=60)
    with db.session() as session:
        assert lease.try_acquire(session, "scheduler", "a", duration=minute, now=now)
    with db.session() as session:
        assert not lease.try_acquire(session, "scheduler", "b", duration=minute, now=now + timedelta(seconds=30))
    with db.session() as session:
        assert lease.try_acquire(session, "scheduler", "a", duration=minute, now=now + timedelta(seconds=50))  # renew
    with db.session() as session:
        assert not lease.try_acquire(session, "scheduler", "b", duration=minute, now=now + timedelta(seconds=100))
    with db.session() as session:
        assert lease.try_acquire(session, "scheduler", "b", duration=minute, now=now + timedelta(seconds=111))
        assert lease.current(session, "scheduler").holder == "b"


def test_a_replica_without_the_lease_does_nothing(db, sched_settings):
    clock = ManualClock(local(2026, 11, 30, 9))
    leader = scheduler_service(sched_settings, db, clock, holder="leader")
    follower = scheduler_service(sched_settings, db, clock, holder="follower")
    assert leader.is_leader() and not follower.is_leader()
    clock.advance(sched_settings.scheduler_lease_seconds + 1)  # the leader died and stopped renewing
    assert follower.is_leader() and not leader.is_leader()


def test_the_scheduler_starts_with_named_days_explicit_zones_and_a_grace_and_stops_cleanly(db, sched_settings, clock):
    service = scheduler_service(sched_settings, db, clock).start()
    try:
        jobs = {job.id: job for job in service.scheduler.get_jobs()}
        digest = jobs["digest"]
        assert str(digest.trigger.timezone) == "Europe/Stockholm"
        assert "day_of_week='mon'" in str(digest.trigger)
        assert digest.misfire_grace_time >= 15 * 60 and digest.coalesce
    finally:
        service.shutdown()
    with db.session() as session:
        assert lease.current(session, "scheduler").expires_at is not None


def test_serve_runs_the_scheduler_in_its_lifespan_and_stops_it_with_the_app(db, settings, clock):
    import httpx

    from bot.web.app import create_app
    from tests.conftest import serving
    from tests.slack.conftest import AppServer
    from tests.slack.standin import wait_until

    app = create_app(serving(settings, clock, db), run_scheduler=True)
    with AppServer(app) as served:  # uvicorn on a real port, lifespan and all
        assert httpx.get(f"{served.url}/healthz").status_code == 200

        def leased() -> bool:
            with db.session() as session:
                return lease.current(session, "scheduler") is not None

        wait_until(leased, 10, "the scheduler to take its lease")
    with db.session() as session:  # shut down: the lease is given up for the next replica
        assert lease.current(session, "scheduler").expires_at.replace(tzinfo=None) <= clock.now().replace(tzinfo=None)


def test_a_digest_that_fired_during_a_lease_handover_is_sent_by_the_replica_that_takes_over(db, core,
                                                                                            sched_settings):
    from tests.scheduler.test_digests import digests, make_manager

    make_manager(db, "slack:UORG")
    clock = ManualClock(local(2026, 11, 30, 7, 59, 30))
    dead_leader = scheduler_service(sched_settings, db, clock, holder="a")
    replica = scheduler_service(sched_settings, db, clock, holder="b")
    assert dead_leader.keep_lease()  # ...and then the process dies, its lease still valid for a minute
    clock.advance(30)
    replica.run_digest()  # Monday 08:00: the digest job fires where the lease is not held: skipped
    assert digests(db) == {}
    clock.advance(sched_settings.scheduler_lease_seconds)
    assert replica.keep_lease()  # the lease lapsed: taken over, and what was skipped is caught up
    assert list(digests(db)) == ["UORG"]
    assert replica.keep_lease()  # renewing does not catch up again
