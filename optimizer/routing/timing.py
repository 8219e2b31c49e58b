"""The one route schedule and the one route cost, on plain integers.

Everything that times or prices a route calls these two functions: the routing
model (:meth:`~optimizer.routing.model.Model.schedule`, its evaluation, its
check and the cheapest-insertion construction) and, through the thin domain
adapter :mod:`optimizer.planning.schedule`, the greedy, the planner and plan building.
They know nothing of nurses or pumps: travel times, time windows, service
durations and money are integers in the caller's units.

Timing semantics
----------------
A route departs at ``departure >= earliest_departure``; it arrives at stop ``k``
at ``previous end + travel[k]``; service starts at ``max(arrival, tw_early[k])``
and must start no later than ``tw_late[k]``; it ends ``service[k]`` later; the
route is back at ``last end + travel[-1] <= latest_return``. The schedule
returned is the least-duration one: the earliest return the order allows, and
the latest departure that still makes it (so no waiting is paid before the
first stop). Waiting at a stop is ``start - arrival``.

Blocked intervals (``blocked``, half-open ``[a, b)``; in the domain: part-day
time off) hold no service, no drive and no break: a drive or a service that
would overlap one starts at its end instead. Waiting across one is allowed.

Breaks: when the least duration without a break exceeds ``break_after``, the
route takes one break of ``break_duration`` between two visits: at the next
stop's door after the drive to it (absorbed by waiting when the wait is long
enough). A route of one visit takes it at that door before the visit or after
it before the drive back. Every gap is tried as a pseudo
stop of service ``break_duration`` (the forward and backward passes treat it as
service); the one with the earliest return, then the latest departure, then
the break nearest ``break_preferred`` (e.g. lunch time) wins, and the break slides
inside its gap's idle time toward ``break_preferred``. A route no gap can take
the break in is infeasible: a visit must go rather than the break.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["UNREACHABLE", "Timing", "time_route", "route_cost", "COST_PARTS", "normalise_blocked", "clear_after"]

UNREACHABLE: int = 10**9
"""A travel time at or above this value marks an arc that may never be used."""

COST_PARTS: tuple[str, ...] = ("fixed", "time", "overtime", "distance", "service")
"""The parts of a route's cost, in the order :func:`route_cost` returns them."""

Blocked = tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class Timing:
    """The schedule of one visit order.

    Attributes
    ----------
    feasible
        False when a window, the latest return, the maximum duration, the break
        or an unreachable arc is broken; the times are then those of the earliest
        schedule (departure at ``earliest_departure``, no break) and
        ``violations`` say why.
    departure, return_time
        When the route leaves its start and is back at its end.
    arrivals, starts
        Per stop: arrival, and start of service (``start - arrival`` is waiting,
        the break included when it is taken at that door).
    overtime
        ``max(0, return_time - soft_end)``; 0 without a ``soft_end``.
    break_start, break_end
        The break, or ``None`` when the route needs none.
    """

    feasible: bool
    departure: int
    arrivals: tuple[int, ...]
    starts: tuple[int, ...]
    return_time: int
    overtime: int = 0
    violations: tuple[str, ...] = ()
    break_start: int | None = None
    break_end: int | None = None

    @property
    def duration(self) -> int:
        """``return_time - departure`` (waiting and break included)."""
        return self.return_time - self.departure

    @property
    def waits(self) -> tuple[int, ...]:
        """Waiting at each stop before its service starts."""
        return tuple(s - a for s, a in zip(self.starts, self.arrivals))


def normalise_blocked(blocked: Sequence[tuple[int, int]]) -> Blocked:
    """Blocked intervals sorted, non-empty and merged where they touch or overlap."""
    out: list[list[int]] = []
    for a, b in sorted((int(a), int(b)) for a, b in blocked if int(b) > int(a)):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return tuple((a, b) for a, b in out)


def clear_after(t: int, length: int, blocked: Blocked) -> int:
    """The earliest ``d >= t`` with ``[d, d + length)`` clear of ``blocked``."""
    if length > 0:
        for a, b in blocked:
            if t < b and t + length > a:
                t = b
    return t


def _before(t: int, length: int, blocked: Blocked) -> int:
    """The latest ``d <= t`` with ``[d, d + length)`` clear of ``blocked``."""
    if length > 0:
        for a, b in reversed(blocked):
            if t < b and t + length > a:
                t = a - length
    return t


def _forward(depart: int, travel: Sequence[int], tw_early: Sequence[int], service: Sequence[int],
             blocked: Blocked) -> tuple[int, list[int], list[int], int]:
    """Departure, arrivals, earliest starts and return of leaving no earlier than ``depart``."""
    if not blocked:  # the same arithmetic with every clear_after an identity (no blocked time)
        return _forward_free(depart, travel, tw_early, service)
    t = depart
    first = clear_after(depart, travel[0], blocked)
    arrivals: list[int] = []
    starts: list[int] = []
    for k in range(len(tw_early)):
        arrive = clear_after(t, travel[k], blocked) + travel[k]
        t = clear_after(arrive if arrive > tw_early[k] else tw_early[k], service[k], blocked)
        arrivals.append(arrive)
        starts.append(t)
        t += service[k]
    return first, arrivals, starts, clear_after(t, travel[-1], blocked) + travel[-1]


def _forward_free(depart: int, travel: Sequence[int], tw_early: Sequence[int],
                  service: Sequence[int]) -> tuple[int, list[int], list[int], int]:
    """:func:`_forward` without blocked time (a nurse-day with no part-day time off: most)."""
    t = depart
    arrivals: list[int] = []
    starts: list[int] = []
    for k in range(len(tw_early)):
        arrive = t + travel[k]
        early = tw_early[k]
        t = arrive if arrive > early else early
        arrivals.append(arrive)
        starts.append(t)
        t += service[k]
    return depart, arrivals, starts, t + travel[-1]


def _backward(ret: int, travel: Sequence[int], tw_late: Sequence[int], service: Sequence[int],
              blocked: Blocked) -> int:
    """The latest departure from which every stop can still be made and ``ret`` met."""
    if not blocked:  # every _before an identity
        for k in range(len(tw_late), 0, -1):
            late, t = tw_late[k - 1], ret - travel[k] - service[k - 1]
            ret = late if late <= t else t  # min(late, t)
        return ret - travel[0]
    t = ret
    for k in range(len(tw_late), 0, -1):
        drive = _before(t - travel[k], travel[k], blocked)
        t = _before(min(tw_late[k - 1], drive - service[k - 1]), service[k - 1], blocked)
    return _before(t - travel[0], travel[0], blocked)


def _time(travel: Sequence[int], tw_early: Sequence[int], tw_late: Sequence[int], service: Sequence[int],
          earliest: int, latest_return: int, blocked: Blocked,
          names: Sequence[object]) -> tuple[list[str], int, list[int], list[int], int]:
    """Violations and the least-duration times (or the earliest ones when violated)."""
    violations: list[str] = []
    if travel and max(travel) >= UNREACHABLE:
        violations.append("uses an unreachable arc")
    departure, arrivals, starts, ret = _forward(earliest, travel, tw_early, service, blocked)
    for k in range(len(tw_early)):
        if starts[k] > tw_late[k]:
            violations.append(f"visit {names[k]} starts at {starts[k]} > tw_late {tw_late[k]}")
    if ret > latest_return:
        violations.append(f"returns at {ret} > vehicle tw_late {latest_return}")
    if violations or not tw_early:
        return violations, departure, arrivals, starts, ret
    latest_departure = _backward(ret, travel, tw_late, service, blocked)
    departure, arrivals, starts, ret2 = _forward(latest_departure, travel, tw_early, service, blocked)
    assert ret2 == ret and departure == latest_departure, (ret2, ret, departure, latest_departure)
    return violations, departure, arrivals, starts, ret


def time_route(
    travel: Sequence[int],
    tw_early: Sequence[int],
    tw_late: Sequence[int],
    service: Sequence[int],
    *,
    earliest_departure: int,
    latest_return: int,
    soft_end: int | None = None,
    max_duration: int | None = None,
    labels: Sequence[object] | None = None,
    blocked: Sequence[tuple[int, int]] = (),
    break_duration: int = 0,
    break_after: int | None = None,
    break_preferred: tuple[int, int] | None = None,
) -> Timing:
    """Time a visit order, leaving as late as the least duration allows.

    Parameters
    ----------
    travel
        ``len(tw_early) + 1`` leg times: start → first stop, ..., last stop → end.
        A leg ``>= UNREACHABLE`` makes the route infeasible.
    tw_early, tw_late, service
        Per stop: window for the start of service, and service duration.
    earliest_departure, latest_return
        Hard bounds of the route (shift start; shift end plus overtime).
    soft_end
        Return time after which overtime counts (``Timing.overtime``).
    max_duration
        Hard limit on ``return - departure`` (the break included).
    labels
        Names of the stops for the violation messages (default: positions).
    blocked
        Intervals ``[a, b)`` with no drive, service or break (waiting allowed).
    break_duration, break_after
        A route whose least duration exceeds ``break_after`` takes one break of
        ``break_duration`` (see the module docs); ``None`` or 0: no break.
    break_preferred
        ``(early, late)``: where a break is best placed, among equally short schedules.

    Returns
    -------
    Timing
        The least-duration schedule, or the earliest one with violations.
    """
    n = len(tw_early)
    names = labels if labels is not None else range(n)
    spans = normalise_blocked(blocked) if blocked else ()
    bad, departure, arrivals, starts, ret = _time(travel, tw_early, tw_late, service, earliest_departure,
                                                  latest_return, spans, names)
    plain = Timing(not bad, departure, tuple(arrivals), tuple(starts), ret, _overtime(ret, soft_end),
                   tuple(bad))
    if bad:
        return plain
    if break_after is None or break_duration <= 0 or n == 0 or ret - departure <= break_after:
        if max_duration is not None and ret - departure > max_duration:
            return _violated(plain, f"duration {ret - departure} > max_duration {max_duration}")
        return plain
    best = _with_break(travel, tw_early, tw_late, service, earliest_departure, latest_return, spans,
                       break_duration, break_preferred, bound=(ret, -departure, 0))
    if best is None:
        return _violated(plain, f"no gap takes a break of {break_duration} in a route of "
                                f"{ret - departure} > {break_after}")
    departure, arrivals, starts, ret, b = best
    timing = Timing(True, departure, tuple(arrivals), tuple(starts), ret, _overtime(ret, soft_end), (),
                    b, b + break_duration)
    if max_duration is not None and ret - departure > max_duration:
        return _violated(timing, f"duration {ret - departure} > max_duration {max_duration}")
    return timing


def _with_break(travel: Sequence[int], tw_early: Sequence[int], tw_late: Sequence[int],
                service: Sequence[int], earliest: int, latest_return: int, spans: Blocked,
                length: int, preferred: tuple[int, int] | None, bound: tuple[int, int, int]
                ) -> tuple[int, list[int], list[int], int, int] | None:
    """The best schedule with the break as a pseudo stop in one gap (see the module docs).

    ``bound`` is the key of the schedule without a break, which no gap can beat: the first
    gap that reaches it is the answer (the same one the whole enumeration would keep).
    """
    n = len(tw_early)
    best: tuple[tuple[int, int, int], tuple[int, list[int], list[int], int, int]] | None = None
    for p in (range(1, n) if n > 1 else range(2)):
        # The pseudo stop: at stop p's door after the drive (p < n), or after the last visit (p == n).
        into, out = (travel[p], 0) if p < n else (0, travel[n])
        tr = [*travel[:p], into, out, *travel[p + 1:]]
        twe = [*tw_early[:p], 0, *tw_early[p:]]
        twl = [*tw_late[:p], UNREACHABLE, *tw_late[p:]]
        svc = [*service[:p], length, *service[p:]]
        bad, dep, arr, st, ret = _time(tr, twe, twl, svc, earliest, latest_return, spans, range(n + 1))
        if bad:
            continue
        # Slide the break inside its gap's idle time toward the preferred window.
        lo = st[p]
        hi = (st[p + 1] if p < n else _before(ret - travel[n], travel[n], spans)) - length
        b = _place(lo, hi, length, preferred, spans)
        key = (ret, -dep, _distance(b, length, preferred))
        if best is None or key < best[0]:
            # A stop's arrival is at its door, before the break taken there.
            arrivals = arr[:n] if p == n else arr[:p + 1] + arr[p + 2:]
            best = (key, (dep, arrivals, st[:p] + st[p + 1:], ret, b))
            if key == bound:
                break
    return None if best is None else best[1]


def _place(lo: int, hi: int, length: int, preferred: tuple[int, int] | None, spans: Blocked) -> int:
    """A break start in ``[lo, hi]`` clear of ``spans``, nearest the preferred window (else ``lo``)."""
    if preferred is None or hi <= lo:
        return lo
    want = min(max(lo, preferred[0]), hi)
    if want + length > preferred[1]:  # the window is too short or passed: start as late as it allows
        want = min(max(lo, preferred[1] - length), hi)
    return want if clear_after(want, length, spans) == want else lo


def _distance(start: int, length: int, preferred: tuple[int, int] | None) -> int:
    if preferred is None:
        return 0
    return max(0, preferred[0] - start) + max(0, start + length - preferred[1])


def _violated(timing: Timing, message: str) -> Timing:
    return Timing(False, timing.departure, timing.arrivals, timing.starts, timing.return_time,
                  timing.overtime, (*timing.violations, message))


def _overtime(return_time: int, soft_end: int | None) -> int:
    return 0 if soft_end is None else max(0, return_time - soft_end)


def route_cost(
    *,
    stops: int,
    duration: int,
    overtime: int,
    arc_costs: Sequence[int],
    service_costs: Sequence[int] = (),
    fixed_cost: int = 0,
    cost_per_time: int = 0,
    overtime_cost: int = 0,
) -> dict[str, int]:
    """The cost of one route, by part (see :data:`COST_PARTS`).

    ``fixed_cost`` once, ``cost_per_time`` per unit of ``duration`` (waiting
    included), ``overtime_cost`` per unit of ``overtime``, the sum of the
    integer ``arc_costs`` of its legs and the ``service_costs`` of its stops.
    A route with no stop (``stops == 0``) is not used and costs nothing.
    Take ``duration`` and ``overtime`` from :func:`time_route`.
    """
    if stops == 0:
        return dict.fromkeys(COST_PARTS, 0)
    return {
        "fixed": int(fixed_cost),
        "time": int(cost_per_time) * int(duration),
        "overtime": int(overtime_cost) * int(overtime),
        "distance": int(sum(arc_costs)),
        "service": int(sum(service_costs)),
    }
