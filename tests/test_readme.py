"""The README's tour runs as written."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_readme_tour_runs(digits_dir, wine_csv, tmp_path, monkeypatch):
    text = (ROOT / "README.md").read_text()
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    code = code.replace('"digits.safetensors"', repr(str(tmp_path / "digits.safetensors")))
    monkeypatch.chdir(ROOT)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    assert namespace["x"].shape == (64, 16, 16, 1)
    assert (tmp_path / "digits.safetensors").exists()


def _fenced(text: str, marker: str) -> str:
    block = re.search(rf"<!-- {marker} -->\n```\n(.*?)\n```", text, re.S)
    assert block, f"README.md has no {marker} block"
    return block.group(1).strip()


def test_ci_runs_the_readme_test_command_word_for_word():
    command = _fenced((ROOT / "README.md").read_text(), "test-command")
    ci_lines = (ROOT / ".ci" / "run").read_text().splitlines()
    assert command in ci_lines


def test_the_main_command_runs_the_digits_cnn_pipeline():
    command = _fenced((ROOT / "README.md").read_text(), "main-command")
    run = re.search(r"\.venv/bin/toolkit run (\S+\.yaml)$", command)
    assert run, command
    assert (ROOT / run.group(1)).is_file()


def test_ci_installs_chromium_for_the_report_test():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "apt-get install -y -qq chromium" in ci
