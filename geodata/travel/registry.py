"""Choosing a travel provider by name (``--travel haversine|road`` on the CLI)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from geodata.travel.base import TravelProvider
from geodata.travel.haversine import HaversineProvider
from geodata.travel.road import RoadProvider
from geodata.travel.settings import HaversineSettings, RoadSettings


def _haversine(**options: Any) -> HaversineProvider:
    settings = options.pop("settings", None) or HaversineSettings()
    options.pop("cache_dir", None)  # nothing to cache: the model is faster than a disk read
    fields = {f.name for f in dataclasses.fields(HaversineSettings)}
    unknown = set(options) - fields
    if unknown:
        raise TypeError(f"unknown haversine option(s): {', '.join(sorted(unknown))}; known: {', '.join(sorted(fields))}")
    return HaversineProvider(dataclasses.replace(settings, **options) if options else settings)


_ROAD_ARGS = {"osm_file", "place", "bbox", "settings", "network", "cache_dir", "matrix_cache", "graph_cache", "allow_network"}


def _road(**options: Any) -> RoadProvider:
    setting_names = {f.name for f in dataclasses.fields(RoadSettings)} - {"network"}
    overrides = {k: options.pop(k) for k in list(options) if k in setting_names}
    unknown = set(options) - _ROAD_ARGS
    if unknown:
        raise TypeError(
            f"unknown road option(s): {', '.join(sorted(unknown))}; known: {', '.join(sorted(_ROAD_ARGS | setting_names))}"
        )
    if overrides:
        base = options.pop("settings", None) or RoadSettings(network=options.get("network") or "drive")
        options["settings"] = dataclasses.replace(base, **overrides)
    return RoadProvider(**options)


#: Provider name → factory taking keyword options.
PROVIDERS: dict[str, Callable[..., TravelProvider]] = {"haversine": _haversine, "road": _road}


def get_provider(name: str = "haversine", **options: Any) -> TravelProvider:
    """Build a travel provider by name.

    Parameters
    ----------
    name
        ``"haversine"`` (embedded national model, no data needed) or ``"road"``
        (osmnx road graph).
    **options
        haversine: ``settings=HaversineSettings(...)`` or any of its fields.
        road: ``osm_file=`` | ``place=`` | ``bbox=(west, south, east, north)``,
        ``network="drive"|"major"``, ``cache_dir=``, ``matrix_cache=``,
        ``graph_cache=``, ``allow_network=``, ``settings=RoadSettings(...)`` or
        any of its fields (e.g. ``access_speed_kmh=15``).

    Raises
    ------
    ValueError
        For an unknown provider name.
    TypeError
        For an unknown option.
    """
    try:
        factory = PROVIDERS[name]
    except KeyError:
        raise ValueError(f"unknown travel provider {name!r}; choose one of {', '.join(sorted(PROVIDERS))}") from None
    return factory(**options)
