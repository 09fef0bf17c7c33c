"""Lists the entry points of the group ``capreg.apis`` (imported only when discovery runs)."""

from __future__ import annotations

GROUP = "capreg.apis"


def entry_points(api: str | None = None) -> list[tuple[str, str, str]]:
    """``(name, distribution, value)`` for each entry point of the group (named ``api``, if given).

    Walks distributions rather than calling ``importlib.metadata.entry_points()`` so that the
    distribution's name is known on every Python from 3.9 on.
    """
    from importlib import metadata

    found = []
    seen = set()
    for dist in metadata.distributions():
        name = dist.metadata["Name"] or "?"
        for ep in dist.entry_points:
            if ep.group != GROUP or (api is not None and ep.name != api):
                continue
            key = (ep.name, ep.value)
            if key in seen:  # the same distribution seen twice on sys.path
                continue
            seen.add(key)
            found.append((ep.name, name, ep.value))
    return found


def distribution_of(file: str) -> str | None:
    """The name of the installed distribution whose RECORD lists ``file``, or None.

    Asked only on the failure path, for a provider that no discovery vouched for (its module was
    imported directly), so that a fix names the distribution to act on, not a guess.
    """
    import os
    from importlib import metadata

    target = os.path.realpath(file)
    base = os.path.basename(target)
    for dist in metadata.distributions():
        for path in dist.files or ():
            if path.name == base and os.path.realpath(str(dist.locate_file(path))) == target:
                return dist.metadata["Name"]
    return None
