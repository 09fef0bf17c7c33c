"""wildsort: ``sort()``, a drop-in for ``sorted()`` that is fast when every key is an int that
fits in 64 bits, or every key is a float.

``wildsort.sort(iterable, *, key=None, reverse=False)`` returns exactly what ``sorted()`` returns:
the same objects, in the same (stable) order, with ``reverse`` keeping stability, for any input.
The fast paths copy the keys into a buffer, sort their positions with the native ``wildsort``
API (``argsort_i64_scratch`` or ``argsort_f64_scratch``, stable), reached through the capreg
registry like any other consumer, and put the objects in that order into a new list; everything
else (mixed ints and floats, huge ints, NaN, other types, int or float subclasses) is sorted by
``list.sort`` itself.
"""

from wildsort import _wildsort
from wildsort._wildsort import sort

__all__ = ["sort"]
__version__ = "1.0.0"

# Below this many items the native path's set-up costs more than it saves.
_SMALL = _wildsort.SMALL


def _sort_list(items, *, key=None, reverse=False):
    """The rest of ``sort()`` (called by ``_wildsort.sort``): ``items`` is a private list."""
    if len(items) < _SMALL:
        items.sort(key=key, reverse=reverse)
        return items
    [].sort(reverse=reverse)  # the same TypeError as sorted() for a bad `reverse`
    # Like sorted(): the key is called once per item, in order, before any comparison.
    keys = items if key is None else list(map(key, items))
    result = _wildsort.sorted_list(items, keys, bool(reverse))
    if result is not None:
        return result
    if key is None:
        items.sort(reverse=reverse)
        return items
    # Sort positions by the keys already computed: the same comparisons sorted() would make.
    order = sorted(range(len(items)), key=keys.__getitem__, reverse=reverse)
    return [items[i] for i in order]
