"""What a sensor point has reported by a given (simulated) time.

Readings are taken at every multiple of the report interval since the epoch;
a few arrive late (store and forward) and none arrive while a point is offline,
so "delivered by now" is decided per reading. All times are epoch seconds.
"""

import math

from .data import Sensor, SensorPoint
from .profiles import late_intervals, unit_hash

type Reading = tuple[int, float]  # (time taken, value as served)

OFFLINE_AFTER_INTERVALS = 3
_WEEK = 7 * 86400
_BATTERY_CYCLE_WEEKS = 80  # drains 1 %/week from 100 %, replaced at 20 %
_SIGNAL = 7


def served_value(point: SensorPoint, t: int) -> float:
    """The value of the reading taken at `t`, in the point's unit."""
    value = point.profile.value(point.seed, point.num, point.asset_num, t)
    if point.profile.binary:
        return value
    if point.celsius:
        value = (value - 32) / 1.8
    return round(value, 1)


def _served_limit(point: SensorPoint, limit: float | None) -> float | None:
    if limit is None or not point.celsius:
        return limit
    return (limit - 32) / 1.8


def is_offline(point: SensorPoint) -> bool:
    """Whether the point is offline now (its last offline span is open)."""
    return bool(point.offline) and point.offline[-1][1] == math.inf


def set_offline(point: SensorPoint, offline: bool, now: float) -> None:
    """Take the point offline or back online at ``now``; no change if it is already so."""
    if offline and not is_offline(point):
        point.offline.append([now, math.inf])
    elif not offline and is_offline(point):
        point.offline[-1][1] = now


def _delivered_at(point: SensorPoint, t: int, interval: int) -> float:
    at = float(t + late_intervals(point.seed, point.num, t) * interval)
    # Held while offline, then forwarded when the point comes back.
    for start, end in point.offline:
        if start < at < end:
            at = end
    return at


def latest(point: SensorPoint, interval: int, now: float) -> Reading | None:
    """The newest reading (by time taken) delivered by `now`."""
    best: Reading | None = None
    for t, (value, delivered) in point.extras.items():
        if delivered <= now and (best is None or t > best[0]):
            best = (t, value)
    t = int(now // interval) * interval
    if is_offline(point):
        # Nothing taken after it went offline has been delivered.
        t = min(t, int(point.offline[-1][0] // interval) * interval)
    # Terminates: a reading is at most MAX_LATE_INTERVALS late.
    while best is None or t > best[0]:
        if t not in point.extras and _delivered_at(point, t, interval) <= now:
            return t, served_value(point, t)
        t -= interval
    return best


def window(
    point: SensorPoint, interval: int, now: float, start: float, end: float
) -> list[Reading]:
    """Readings taken in [start, end) and delivered by `now`, ascending."""
    first = math.ceil(start / interval) * interval
    stop = min(math.ceil(end), math.floor(now) + 1)
    found = [
        (t, served_value(point, t))
        for t in range(first, stop, interval)
        if t not in point.extras and _delivered_at(point, t, interval) <= now
    ]
    found.extend(
        (t, value)
        for t, (value, delivered) in point.extras.items()
        if start <= t < end and delivered <= now
    )
    found.sort()
    return found


def status(
    point: SensorPoint, reading: Reading | None, interval: int, now: float
) -> str:
    """The alarm state the listing reports: Offline, Alarm or Normal.

    Offline while the point is offline or its newest reading is too old;
    Alarm while that reading is outside the profile's limits.
    """
    if (
        reading is None
        or is_offline(point)
        or now - reading[0] >= OFFLINE_AFTER_INTERVALS * interval
    ):
        return "Offline"
    low = _served_limit(point, point.profile.low)
    high = _served_limit(point, point.profile.high)
    value = reading[1]
    if (low is not None and value < low) or (high is not None and value > high):
        return "Alarm"
    return "Normal"


def battery_percent(sensor: Sensor, now: float) -> int:
    """The battery level at ``now``, falling through its cycle week by week."""
    weeks = now / _WEEK + sensor.battery_phase
    return round(100 - weeks % _BATTERY_CYCLE_WEEKS)


def signal_strength(sensor: Sensor, seed: int, interval: int, now: float) -> int:
    """dBm, varying around the sensor's own level from one interval to the next."""
    u = unit_hash(seed, sensor.num, int(now // interval))
    return max(-90, min(-50, sensor.signal_base + round((2 * u - 1) * _SIGNAL)))
