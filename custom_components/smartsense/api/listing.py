"""Reading the whole asset listing page by page, and judging its paging."""

from collections.abc import Awaitable, Callable
from itertools import count
import logging

from .contract import Asset, AssetPage
from .errors import SmartSenseResponseError

_LOGGER = logging.getLogger(__name__)

# Walks restarted because the listing changed under the client, before giving up.
LISTING_RESTARTS = 2


class SmartSenseListingError(SmartSenseResponseError):
    """The asset listing's paging contradicted itself.

    ``assets`` holds every asset read before (and including) the contradiction:
    usable as current values, but maybe not all the assets SmartSense has.
    """

    def __init__(self, message: str, assets: list[Asset]) -> None:
        """Carry the message and the assets read."""
        super().__init__(message)
        self.assets = assets


async def read_listing(get_page: Callable[[int], Awaitable[AssetPage]]) -> list[Asset]:
    """Read every asset with ``get_page`` (page number to page), across all pages.

    A listing that changes while it is read is read again, up to
    ``LISTING_RESTARTS`` times; then ``SmartSenseResponseError``.
    """
    for _ in range(LISTING_RESTARTS + 1):
        if (assets := await _walk(get_page)) is not None:
            return assets
        _LOGGER.debug("Asset listing changed while paging")
    raise SmartSenseResponseError("the asset listing kept changing while it was read")


async def _walk(get_page: Callable[[int], Awaitable[AssetPage]]) -> list[Asset] | None:
    """Read the listing page by page; ``None`` when it changed while read.

    It changed when ``totalCount`` differs between pages or pages run out before
    it (a page shorter than its ``pageSize`` does not end the walk: a server may
    cap the size silently). It contradicts itself, and ``SmartSenseListingError``
    carries every asset read once, when a page answers for another number,
    repeats assets, or runs past ``totalCount``. A full page that reaches
    ``totalCount`` is followed by one more, to catch a count of the first page
    only; after that contradiction full pages are read on, so no asset is lost.
    """
    assets: list[Asset] = []
    seen: set[str] = set()
    received = total = 0
    contradiction: str | None = None
    for page_number in count(1):
        page = await get_page(page_number)
        # Each page's ids once, and set operations: this runs for every asset
        # on every poll (docs/performance.md).
        ids = [asset.id for asset in page.assets]
        if page.page != page_number or not seen.isdisjoint(ids):
            assets.extend(asset for asset in page.assets if asset.id not in seen)
            raise SmartSenseListingError(
                f"asked for page {page_number}, got page {page.page}"
                if page.page != page_number
                else f"page {page_number} repeats assets",
                assets,
            )
        if contradiction is None:
            if page_number > 1 and page.total_count != total:
                return None
            total = page.total_count
            if page.received == 0 and received < total:
                return None
        seen.update(ids)
        assets.extend(page.assets)
        received += page.received
        if received > total and contradiction is None:
            contradiction = f"page {page_number} runs past totalCount {total}"
        full = page.received >= page.page_size > 0
        if page.received == 0 or (
            not full and (contradiction is not None or received >= total)
        ):
            break
    if contradiction is not None:
        raise SmartSenseListingError(contradiction, assets)
    return assets
