"""Accounts, locations, assets, sensor points and sensors, built from a seed."""

from dataclasses import dataclass, field
import itertools
import random

from .config import Account
from .profiles import (
    DEFAULT_POINTS,
    POINT_NAMES,
    USUAL_POINTS,
    Profile,
    default_unit,
    profile_for,
    sensor_model,
)

# Asset types in the order generated accounts cycle through them.
_TYPE_CYCLE = [
    "Refrigerator",
    "Freezer",
    "Room",
    "Refrigerator",
    "Cooler",
    "Freezer",
    "Room",
    "Refrigerator",
    "Freezer",
    "Clean Room",
]
_ASSET_NAMES = {
    "Refrigerator": [
        "Reach-in Fridge",
        "Dairy Fridge",
        "Deli Fridge",
        "Vaccine Fridge",
        "Pharmacy Fridge",
        "Beverage Fridge",
    ],
    "Freezer": [
        "Walk-in Freezer",
        "Reach-in Freezer",
        "Ice Cream Freezer",
        "Plasma Freezer",
    ],
    "Room": ["Back Room", "Stock Room", "Dry Storage", "Server Room"],
    "Cooler": ["Walk-in Cooler", "Produce Cooler", "Meat Cooler"],
    "Clean Room": ["Clean Room", "Compounding Room"],
}
_LOCATION_KINDS = [
    "Store",
    "Store",
    "Store",
    "Pharmacy",
    "Clinic",
    "Kitchen",
    "Warehouse",
]
_TIME_ZONES = [
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Toronto",
    "Europe/London",
]


@dataclass(slots=True, eq=False)
class Location:
    """A site of an account; asset names are unique within it."""

    id: str
    name: str
    time_zone: str
    asset_names: set[str] = field(default_factory=set)  # kept unique per location


@dataclass(slots=True, eq=False)
class Sensor:
    """The hardware behind a sensor point: battery and signal vary with time."""

    id: str
    num: int
    serial_number: str
    model: str
    battery_phase: float  # weeks into its battery cycle at the epoch
    signal_base: int  # dBm


@dataclass(slots=True, eq=False)
class SensorPoint:
    """One measured quantity of an asset, with the series its values follow."""

    id: str
    num: int  # stable key of its value series, whatever its id is patched to
    seed: int
    asset_id: str
    asset_num: int
    name: str
    reading_type: str
    unit: str
    profile: Profile
    sensor: Sensor | None
    # [went offline, back online] in epoch seconds; the end is inf while offline
    offline: list[list[float]] = field(default_factory=list)
    # pushed readings: reading time -> (value, delivered at), epoch seconds
    extras: dict[int, tuple[float, float]] = field(default_factory=dict)
    patch: dict[str, object] = field(default_factory=dict)

    @property
    def celsius(self) -> bool:
        """Whether the point reports temperature in °C."""
        return self.profile.temperature and self.unit == "C"


@dataclass(slots=True, eq=False)
class Asset:
    """A monitored piece of equipment (a fridge, a room) and its sensor points."""

    id: str
    num: int
    client_id: str
    name: str
    asset_type: str
    location: Location
    points: list[SensorPoint] = field(default_factory=list)
    patch: dict[str, object] = field(default_factory=dict)


@dataclass(slots=True, eq=False)
class AccountState:
    """An account's credentials, locations and assets."""

    account: Account
    locations: list[Location] = field(default_factory=list)
    assets: dict[str, Asset] = field(default_factory=dict)  # in id order


class Store:
    """All accounts, with ids unique across them."""

    def __init__(self, accounts: list[Account]) -> None:
        """Lay out every account's locations, assets and points from its seed."""
        self.accounts: dict[str, AccountState] = {}
        self.assets: dict[str, Asset] = {}
        self.points: dict[str, SensorPoint] = {}
        self._asset_nums = itertools.count(1001)
        self._point_nums = itertools.count(5001)
        self._sensor_nums = itertools.count(77)
        self._location_nums = itertools.count(12)
        for account in accounts:
            if account.client_id in self.accounts:
                raise ValueError(f"duplicate client id {account.client_id!r}")
            if account.temperature_unit not in {"F", "C"}:
                raise ValueError("temperature_unit must be 'F' or 'C'")
            state = AccountState(account)
            self.accounts[account.client_id] = state
            self._populate(state)

    def account(self, client_id: str) -> AccountState:
        """The account of ``client_id``; ``KeyError`` naming it if none."""
        try:
            return self.accounts[client_id]
        except KeyError:
            raise KeyError(f"no account {client_id!r}") from None

    def asset(self, asset_id: str) -> Asset:
        """The asset of ``asset_id``; ``KeyError`` naming it if none."""
        try:
            return self.assets[asset_id]
        except KeyError:
            raise KeyError(f"no asset {asset_id!r}") from None

    def point(self, point_id: str) -> SensorPoint:
        """The sensor point of ``point_id``; ``KeyError`` naming it if none."""
        try:
            return self.points[point_id]
        except KeyError:
            raise KeyError(f"no sensor point {point_id!r}") from None

    def _populate(self, state: AccountState) -> None:
        rng = random.Random(f"layout:{state.account.seed}")
        first = rng.randrange(len(_TYPE_CYCLE))
        dealt = state.account.locations
        if dealt is not None:
            if dealt < 1:
                raise ValueError("locations must be at least 1")
            for _ in range(dealt):
                self._add_location(state, rng)
        points = 0
        room = 0  # assets the current location still takes
        location = None
        i = 0
        while points < state.account.sensor_points:
            if dealt is not None:
                location = state.locations[i % dealt]
            elif location is None or room == 0:
                location = self._add_location(state, rng)
                room = rng.randint(3, 8)
            asset_type = _TYPE_CYCLE[(first + i) % len(_TYPE_CYCLE)]
            asset = self.add_asset(state, asset_type, location=location, rng=rng)
            points += len(asset.points)
            room -= 1
            i += 1

    def _add_location(
        self, state: AccountState, rng: random.Random, name: str = ""
    ) -> Location:
        taken = {location.name for location in state.locations}
        if name in taken:
            raise ValueError(f"location {name!r} exists")
        while not name or name in taken:
            name = f"{rng.choice(_LOCATION_KINDS)} {rng.randint(2, 250)}"
        location = Location(
            f"l-{next(self._location_nums)}", name, rng.choice(_TIME_ZONES)
        )
        state.locations.append(location)
        return location

    def add_asset(
        self,
        state: AccountState,
        asset_type: str,
        name: str | None = None,
        *,
        location: Location | str | None = None,
        rng: random.Random | None = None,
    ) -> Asset:
        """Add an asset with its type's usual sensor points.

        `location` is a location or the name of one; a new name adds a location.
        Without one, the asset goes to the account's first location.
        """
        num = next(self._asset_nums)
        rng = rng or random.Random(f"asset:{state.account.seed}:{num}")
        if isinstance(location, str):
            location = next(
                (known for known in state.locations if known.name == location),
                None,
            ) or self._add_location(state, rng, location)
        if location is None:
            location = (
                state.locations[0]
                if state.locations
                else self._add_location(state, rng)
            )
        if name is None:
            base = rng.choice(_ASSET_NAMES.get(asset_type, [asset_type]))
            name = base
            for n in itertools.count(2):
                if name not in location.asset_names:
                    break
                name = f"{base} {n}"
        location.asset_names.add(name)
        asset = Asset(
            f"a-{num}", num, state.account.client_id, name, asset_type, location
        )
        state.assets[asset.id] = asset
        self.assets[asset.id] = asset
        for point_name, reading_type in USUAL_POINTS.get(asset_type, DEFAULT_POINTS):
            self.add_point(asset, reading_type, point_name)
        return asset

    def add_point(
        self,
        asset: Asset,
        reading_type: str,
        name: str | None = None,
        unit: str | None = None,
    ) -> SensorPoint:
        """Add a sensor point, with a sensor attached, to an asset."""
        account = self.accounts[asset.client_id].account
        num = next(self._point_nums)
        profile = profile_for(asset.asset_type, reading_type)
        rng = random.Random(f"sensor:{account.seed}:{num}")
        sensor_num = next(self._sensor_nums)
        sensor = Sensor(
            id=f"s-{sensor_num}",
            num=sensor_num,
            serial_number=f"ZS{rng.randrange(10**7):07d}",
            model=sensor_model(reading_type),
            battery_phase=rng.uniform(0, 80),
            signal_base=rng.randint(-85, -55),
        )
        point = SensorPoint(
            id=f"sp-{num}",
            num=num,
            seed=account.seed,
            asset_id=asset.id,
            asset_num=asset.num,
            name=name or POINT_NAMES.get(reading_type, reading_type),
            reading_type=reading_type,
            unit=unit or default_unit(profile, reading_type, account.temperature_unit),
            profile=profile,
            sensor=sensor,
        )
        asset.points.append(point)
        self.points[point.id] = point
        return point

    def remove_asset(self, asset_id: str) -> None:
        """Remove an asset with its sensor points."""
        asset = self.asset(asset_id)
        del self.assets[asset_id]
        del self.accounts[asset.client_id].assets[asset_id]
        asset.location.asset_names.discard(asset.name)
        for point in asset.points:
            del self.points[point.id]

    def remove_point(self, point_id: str) -> None:
        """Remove a sensor point from its asset."""
        point = self.point(point_id)
        del self.points[point_id]
        self.assets[point.asset_id].points.remove(point)
