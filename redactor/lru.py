"""A small thread-safe LRU mapping, shared by the model's result cache and the log hooks'
exact and shape caches.  It imports nothing heavy: ``redactor.logging`` must stay
importable without torch or Presidio.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LRUCache(Generic[K, V]):
    """At most ``size`` entries; the least recently used one goes first.  ``size`` 0
    stores nothing (a cache that is switched off).  Values are shared between hits, so
    callers treat them as read-only."""

    def __init__(self, size: int) -> None:
        if size < 0:
            raise ValueError(f"cache size must be >= 0, got {size}")
        self.size = size
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def __deepcopy__(self, memo: dict[int, object]) -> LRUCache[K, V]:
        """A copy starts empty (what it held is derived data; its lock cannot be copied)."""
        return LRUCache(self.size)

    def get(self, key: K) -> V | None:
        """The cached value, marked as recently used, or None."""
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        """Store a value, evicting the least recently used ones beyond ``size``."""
        if self.size == 0:
            return
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)
