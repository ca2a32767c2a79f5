"""Configuration of a simulated SmartSense service."""

from dataclasses import dataclass, field
from datetime import timedelta


@dataclass
class Account:
    """One API client (client id and secret) and the account it sees."""

    client_id: str = "demo"
    client_secret: str = "demo-secret"
    temperature_unit: str = "F"  # "F" or "C": values and unit of temperature points
    sensor_points: int = 24  # assets are added until there are at least this many
    # None: 3 to 8 assets per location, as the seed has it; else the assets are
    # dealt over exactly this many locations (a chain of stores, say).
    locations: int | None = None
    seed: int = 1


@dataclass
class SimConfig:
    """Accounts served and the timing of the simulated service."""

    accounts: list[Account] = field(default_factory=lambda: [Account()])
    report_interval: timedelta = timedelta(minutes=15)
    token_lifetime: int = 3600  # seconds, the expires_in of new tokens
