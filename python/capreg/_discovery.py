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


# ---- Who a provider is (capreg._capreg checks every publish with these) ------------------------


def module_file(name: str) -> tuple[str, list[str]]:
    """The real path of the file the module ``name`` is, and, for a package, the real paths of its
    folders (``__path__``); an ImportError says why there is none.

    An imported module's ``__file__`` (a module whose multi-phase initialisation is running is in
    ``sys.modules`` already, and so is a package whose ``__init__`` imports its native module),
    else the origin of the spec that importing it would find (a module in single-phase
    initialisation is not in ``sys.modules`` yet). Finding a spec imports the module's parent
    packages, not the module.
    """
    import os
    import sys

    module = sys.modules.get(name)
    file = _file_attribute(module) if module is not None else None
    if file is not None:
        folders = vars(module).get("__path__")
    else:
        from importlib import util

        try:
            spec = util.find_spec(name)
        except Exception as e:  # a missing or failing parent package, a malformed name
            raise ImportError(f"looking for the module '{name}' raised {type(e).__name__}: {e}") from None
        if spec is None:
            raise ImportError(f"no module named '{name}' can be imported")
        if not spec.has_location or not isinstance(spec.origin, str):
            raise ImportError(f"the module '{name}' is not loaded from a file (origin {spec.origin!r})")
        file, folders = spec.origin, spec.submodule_search_locations
    try:
        folders = [os.path.realpath(f) for f in folders or () if isinstance(f, str)]
    except TypeError:  # a __path__ that is not iterable
        folders = []
    return os.path.realpath(file), folders


def library_file(value: str) -> str:
    """The real path of the library an entry point ``module:ATTR`` names (imports ``module``)."""
    import importlib
    import os

    module, _, attribute = value.partition(":")
    path = getattr(importlib.import_module(module.strip()), attribute.strip())
    return os.path.realpath(os.fspath(path))


def module_of(file: str) -> str | None:
    """The name of an imported module that is the file ``file``, or None (asked for errors only)."""
    import os
    import sys

    target = os.path.realpath(file)
    base = os.path.basename(target)
    for name, module in list(sys.modules.items()):
        found = _file_attribute(module)
        if found is not None and os.path.basename(found) == base and os.path.realpath(found) == target:
            return name
    return None


def _file_attribute(module: object) -> str | None:
    """``module.__file__`` read from its namespace (no module ``__getattr__`` runs), if a str."""
    try:
        file = vars(module).get("__file__")
    except TypeError:  # not a module: anything may sit in sys.modules
        return None
    return file if isinstance(file, str) and file else None
