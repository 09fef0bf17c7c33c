"""tracing events: to stderr with CAPREG_LOG, to Python logging under the logger 'capreg'."""


def test_capreg_log_prints_events_to_stderr(fresh):
    from conftest import run_python

    proc = run_python(
        """
        import capreg
        capreg.request("mathkit", "^1", requester="observed")
        try:
            capreg.request("mathkit", "^9", requester="observed")
        except capreg.VersionMismatchError:
            pass
        """,
        env={"CAPREG_LOG": "debug"},
    )
    assert proc.returncode == 0, proc.stderr
    err = proc.stderr
    for needle in ["discovery", "published", 'api="mathkit"', 'version=1.4.0', "request", 'requester="observed"', "elapsed_us=", "request failed"]:
        assert needle in err, needle


def test_silent_by_default(fresh):
    from conftest import run_python

    proc = run_python(
        """
        import capreg
        try:
            capreg.request("mathkit", "^9", requester="quiet")
        except capreg.VersionMismatchError:
            pass
        import logging  # even once logging is imported, a caught failure prints nothing
        try:
            capreg.request("mathkit", "^9", requester="quiet")
        except capreg.VersionMismatchError:
            pass
        """
    )
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr


def test_python_logging_receives_events(fresh):
    out = fresh(
        """
        import logging
        records = []
        class Keep(logging.Handler):
            def emit(self, record):
                records.append((record.name, record.levelname, record.getMessage()))
        logging.getLogger().addHandler(Keep())
        logging.getLogger().setLevel(logging.DEBUG)
        import capreg
        capreg.request("mathkit", "^1", requester="logged")
        try:
            capreg.request("nope_api", "^1", requester="logged")
        except capreg.ApiNotFoundError:
            pass
        import json
        print(json.dumps(records))
        """
    )
    import json

    lines = json.loads(out)
    assert all(name == "capreg" for name, _, _ in lines)
    assert any(level == "INFO" and msg.startswith("published") and "mathkit" in msg for _, level, msg in lines)
    assert any(level == "DEBUG" and msg.startswith("request") and 'requester="logged"' in msg for _, level, msg in lines)
    assert any(level == "WARNING" and msg.startswith("request failed") and "nope_api" in msg for _, level, msg in lines)
