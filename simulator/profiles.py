"""How each kind of sensor point behaves: values as pure functions of time.

Nothing is stored per reading: a value is computed from (seed, point number,
reading time), so any window of history can be served for any number of points.
"""

from dataclasses import dataclass
import math

_MASK = (1 << 64) - 1
HOUR = 3600

# Salts keep the pseudo-random streams of one point independent of each other.
_DRIFT, _JITTER, _PHASE, _DOOR, _LATE = range(1, 6)

DOOR_OPEN_SHARE = 0.04
LATE_SHARE = 0.05  # store and forward: share of readings that arrive late
MAX_LATE_INTERVALS = 3
_DRIFT_KNOT = 3 * HOUR  # slow drift: smooth interpolation between knots 3 h apart
_DEFROST_LENGTH = HOUR // 2


def unit_hash(*parts: int) -> float:
    """Map integers to a uniform float in [0, 1) (splitmix64 mixing)."""
    x = 0x9E3779B97F4A7C15
    for part in parts:
        x = ((x ^ (part & _MASK)) * 0xBF58476D1CE4E5B9) & _MASK
        x ^= x >> 31
    x = (x * 0x94D049BB133111EB) & _MASK
    x ^= x >> 29
    return x / 18446744073709551616.0


def late_intervals(seed: int, point: int, t: int) -> int:
    """How many report intervals the reading taken at `t` arrives late (0 to 3)."""
    u = unit_hash(seed, point, t, _LATE)
    if u >= LATE_SHARE:
        return 0
    return 1 + int(u / LATE_SHARE * MAX_LATE_INTERVALS)


def door_open(seed: int, asset: int, t: int) -> bool:
    """Door state is per asset so the door and the temperature points agree."""
    return unit_hash(seed, asset, t, _DOOR) < DOOR_OPEN_SHARE


@dataclass(frozen=True, slots=True)
class Profile:
    """Behaviour of a point, in native units (°F for temperatures)."""

    base: float = 50.0
    drift: float = 10.0  # amplitude of the slow wander
    jitter: float = 1.0  # amplitude of per-reading noise
    daily: float = 0.0  # amplitude of a 24 h cycle
    defrost_every: int = 0  # seconds between defrost cycles, 0 for none
    defrost_rise: float = 0.0
    door_rise: float = 0.0  # rise in a reading taken while the door is open
    low: float | None = None  # alarm below this
    high: float | None = None  # alarm above this
    temperature: bool = False  # converted for °C points
    binary: bool = False  # 0/1 door state

    def value(self, seed: int, point: int, asset: int, t: int) -> float:
        """The reading taken at `t` (epoch seconds), unrounded, native units."""
        if self.binary:
            return 1 if door_open(seed, asset, t) else 0
        knot, into = divmod(t, _DRIFT_KNOT)
        a = unit_hash(seed, point, knot, _DRIFT)
        b = unit_hash(seed, point, knot + 1, _DRIFT)
        f = into / _DRIFT_KNOT
        smooth = a + (b - a) * f * f * (3 - 2 * f)
        v = self.base + self.drift * (2 * smooth - 1)
        v += self.jitter * (2 * unit_hash(seed, point, t, _JITTER) - 1)
        if self.daily or self.defrost_every:
            phase = int(unit_hash(seed, point, _PHASE) * 86400)
            if self.daily:
                v += self.daily * math.sin(2 * math.pi * (t + phase) / 86400)
            if (
                self.defrost_every
                and (t + phase) % self.defrost_every < _DEFROST_LENGTH
            ):
                v += self.defrost_rise
        if self.door_rise and door_open(seed, asset, t):
            v += self.door_rise
        return v


_FRIDGE = Profile(
    base=37.5,
    drift=1.5,
    jitter=0.2,
    defrost_every=6 * HOUR,
    defrost_rise=3.0,
    door_rise=2.5,
    low=33,
    high=41,
    temperature=True,
)
_FREEZER = Profile(
    base=-5,
    drift=4,
    jitter=0.3,
    defrost_every=8 * HOUR,
    defrost_rise=6,
    high=5,
    temperature=True,
)
_ROOM = Profile(
    base=71, drift=0.5, jitter=0.1, daily=2.5, low=60, high=80, temperature=True
)
_HUMIDITY = Profile(base=45, drift=12, jitter=1, low=20, high=70)
_COOLER = Profile(base=37, drift=1.5, jitter=0.2, low=33, high=41, temperature=True)
_PROBE = Profile(base=37.5, drift=1, jitter=0.05, low=33, high=41, temperature=True)
_CLEAN_ROOM = Profile(base=68, drift=1, jitter=0.1, low=62, high=74, temperature=True)
_PRESSURE = Profile(base=12.5, drift=2, jitter=0.3, low=5)
_DOOR_STATE = Profile(binary=True)
_GENERIC = Profile()

_BY_ASSET: dict[tuple[str, str], Profile] = {
    ("Refrigerator", "Temperature"): _FRIDGE,
    ("Freezer", "Temperature"): _FREEZER,
    ("Cooler", "Temperature"): _COOLER,
    ("Clean Room", "Temperature"): _CLEAN_ROOM,
}
_BY_READING_TYPE: dict[str, Profile] = {
    "Temperature": _ROOM,
    "ProbeTemperature": _PROBE,
    "Humidity": _HUMIDITY,
    "DoorOpen": _DOOR_STATE,
    "Pressure": _PRESSURE,
}

# The sensor points (name, reading type) an asset of each type gets.
USUAL_POINTS: dict[str, list[tuple[str, str]]] = {
    "Refrigerator": [("Air Temperature", "Temperature"), ("Door", "DoorOpen")],
    "Freezer": [("Air Temperature", "Temperature")],
    "Room": [("Temperature", "Temperature"), ("Humidity", "Humidity")],
    "Cooler": [
        ("Air Temperature", "Temperature"),
        ("Product Probe", "ProbeTemperature"),
    ],
    "Clean Room": [
        ("Temperature", "Temperature"),
        ("Differential Pressure", "Pressure"),
    ],
}
DEFAULT_POINTS = [("Temperature", "Temperature")]

POINT_NAMES = {
    "Temperature": "Air Temperature",
    "ProbeTemperature": "Product Probe",
    "Humidity": "Humidity",
    "DoorOpen": "Door",
    "Pressure": "Differential Pressure",
}
_UNITS = {"Humidity": "%", "Pressure": "Pa"}
_MODELS = {
    "ProbeTemperature": "Z Probe",
    "DoorOpen": "Z Door",
    "Pressure": "Z Pressure",
}


def profile_for(asset_type: str, reading_type: str) -> Profile:
    """The behaviour of a point; unknown reading types get a generic series."""
    return _BY_ASSET.get((asset_type, reading_type)) or _BY_READING_TYPE.get(
        reading_type, _GENERIC
    )


def default_unit(profile: Profile, reading_type: str, temperature_unit: str) -> str:
    """The unit a new point of this profile reports, the account's for temperature."""
    if profile.temperature:
        return temperature_unit
    return _UNITS.get(reading_type, "none")


def sensor_model(reading_type: str) -> str:
    """The model name of the sensor that measures this reading type."""
    return _MODELS.get(reading_type, "Z Sensor")
