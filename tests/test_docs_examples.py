"""The Python examples in docs/*.md and the README run as written."""
import pathlib
import re

import pytest

TOP = pathlib.Path(__file__).resolve().parent.parent
EXAMPLES = [(path.name, i, code)
            for path in sorted(TOP.glob("docs/*.md")) + [TOP / "README.md"]
            for i, code in enumerate(re.findall(r"```python\n(.*?)```", path.read_text(),
                                                re.S))]


@pytest.mark.usefixtures("quiet")
@pytest.mark.parametrize("page, number, code", EXAMPLES,
                         ids=["%s-%d" % (page, number) for page, number, _ in EXAMPLES])
def test_example_runs(page, number, code, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # files an example writes land there
    exec(compile(code, "%s example %d" % (page, number), "exec"), {"__name__": "__main__"})
    assert capsys.readouterr().out  # every example prints what it shows
