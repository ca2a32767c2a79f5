"""Whose objects the cyclic garbage collector tracks after setup (``--census``).

Every object tracked after setup that was not tracked before it is claimed by
the first owner that reaches it through ``gc.get_referents``: the entity
registry's entries of the entry, its device registry entries, the states, then
each entity (the instance, then each attribute's objects, by attribute name),
then the coordinator and the backfill. What no owner reaches is counted by
type. A full collection walks every one of them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
import gc
import types
from typing import Any

from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import device_registry as dr, entity_registry as er

from custom_components.smartsense.entity import SmartSenseEntity
from custom_components.smartsense.runtime import SmartSenseConfigEntry

# Shared by everything, never claimed.
_SHARED = (type, types.ModuleType, types.BuiltinFunctionType)
# Attributes of an entity that the integration's own code sets.
_OURS = ("_asset", "_attr_translation_placeholders", "entity_description")
# Attributes of the coordinator that the integration's subclass sets.
_COORDINATOR = frozenset(["client", "last_retry_after", "data"])


def tracked_ids() -> set[int]:
    """The ids of every object the collector tracks now."""
    gc.collect()
    return {id(obj) for obj in gc.get_objects()}


def _kind(obj: object) -> str:
    if isinstance(obj, types.MethodType):
        return f"bound method {obj.__func__.__qualname__}"
    if isinstance(obj, types.FunctionType):
        return f"function {obj.__qualname__}"
    kind = type(obj)
    return kind.__qualname__ if kind.__module__ == "builtins" else kind.__name__


def census(
    hass: HomeAssistant, entry: SmartSenseConfigEntry, before: set[int]
) -> dict[str, Any]:
    """Objects tracked now and not in ``before``, grouped by owner and type."""
    gc.collect()
    new = {id(obj): obj for obj in gc.get_objects() if id(obj) not in before}
    owner: dict[int, str] = {}

    def claim(root: object, group: str) -> None:
        todo = [root]
        while todo:
            obj = todo.pop()
            key = id(obj)
            if key not in new or key in owner or isinstance(obj, _SHARED):
                continue
            if obj is not root and isinstance(obj, SmartSenseEntity | State):
                continue
            owner[key] = group
            todo.extend(gc.get_referents(obj))

    for entity_entry in er.async_entries_for_config_entry(
        er.async_get(hass), entry.entry_id
    ):
        enabled = "disabled" if entity_entry.disabled_by else "enabled"
        claim(entity_entry, f"HA: entity registry entries ({enabled})")
    for device in dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id):
        claim(device, "HA: device registry entries")
    for state in hass.states.async_all():
        claim(state, "HA: states (State, Context, attributes)")
    entities = [obj for obj in new.values() if isinstance(obj, SmartSenseEntity)]
    for entity in entities:
        owner[id(entity)] = "ours: entity objects"
        # Its attribute dict, which Home Assistant's cached properties create.
        owner[id(vars(entity))] = "HA: entity attribute dicts"
        for name in _OURS:
            if (value := getattr(entity, name, None)) is not None:
                claim(value, f"ours: entity.{name}")
    # The coordinator: Home Assistant's base class first (its listeners), then
    # what the integration's subclass adds.
    coordinator = entry.runtime_data.coordinator
    owner[id(coordinator)] = "ours: coordinator, its last poll, removal"
    attributes = vars(coordinator)
    for name in sorted(attributes, key=lambda name: name in _COORDINATOR):
        group = (
            "ours: coordinator, its last poll, removal"
            if name in _COORDINATOR
            else "HA: coordinator base class (listeners ...)"
        )
        claim(attributes[name], group)
    for entity in entities:
        for name, value in vars(entity).items():
            claim(value, f"HA: entity.{name}")
    claim(entry.runtime_data.backfill, "ours: backfill")
    claim(entry.runtime_data.removal, "ours: coordinator, its last poll, removal")

    groups: dict[str, Counter[str]] = defaultdict(Counter)
    for key, obj in new.items():
        groups[owner.get(key, "not attributed")][_kind(obj)] += 1
    return {
        "before_setup": len(before),
        "added": len(new),
        "entities": len(entities),
        "groups": {
            group: {"total": sum(kinds.values()), "types": dict(kinds.most_common(6))}
            for group, kinds in sorted(
                groups.items(), key=lambda item: -sum(item[1].values())
            )
        },
    }
