"""examples/demo.py's section headers: each within 80 columns, each with its rule."""

import ast
from pathlib import Path

DEMO = Path(__file__).resolve().parents[1] / "examples" / "demo.py"


def test_every_section_header_fits_in_80_columns_with_its_rule(capsys):
    tree = ast.parse(DEMO.read_text())
    # The demo's own section() and WIDTH, without running the demo.
    pieces = [
        node
        for node in tree.body
        if (isinstance(node, ast.FunctionDef) and node.name == "section")
        or (isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "WIDTH" for t in node.targets))
    ]
    namespace: dict = {}
    exec(compile(ast.Module(body=pieces, type_ignores=[]), str(DEMO), "exec"), namespace)
    titles = [
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "section"
    ]
    assert len(titles) >= 7
    for title in titles:
        namespace["section"](title)
        header = capsys.readouterr().out.strip("\n")
        assert len(header) <= 80, header
        assert header.startswith(f"=== {title} ===") and set(header[len(title) + 5 :]) == {"="}, header
