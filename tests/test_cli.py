"""python -m capreg list | show | check, human and --json."""

import json
import subprocess
import sys

import pytest


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "capreg", *args], capture_output=True, text=True, cwd=cwd, timeout=120)


def test_list():
    out = cli("list")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].split() == ["API", "VERSION", "FUNCTIONS", "PROVIDER", "FILE"]
    rows = {tuple(line.split()[:4]) for line in lines[1:]}
    assert ("mathkit", "1.4.0", "7", "capreg_test_rsprovider") in rows
    assert ("mathkit", "2.0.0", "5", "capreg_test_rsprovider") in rows
    assert ("cstrings", "1.1.0", "4", "capreg_test_cprovider.deep.nested._native") in rows


def test_list_json():
    out = cli("list", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["failures"] == []
    mathkit = [a for a in data["apis"] if a["name"] == "mathkit"]
    assert [a["version"] for a in mathkit] == ["1.4.0", "2.0.0"]
    assert mathkit[0]["distribution"] == "capreg-test-rsprovider"
    assert {"name": "old_mul", "signature": "fn(i64, i64) -> i64", "since": "1.0.0", "deprecated": True} in mathkit[0]["functions"]


def test_show():
    out = cli("show", "cstrings")
    assert out.returncode == 0, out.stderr
    assert "cstrings 1.1.0" in out.stdout
    assert "provider:     capreg_test_cprovider.deep.nested._native" in out.stdout
    assert "distribution: capreg-test-cprovider" in out.stdout
    assert any(line.split()[:2] == ["fnv1a64", "fn(*const"] for line in out.stdout.splitlines())


def test_show_json_and_unknown():
    data = json.loads(cli("show", "mathkit", "--json").stdout)
    assert [d["version"] for d in data] == ["1.4.0", "2.0.0"]
    out = cli("show", "no_such_api")
    assert out.returncode == 1
    assert "no provider publishes 'no_such_api'" in out.stderr
    out = cli("show", "no_such_api", "--json")
    assert out.returncode == 1 and json.loads(out.stdout)["api"] == "no_such_api"


def test_check_reports_each_consumer(tmp_path):
    (tmp_path / "broken_consumer.py").write_text(
        "import capreg\ncapreg.request('mathkit', '^7', requester=__name__)\n"
    )
    out = cli("check", "capreg_test_cconsumer", "broken_consumer", cwd=tmp_path)
    assert out.returncode == 1
    text = out.stdout
    assert "capreg_test_cconsumer: ok" in text
    assert "request  cstrings ^1.0" in text and "1.1.0 from 'capreg_test_cprovider.deep.nested._native'" in text
    assert "resolve  mathkit 1.4.0" in text
    # The C consumer's cstrings table marks 'not_there' optional, and the provider lacks it.
    assert "4 of 5 functions resolved; 'not_there' is optional and absent" in text
    assert "broken_consumer: FAILED" in text
    assert "'broken_consumer' requires API 'mathkit' \"^7\"" in text


def test_check_json(tmp_path):
    (tmp_path / "quiet_module.py").write_text("x = 1\n")
    out = cli("check", "capreg_test_rsconsumer", "quiet_module", "no_such_module_xyz", "--json", cwd=tmp_path)
    assert out.returncode == 1
    reports = {r["module"]: r for r in json.loads(out.stdout)}
    rs = reports["capreg_test_rsconsumer"]
    assert rs["ok"] and rs["error"] is None
    requested = {(e["kind"], e["api"], e.get("requirement") or e.get("version"), e["requester"]) for e in rs["requests"]}
    assert ("request", "mathkit", "^1.2", "capreg_test_rsconsumer") in requested
    assert ("request", "mathkit", "^2", "capreg_test_rsconsumer.v2") in requested
    assert ("resolve", "cstrings", "1.1.0", "capreg_test_rsconsumer") in requested
    assert reports["quiet_module"] == {"module": "quiet_module", "ok": True, "error": None, "requests": []}
    assert not reports["no_such_module_xyz"]["ok"]
    assert "ModuleNotFoundError" in reports["no_such_module_xyz"]["error"]


@pytest.mark.parametrize("args", [[], ["frobnicate"], ["show"]])
def test_usage_errors(args):
    out = cli(*args)
    assert out.returncode == 2 and "usage:" in out.stderr
