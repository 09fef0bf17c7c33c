"""``python -m capreg``: list | show NAME | check MODULE..., each with ``--json``.

``check`` imports consumer modules and reports what each requested and whether it resolved:
the command to run when an upgrade broke something.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from typing import Any, Dict, List, Optional

import capreg
from capreg import _capreg


def _list(args: argparse.Namespace) -> int:
    found, failures = _capreg.apis(True)
    if args.json:
        print(json.dumps({"apis": [a.to_dict() for a in found], "failures": [{"entry_point": n, "error": e} for n, e in failures]}, indent=2))
        return 1 if failures else 0
    if not found and not failures:
        print("No capreg APIs are published or installed (entry-point group 'capreg.apis').")
        return 0
    rows = [("API", "VERSION", "FUNCTIONS", "PROVIDER", "FILE")]
    rows += [(a.name, a.version, str(len(a.functions)), a.provider, a.file or "-") for a in found]
    _table(rows)
    for name, why in failures:
        print(f"\nfailed to load the provider of {name!r}: {why}")
    return 1 if failures else 0


def _show(args: argparse.Namespace) -> int:
    try:
        versions = capreg.describe(args.name)
    except capreg.ResolutionError as e:
        return _fail(args, str(e), {"api": args.name, "error": str(e)})
    if args.json:
        print(json.dumps([a.to_dict() for a in versions], indent=2))
        return 0
    for api in versions:
        print(f"{api.name} {api.version}")
        print(f"  provider:     {api.provider}")
        print(f"  distribution: {api.distribution or '- (no installed distribution lists its file)'}")
        print(f"  file:         {api.file or '-'}")
        rows = [("  FUNCTION", "SIGNATURE", "SINCE", "")]
        rows += [(f"  {f.name}", f.signature, f.since, "deprecated" if f.deprecated else "") for f in api.functions]
        _table(rows)
        print()
    return 0


def _check(args: argparse.Namespace) -> int:
    reports: List[Dict[str, Any]] = []
    for module in args.modules:
        since = _capreg.journal_seq()
        error: Optional[str] = None
        try:
            importlib.import_module(module)
        except Exception as exc:  # report every failure, of any kind, per module
            error = f"{type(exc).__name__}: {exc}"
        entries = _capreg.journal(since)
        failed = error is not None or any(entry["error"] for entry in entries)
        reports.append({"module": module, "ok": not failed, "error": error, "requests": entries})
    if args.json:
        print(json.dumps(reports, indent=2))
    else:
        for report in reports:
            print(f"{report['module']}: {'ok' if report['ok'] else 'FAILED'}")
            for e in report["requests"]:
                what = f"{e['api']} {e.get('requirement') or e.get('version')}"
                print(f"  {e['kind']:<8} {what:<24} by {e['requester']}: {e['outcome'] or 'FAILED'}")
                if e["error"]:
                    print("    " + e["error"].replace("\n", "\n    "))
            if report["error"] and not any(e["error"] for e in report["requests"]):
                print("  " + report["error"].replace("\n", "\n  "))
            if not report["requests"] and report["error"] is None:
                print("  (it requested nothing through capreg on import)")
    return 0 if all(r["ok"] for r in reports) else 1


def _fail(args: argparse.Namespace, message: str, payload: Dict[str, Any]) -> int:
    if args.json:
        print(json.dumps(payload, indent=2))
    else:
        print(message, file=sys.stderr)
    return 1


def _table(rows: List[tuple]) -> None:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m capreg", description="Inspect the capreg registry.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("list", help="every installed and published API")
    p.set_defaults(run=_list)
    p = sub.add_parser("show", help="one API: every version, its provider, file and functions")
    p.add_argument("name")
    p.set_defaults(run=_show)
    p = sub.add_parser("check", help="import consumer modules; report what each requested and whether it resolved")
    p.add_argument("modules", nargs="+", metavar="MODULE")
    p.set_defaults(run=_check)
    for p in sub.choices.values():
        p.add_argument("--json", action="store_true", help="machine-readable output")
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
