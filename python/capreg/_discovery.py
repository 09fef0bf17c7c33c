"""Lists the entry points of the group ``capreg.apis`` (imported only when discovery runs)."""

from __future__ import annotations

GROUP = "capreg.apis"


# The whole group, listed once, with the state of sys.path it was listed under.
_listed: "tuple[tuple[tuple[str, int | None], ...], list[tuple[str, str, str]]] | None" = None


def _path_state() -> "tuple[tuple[str, int | None], ...]":
    """``sys.path`` with each folder's modification time: installing a distribution adds a folder
    (its ``.dist-info``) to one of them, which changes that folder's time."""
    import os
    import sys

    state: list[tuple[str, int | None]] = []
    for entry in sys.path:
        try:
            state.append((entry, os.stat(entry or ".").st_mtime_ns))
        except OSError:
            state.append((entry, None))
    return tuple(state)


def _scan() -> list[tuple[str, str, str]]:
    """Walks distributions rather than calling ``importlib.metadata.entry_points()`` so that the
    distribution's name is known on every Python from 3.9 on."""
    from importlib import metadata

    found = []
    seen = set()
    for dist in metadata.distributions():
        name = dist.metadata["Name"] or "?"
        for ep in dist.entry_points:
            if ep.group != GROUP:
                continue
            key = (ep.name, ep.value)
            if key in seen:  # the same distribution seen twice on sys.path
                continue
            seen.add(key)
            found.append((ep.name, name, ep.value))
    return found


def entry_points(api: str | None = None) -> list[tuple[str, str, str]]:
    """``(name, distribution, value)`` for each entry point of the group (named ``api``, if given).

    The group is listed once and listed again only when ``sys.path`` or one of its folders has
    changed since, so a request for a name nobody declares costs a few ``stat`` calls, not a walk
    over every installed distribution, and a distribution installed while the process runs (by
    ``pip`` in a subprocess, say) is seen at the next request.
    """
    global _listed
    state = _path_state()
    if _listed is None or _listed[0] != state:
        _listed = (state, _scan())
    return [ep for ep in _listed[1] if api is None or ep[0] == api]


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
