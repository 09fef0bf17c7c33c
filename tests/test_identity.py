"""A provider is who it says it is (issue 15, section 3).

Every publish of the process-wide registry is checked: the functions must live in the declared
provider's file, and a name that an installed distribution declares in the entry-point group
`capreg.apis` may be published only by the provider that entry point names. `_tools`
(capreg_test_cprovider._tools, of the distribution capreg-test-cprovider) is the squatter: it
publishes whatever it is given through the raw table, with functions that live in its own file.

Each squatting case runs in a fresh interpreter, so that whether discovery of the real owner ran
before is under the test's control.
"""

from __future__ import annotations

import json
import os

import pytest

import capreg

pytest.importorskip("wildsort")
tools = pytest.importorskip("capreg_test_cprovider._tools")

TOOLS = "capreg_test_cprovider._tools"
TOOLS_FILE = os.path.realpath(tools.__file__)
CONFLICT = 5
FUNCTIONS = [("version", "uint32_t (void)", "1.0.0", False)]


def wildsort_library() -> str:
    import wildsort._library

    return os.path.realpath(wildsort._library.PATH)


def mentions(message: str, *parts: str) -> None:
    for part in parts:
        assert part in message, f"{part!r} not in:\n{message}"


def squatting(fresh, before: str, after: str) -> dict:
    """Runs `before` (may request), then the squatter's publishes, then `after`; returns what the
    script printed as JSON: `refused` is [(code, message)] of each publish."""
    out = fresh(
        f"""
        import json, os
        import capreg
        import {TOOLS} as tools
        result = {{}}
        {before}
        functions = {FUNCTIONS!r}
        result["refused"] = [
            tools.publish("wildsort", "1.0.1", "libwildsort", functions),
            tools.publish("wildsort", "2.0.0", "libwildsort", functions),
            tools.publish("wildsort", "2.0.0", {TOOLS!r}, functions),
        ]
        try:
            tools.publish_py("wildsort", "1.0.1", "libwildsort", functions)
        except capreg.ConflictError as e:
            result["raised"] = [str(e), e.api, e.provider, e.found_version, e.file, e.code]
        {after}
        print(json.dumps(result))
        """
    )
    return json.loads(out.strip().splitlines()[-1])


def assert_refused_naming_both(result: dict) -> None:
    library = wildsort_library()
    first, major, major_as_tools = result["refused"]
    for (code, message), provider, version in [
        (first, "libwildsort", "1.0.1"),
        (major, "libwildsort", "2.0.0"),
        (major_as_tools, TOOLS, "2.0.0"),
    ]:
        assert code == CONFLICT, message
        mentions(
            message,
            # the squatter: what it claims, where its code is, which module and distribution
            f"API 'wildsort' {version} cannot be published as '{provider}'",
            f"its functions are in {TOOLS_FILE} (the module '{TOOLS}')",
            # the owner: distribution, entry point, provider and file
            "the name 'wildsort' belongs to the distribution 'wildsort'",
            "its entry point 'wildsort = wildsort._library:PATH' (group 'capreg.apis')",
            f"provider 'wildsort._library:PATH' (file {library})",
            f"Fix: pip uninstall capreg-test-cprovider (the distribution that ships {TOOLS_FILE})",
        )
    message, api, provider, version, file, code = result["raised"]
    assert (api, provider, version, file, code) == ("wildsort", "libwildsort", "1.0.1", TOOLS_FILE, CONFLICT)
    mentions(message, TOOLS_FILE, library, "'wildsort'")


REAL_WILDSORT = """
for requirement in ["^1", "*", ">=1"]:
    api = capreg.request("wildsort", requirement, requester="identity_test")
    result[requirement] = [api.version, api.provider, api.file]
result["versions"] = [a.version for a in capreg.describe("wildsort")]
"""


def assert_the_real_wildsort(result: dict) -> None:
    library = wildsort_library()
    for requirement in ["^1", "*", ">=1"]:
        assert result[requirement] == ["1.0.0", "libwildsort", library], requirement
    assert result["versions"] == ["1.0.0"]


@pytest.mark.parametrize(
    "before",
    [
        'assert "wildsort" not in {a.name for a in capreg.apis(discover=False)}',
        'capreg.request("wildsort", "^1", requester="identity_test")',
    ],
    ids=["before discovery", "after discovery"],
)
def test_squatters_are_refused_and_the_owner_still_gets_its_name(fresh, before):
    """Before discovery, the squatter publishes first and is refused (never accepted, so nothing
    is withdrawn); the real library, loaded by discovery after it, is what `^1`, `*` and `>=1`
    get. After discovery, the same."""
    result = squatting(fresh, before=before, after=REAL_WILDSORT.replace("\n", "\n        "))
    assert_refused_naming_both(result)
    assert_the_real_wildsort(result)


def test_a_module_owned_name_is_refused_before_its_owner_is_imported(fresh):
    """mathkit belongs to capreg-test-rsprovider (entry point `mathkit = capreg_test_rsprovider`,
    a package whose native module is capreg_test_rsprovider/capreg_test_rsprovider.abi3.so). A
    squatter publishing first is refused; the owner imported second publishes both majors."""
    out = fresh(
        f"""
        import json, os, sys
        import capreg
        import {TOOLS} as tools
        functions = [("add_i64", "fn(i64, i64) -> i64", "1.0.0", False)]
        refused = [
            tools.publish("mathkit", "1.9.0", "capreg_test_rsprovider", functions),
            tools.publish("mathkit", "3.0.0", {TOOLS!r}, functions),
        ]
        assert "capreg_test_rsprovider" not in sys.modules
        import capreg_test_rsprovider
        native = sys.modules["capreg_test_rsprovider.capreg_test_rsprovider"].__file__
        got = [
            [a.version, a.provider, a.file] for a in (
                capreg.request("mathkit", r, requester="identity_test") for r in ["^1", "*"]
            )
        ]
        print(json.dumps([refused, got, os.path.realpath(native),
                          os.path.realpath(capreg_test_rsprovider.__file__)]))
        """
    )
    refused, got, native, package = json.loads(out.strip().splitlines()[-1])
    (posing, posing_message), (major, major_message) = refused
    # Posing as the owner: the owner's name passes the entry point, not the owner's files.
    assert posing == CONFLICT, posing_message
    mentions(
        posing_message,
        "API 'mathkit' 1.9.0 cannot be published as 'capreg_test_rsprovider'",
        f"its functions are in {TOOLS_FILE} (the module '{TOOLS}')",
        f"but 'capreg_test_rsprovider' is the package {package}, whose code is in its folder {os.path.dirname(package)}",
        "pip uninstall capreg-test-cprovider",
    )
    # Under its own name: the name is someone else's.
    assert major == CONFLICT, major_message
    mentions(
        major_message,
        f"API 'mathkit' 3.0.0 cannot be published as '{TOOLS}'",
        f"its functions are in {TOOLS_FILE} (the module '{TOOLS}')",
        "the name 'mathkit' belongs to the distribution 'capreg-test-rsprovider'",
        "its entry point 'mathkit = capreg_test_rsprovider'",
        f"provider 'capreg_test_rsprovider' (file {package})",
        f"Fix: pip uninstall capreg-test-cprovider (the distribution that ships {TOOLS_FILE})",
    )
    assert got == [["1.4.0", "capreg_test_rsprovider", native], ["2.0.0", "capreg_test_rsprovider", native]]


def test_code_from_another_modules_file_is_refused():
    """capreg_test_rsprovider is a real module (a package) with files of its own: _tools, whose
    code is elsewhere, cannot publish as it, even an unowned name. Under its own name it can."""
    import capreg_test_rsprovider

    package = os.path.realpath(capreg_test_rsprovider.__file__)
    folder = os.path.dirname(package)
    code, message = tools.publish("ident_unowned", "1.0.0", "capreg_test_rsprovider", FUNCTIONS)
    assert code == CONFLICT, message
    mentions(
        message,
        "API 'ident_unowned' 1.0.0 cannot be published as 'capreg_test_rsprovider'",
        f"its functions are in {TOOLS_FILE} (the module '{TOOLS}')",
        f"but 'capreg_test_rsprovider' is the package {package}, whose code is in its folder {folder}",
        f"Fix: make '{TOOLS}' declare itself as the provider of 'ident_unowned' and rebuild it",
        "if it should not publish 'ident_unowned' at all: pip uninstall capreg-test-cprovider",
    )
    with pytest.raises(capreg.ConflictError, match="is the package"):
        tools.publish_py("ident_unowned", "1.0.0", "capreg_test_rsprovider", FUNCTIONS)
    assert [a.name for a in capreg.apis(discover=False) if a.name == "ident_unowned"] == []

    assert tools.publish("ident_unowned", "1.0.0", TOOLS, FUNCTIONS) == (0, "")
    tools.publish_py("ident_unowned", "1.1.0", TOOLS, FUNCTIONS)
    api = capreg.request("ident_unowned", "^1", requester="identity_test")
    assert (api.version, api.provider, api.file) == ("1.1.0", TOOLS, TOOLS_FILE)


@pytest.mark.parametrize(
    "provider, why",
    [
        ("someone_else", "no module named 'someone_else' can be imported"),
        ("libwildsort", "no module named 'libwildsort' can be imported"),
        ("capreg_test_nowhere.sub", "looking for the module 'capreg_test_nowhere.sub' raised ModuleNotFoundError"),
        ("sys", "the module 'sys' is not loaded from a file"),
    ],
)
def test_a_provider_that_is_no_module_with_a_file_is_refused(provider, why):
    code, message = tools.publish("ident_nobody", "1.0.0", provider, FUNCTIONS)
    assert code == CONFLICT, message
    mentions(
        message,
        f"API 'ident_nobody' 1.0.0 cannot be published as '{provider}'",
        f"its functions are in {TOOLS_FILE} (the module '{TOOLS}')",
        f"but '{provider}' is not a module whose file capreg can find ({why}",
    )
    assert [a for a in capreg.apis(discover=False) if a.name == "ident_nobody"] == []


def test_a_raw_publish_without_the_gil_is_checked_too():
    """publish_many publishes through the raw table with the GIL released: the check attaches
    to Python, and _tools' own module name passes (test_c_extensions' stress test publishes 300
    that way while 8 threads resolve)."""
    assert tools.publish_many("ident_nogil_", 3) == 3
    assert capreg.request("ident_nogil_2", "^1", requester="identity_test").provider == TOOLS
