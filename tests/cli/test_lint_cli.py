"""agent-lint end to end through ``main()``: formats, exit codes, rule selection, discovery."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agentsync.cli import lint as lint_cli
from agentsync.cli.color import use_color
from agentsync.cli.lint import main
from tests.pipes import after_closed_pipe

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
INVALID = FIXTURES / "lint" / "invalid"
VALID = FIXTURES / "lint" / "valid"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_text_output_is_exact(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    config = write(
        tmp_path / "agents" / "a.yaml",
        'ellipsis:\n  version: v1\ntriggers:\n  - type: cron\n    schedule: "0 25 * * *"\n'
        "claude:\n  system: hi\n",
    )
    code, out, _ = run(capsys, str(config))
    assert code == 1
    assert out == (
        f"{config}:5:18: error: invalid schedule '0 25 * * *': hour 25 is out of range 0-23"
        " [cron-schedule]\n"
        ' 5 |     schedule: "0 25 * * *"\n'
        "   |                  ^~\n"
        "1 error, 0 warnings in 1 config (1 invalid)\n"
    )


def test_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "--format",
        "json",
        str(INVALID / "bad-version.yaml"),
        str(VALID / "warnings-only.yaml"),
        str(FIXTURES / "lint" / "ignored" / "not-an-agent.yaml"),
    )
    assert code == 1
    report = json.loads(out)
    assert set(report) == {"files", "summary"}
    assert report["summary"] == {
        "files": 3,
        "valid": 1,
        "invalid": 1,
        "ignored": 1,
        "errors": 1,
        "warnings": 3,
    }
    first = report["files"][0]
    assert first["path"] == str(INVALID / "bad-version.yaml")
    assert first["status"] == "invalid"
    assert first["diagnostics"] == [
        {
            "rule": "version",
            "severity": "error",
            "message": "ellipsis.version is 'v2', which is not supported; the supported "
            "version is v1",
            "line": 2,
            "column": 12,
            "path": "ellipsis.version",
        }
    ]
    assert [f["status"] for f in report["files"]] == ["invalid", "valid", "ignored"]


def test_warnings_alone_exit_zero(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, str(VALID / "warnings-only.yaml"))
    assert code == 0
    assert "warning:" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--disable", "nope"], "unknown rule 'nope'"),
        (["does/not/exist.yaml"], "does/not/exist.yaml: no such file or directory"),
    ],
)
def test_usage_errors_exit_two(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert message in err


def test_bad_flag_exits_two(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--format", "xml"])
    assert exit_info.value.code == 2


def test_disable_flag(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--disable", "version", str(INVALID / "bad-version.yaml"))
    assert code == 0
    assert "1 config valid" in out


def _git_repo(path: Path) -> Path:
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    return path


def test_pyproject_settings(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = _git_repo(tmp_path)
    write(repo / "pyproject.toml", '[tool.agent-lint]\ndisable = ["limits-order"]\n')
    write(
        repo / "agents" / "a.yaml", "claude: {system: hi}\nellipsis: {}\nlimits: {run: 5, day: 1}\n"
    )
    monkeypatch.chdir(repo)
    code, out, _ = run(capsys)
    assert code == 0
    assert "limits-order" not in out
    assert "budget" not in out


def test_dotfile_settings_change_the_maximums(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = _git_repo(tmp_path)
    write(repo / ".agent-lint.yaml", "max-limits: {run: 100}\n")
    write(repo / "agents" / "a.yaml", "ellipsis: {}\nclaude: {system: hi}\nlimits: {run: 80}\n")
    monkeypatch.chdir(repo)
    assert run(capsys)[1] == "1 config valid\n"
    write(repo / ".agent-lint.yaml", "max-limits: {run: 60}\n")
    assert "clamped to $60 [limits-clamped]" in run(capsys)[1]


def test_bad_settings_file_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = _git_repo(tmp_path)
    write(repo / ".agent-lint.yaml", "disable: version\n")
    monkeypatch.chdir(repo)
    code, _, err = run(capsys)
    assert code == 2
    assert "'disable' must be a list of rule ids, e.g. disable: [budget-schedule]\n" in err
    (repo / ".agent-lint.yaml").unlink()
    write(repo / "pyproject.toml", '[tool.agent-lint]\ndisable = "version"\n')
    code, _, err = run(capsys)
    assert code == 2
    assert """'disable' must be a list of rule ids, e.g. disable = ["budget-schedule"]\n""" in err


def test_no_path_discovers_from_the_git_root(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = _git_repo(tmp_path)
    write(repo / "agents" / "ok.yaml", "ellipsis: {}\nclaude: {system: hi}\n")
    write(
        repo / ".ellipsis" / "deep" / "er" / "bad.yml",
        "ellipsis: {version: v9}\nclaude: {system: x}\n",
    )
    write(repo / "ellipsis" / "notes.yaml", "notes: not an agent\n")
    write(repo / "other" / "agents.yaml", "ellipsis: {version: v9}\n")
    write(repo / "src" / "agents" / "x.yaml", "ellipsis: {version: v9}\n")
    monkeypatch.chdir(repo / "src")
    code, out, _ = run(capsys, "--format", "json")
    assert code == 1
    paths = {f["path"]: f["status"] for f in json.loads(out)["files"]}
    assert paths == {
        "../.ellipsis/deep/er/bad.yml": "invalid",
        "../agents/ok.yaml": "valid",
        "../ellipsis/notes.yaml": "ignored",
    }


def test_no_configs_found(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _git_repo(tmp_path)
    (root / "services" / "agents").mkdir(parents=True)
    (root / "services" / "agents" / "a.yaml").write_text("ellipsis: {version: v1}\n")
    monkeypatch.chdir(root / "services")
    note = (
        "agent-lint: note: no configs under agents/, .agents/, ellipsis/ or .ellipsis/ in "
        f"{root.resolve()}; to lint other files, name them or their directory\n"
    )
    assert run(capsys) == (0, "no agent configs found\n", note)
    assert run(capsys, "agents")[2] == ""  # a path given: no note


def test_secrets_are_never_printed(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    token = "ghp_" + "a1B2c3D4e5" * 4
    # Not the hunter2 of the rule's documentation, which SARIF carries as the rule's help.
    password = "db-pass-6f2a91"
    config = write(
        tmp_path / "a.yaml",
        f"ellipsis: {{}}\nclaude: {{system: hi}}\nsandbox:\n  variables:\n"
        f"    - {{name: GH, value: {token}}}\n    - name: DB_PASSWORD\n      value: {password}\n",
    )
    for fmt in lint_cli.REPORTERS:
        code, out, err = run(capsys, "--format", fmt, str(config))
        assert code == 1
        assert token not in out + err
        assert password not in out + err
        assert "hardcoded-secret" in out


def test_color_follows_the_flag_then_the_environment_then_the_terminal() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    pipe = io.StringIO()
    assert use_color("auto", Terminal(), {}) is True
    assert use_color("auto", Terminal(), {"NO_COLOR": "1"}) is False
    assert use_color("auto", Terminal(), {"NO_COLOR": ""}) is True  # set but empty: no effect
    assert use_color("auto", Terminal(), {"TERM": "dumb"}) is False
    assert use_color("auto", pipe, {}) is False
    assert use_color("auto", pipe, {"FORCE_COLOR": "1"}) is True
    assert use_color("auto", pipe, {"FORCE_COLOR": "0"}) is False
    assert use_color("auto", pipe, {"FORCE_COLOR": "1", "NO_COLOR": "1"}) is False
    assert use_color("always", pipe, {"NO_COLOR": "1"}) is True
    assert use_color("never", Terminal(), {"FORCE_COLOR": "1"}) is False


def test_color_flag_colours_a_pipe(capsys: pytest.CaptureFixture[str]) -> None:
    _, plain, _ = run(capsys, str(INVALID / "bad-version.yaml"))
    _, coloured, _ = run(capsys, "--color", "always", str(INVALID / "bad-version.yaml"))
    assert "\x1b[" not in plain
    assert "\x1b[" in coloured


def test_parallel_run_matches_serial(tmp_path: Path) -> None:
    from agentsync.lint.runner import collect_targets, lint_targets
    from agentsync.lint.settings import Settings

    sources = sorted((FIXTURES / "lint").rglob("*.yaml"))
    for index in range(300):
        source = sources[index % len(sources)]
        (tmp_path / f"{index:03d}-{source.name}").write_bytes(source.read_bytes())
    targets = collect_targets([str(tmp_path)], tmp_path, tmp_path)
    assert lint_targets(targets, Settings(), jobs=2) == lint_targets(targets, Settings(), jobs=1)


def test_internal_error_is_a_message_not_a_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("agentsync.lint.runner.lint_targets", broken)
    code, _, err = run(capsys, str(VALID / "complete.yaml"))
    assert code == 3
    assert "internal error: RuntimeError: boom" in err
    assert "please report it at https://" in err
    assert "Traceback" not in err


def test_list_rules(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--list-rules")
    assert code == 0
    assert out.split()[:4] == ["RULE", "SEVERITY", "FIX", "WHAT"]  # the columns the docs name
    assert "cron-schedule" in out
    assert "hardcoded-secret" in out
    # the severities line up in one column, however long the longest rule id
    columns = {len(line) - len(line.split(maxsplit=1)[1]) for line in out.splitlines()}
    assert len(columns) == 1


@pytest.mark.parametrize("jobs", ["0", "-3"])
def test_jobs_below_one_is_a_usage_error(capsys: pytest.CaptureFixture[str], jobs: str) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--jobs", jobs, "--list-rules"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert f"argument --jobs/-j: {jobs} is not 1 or more (leave it out: one per core)" in err


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    """``agent-lint --format json ... | head -c 10``: no traceback, no internal error."""
    for n in range(400):  # enough output to fill any pipe buffer
        (tmp_path / f"bad{n}.yaml").write_text("ellipsis: {version: v2}\nclaude: 5\n")
    program = "import sys; from agentsync.cli.lint import main; sys.exit(main())"

    status, errors = after_closed_pipe(program, "--format", "json", str(tmp_path))

    assert status == 141
    assert errors == b""


@pytest.mark.parametrize("flag", ["--sarif-file", "--summary-file"])
@pytest.mark.parametrize(
    ("where", "says"),
    [
        ("out", "is a directory, not a file"),
        ("missing/out", "its directory {tmp}/missing does not exist"),
        ("file/out", "its directory {tmp}/file is not a directory"),
    ],
)
def test_a_report_file_that_cannot_be_a_file_is_refused_before_linting(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, flag: str, where: str, says: str
) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "file").write_text("")
    path = tmp_path / where
    code, out, err = run(capsys, flag, str(path), str(VALID))
    assert code == 2
    assert out == ""  # nothing was linted
    assert err == f"agent-lint: {flag} {path}: {says.format(tmp=tmp_path)}\n"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full here")
@pytest.mark.parametrize("flag", ["--sarif-file", "--summary-file"])
def test_a_report_file_that_cannot_be_written_is_one_line(
    capsys: pytest.CaptureFixture[str], flag: str
) -> None:
    code, _, err = run(capsys, flag, "/dev/full", str(VALID))
    assert code == 2
    assert err == f"agent-lint: {flag} /dev/full: cannot be written (no space left on device)\n"


def test_a_report_file_name_is_printed_escaped(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "no\x1b]0;T\x07where" / "out.sarif"
    code, _, err = run(capsys, "--sarif-file", str(path), str(VALID))
    assert code == 2
    assert err.count("\n") == 1
    assert err[:-1].isprintable()
    assert "no\\x1b]0;T\\x07where" in err


@pytest.mark.parametrize("fmt", ["text", "github", "markdown"])
@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_a_stdout_that_cannot_carry_a_character_shows_it_escaped(
    tmp_path: Path, fmt: str, encoding: str
) -> None:
    """With PYTHONIOENCODING=ascii, a key 's\u0443stem' (with a Cyrillic u) was an internal error
    (UnicodeEncodeError) in every format but JSON and SARIF."""
    config = tmp_path / "a.yaml"
    config.write_text("ellipsis: {version: v1}\nclaude:\n  s\u0443stem: 日本\n", encoding="utf-8")
    program = "import sys; from agentsync.cli.lint import main; sys.exit(main())"
    done = subprocess.run(
        [sys.executable, "-c", program, "--format", fmt, str(config)],
        capture_output=True,
        env={**os.environ, "PYTHONIOENCODING": encoding},
        check=False,
    )
    assert (done.returncode, done.stderr) == (1, b"")
    assert b"unknown key 's\\u0443stem'" in done.stdout
