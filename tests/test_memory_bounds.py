"""Memory is bounded in bytes, not in entries: 10,000 distinct large values of each kind an
untrusted caller can hand the registry leave its memory within the documented bounds (the
journal's 4 MiB, the signature cache's 4 MiB), and unknown API names are neither kept nor cost a
walk over the installed distributions each."""

from __future__ import annotations

import pytest

from textwrap import indent

from conftest import COUNT_WALKS, run_python

# The bounds a run may reach: the journal (4 MiB) and the signature cache (4 MiB), with room for
# the allocator's own keeping. Before the bounds, 1,000 values of 100 KB kept 96 MiB to 1.1 GiB.
GROWTH_LIMIT_MIB = 16

FEED = {
    # Names at and far over the limit, all distinct: refused or not found, none kept.
    "unknown API names": "capreg.request(f'{i:06d}' + 'n' * (250 if i % 2 else 100_000), '^1', requester='feed')",
    "requester names": "capreg.request('mathkit', '^1', requester=f'{i:06d}' + 'r' * (250 if i % 2 else 100_000))",
    "requirements": "capreg.request('mathkit', f'>={i}.0' + ' ' * 200 + ('x' if i % 2 else 'x' * 100_000), requester='feed')",
    "malformed signatures": "api.address('add_i64', f'int (T{i}, ' + 'int, ' * 800)",
    "valid signatures": "api.address('add_i64', f'int (T{i}, ' + 'int, ' * 800 + 'int)')",
    "function names": "api.address(f'{i:06d}' + 'f' * (250 if i % 2 else 100_000), 'fn()')",
}


@pytest.mark.parametrize("kind", list(FEED))
def test_ten_thousand_distinct_large_values_stay_within_the_bound(kind, fresh):
    out = fresh(
        f"""
        import capreg

        def rss_mib():
            with open("/proc/self/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) / 1024

        api = capreg.request("mathkit", "^1", requester="feed")
        for i in range(200):  # warm up: first allocations, caches of the interpreter itself
            try:
                {FEED[kind]}
            except capreg.ResolutionError:
                pass
        before = rss_mib()
        refused = 0
        for i in range(10_000):
            try:
                {FEED[kind]}
            except capreg.ResolutionError:
                refused += 1
        print(refused, round(rss_mib() - before, 1))
        """,
        timeout=300,
    )
    refused, growth = out.split()
    # At least the half over the length limits is refused (names at the limit may be valid).
    assert int(refused) >= 5_000, f"{kind}: {out}"
    assert float(growth) < GROWTH_LIMIT_MIB, f"{kind}: RSS grew {growth} MiB"


def test_unknown_names_do_not_walk_the_distributions_each_time(fresh, tmp_path):
    """10,000 requests for unknown names list the entry points once; installing a distribution
    (a new .dist-info in a folder on sys.path) is seen at the next request."""
    out = fresh(
        f"""
        import sys
        import capreg
        {indent(COUNT_WALKS, 8 * " ")}
        sys.path.insert(0, {str(tmp_path)!r})
        for i in range(10_000):
            try:
                capreg.request(f"nobody_declares_{{i}}", "^1", requester="feed")
            except capreg.ApiNotFoundError:
                pass
        print("walks", walks)

        # "pip install": a distribution that declares the API appears on sys.path.
        info = {str(tmp_path)!r} + "/late_provider-1.0.dist-info"
        import os
        os.mkdir(info)
        open(info + "/METADATA", "w").write("Metadata-Version: 2.1\\nName: late-provider\\nVersion: 1.0\\n")
        open(info + "/entry_points.txt", "w").write("[capreg.apis]\\nlate_api = capreg_test_late_provider\\n")
        try:
            capreg.request("late_api", "^1", requester="feed")
        except capreg.ProviderLoadError as e:
            print("seen", "late-provider" in str(e) and "capreg_test_late_provider" in str(e))
        """,
    )
    assert "walks 1" in out, out
    assert "seen True" in out, out
