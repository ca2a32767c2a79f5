"""What a loaded entry runs: the coordinator and what reacts to its polls."""

from dataclasses import dataclass, field

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import callback

from .backfill import Backfill
from .coordinator import SmartSenseCoordinator
from .entity import PointEntities
from .removal import Removal

type SmartSenseConfigEntry = ConfigEntry[SmartSenseRuntimeData]


@dataclass(slots=True)
class SmartSenseRuntimeData:
    """The poller and the subscribers to its polls (``__init__.py`` wires them)."""

    coordinator: SmartSenseCoordinator
    backfill: Backfill
    removal: Removal = field(init=False)
    # Each platform's entities of sensor points (the platforms add theirs).
    platforms: list[PointEntities] = field(default_factory=list)

    def __post_init__(self) -> None:
        """The removal tells this runtime which sensor points it removed."""
        self.removal = Removal(self.coordinator, self.forget)

    @callback
    def async_add_new_points(self) -> None:
        """Have each platform add the entities of points new to it."""
        coordinator = self.coordinator
        for platform in self.platforms:
            coordinator.config_entry.async_create_background_task(
                coordinator.hass, platform.async_add_new(), "smartsense new points"
            )

    @callback
    def forget(self, point_ids: set[str]) -> None:
        """Forget removed sensor points: they are added anew if they return."""
        self.backfill.async_forget(point_ids)
        for platform in self.platforms:
            platform.known.difference_update(point_ids)
