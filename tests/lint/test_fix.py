"""``agent-lint --fix``, ``--diff`` and ``--unsafe-fixes`` end to end through ``main()``, on
real files: golden before/after pairs, byte-exact round trips (CRLF, a byte order mark), what
is never written, and what is never shown."""

from __future__ import annotations

import codecs
import os
import shutil
from pathlib import Path

import pytest

from agentsync.cli.lint import main
from agentsync.config.reference import REACT_EVENTS
from agentsync.config.secrets import MASK
from agentsync.config.typos import only_close_match
from agentsync.lint.fixdiff import _masked_pair
from agentsync.lint.fixes import _refusal
from tests.permissions import AGENT_LINT, run_bound, why_permissions_do_not_bind
from tests.secret_samples import SAMPLE_IDS, SAMPLES, Sample, leaky_config

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "fix"
PAIRS = sorted(path.name.removesuffix(".before.yaml") for path in FIXTURES.glob("*.before.yaml"))

# The example: a comment header, an unquoted cron schedule, a YAML 1.1 boolean, a typo.
DONE_WHEN = (
    "# Nightly reviewer.\n"
    "# Owned by the platform team; ask in #agents.\n"
    "ellipsis:\n"
    "  version: v1   # the only version\n"
    "  name: nightly\n"
    "enabled: yes\n"
    "claude:\n"
    "  sytem: |\n"
    "    Review the code.\n"
    "triggers:\n"
    "  - type: cron\n"
    "    schedule: */30 * * * *   # every half hour\n"
)
DONE_WHEN_FIXED_LINES = {
    6: "enabled: true",
    8: "  system: |",
    12: '    schedule: "*/30 * * * *"   # every half hour',
}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory to work in (outside any git repository: the directory is the repository)."""
    (tmp_path / "agents").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("name", PAIRS)
def test_golden_pair(capsys: pytest.CaptureFixture[str], repo: Path, name: str) -> None:
    config = repo / "agents" / f"{name}.yaml"
    shutil.copyfile(FIXTURES / f"{name}.before.yaml", config)
    unsafe = ["--unsafe-fixes"] if name.startswith("unsafe-") else []
    _, _, err = run(capsys, "--fix", *unsafe, str(config))
    assert config.read_bytes() == (FIXTURES / f"{name}.after.yaml").read_bytes(), err
    assert "fixed: agents/" in err or f"fixed: {config}" in err
    _, _, again = run(capsys, "--fix", *unsafe, str(config))
    assert config.read_bytes() == (FIXTURES / f"{name}.after.yaml").read_bytes()
    assert "fixed:" not in again
    assert again.splitlines()[-1].startswith("0 fixed, ")


@pytest.mark.parametrize("name", [p for p in PAIRS if p.startswith("unsafe-")])
def test_unsafe_fixes_need_the_flag(
    capsys: pytest.CaptureFixture[str], repo: Path, name: str
) -> None:
    config = repo / "agents" / f"{name}.yaml"
    shutil.copyfile(FIXTURES / f"{name}.before.yaml", config)
    _, _, err = run(capsys, "--fix", str(config))
    assert config.read_bytes() == (FIXTURES / f"{name}.before.yaml").read_bytes()
    assert err.startswith("0 fixed, ")


def test_removing_a_secret_says_what_to_set_and_never_shows_it(
    capsys: pytest.CaptureFixture[str], repo: Path
) -> None:
    config = repo / "agents" / "secret.yaml"
    shutil.copyfile(FIXTURES / "unsafe-hardcoded-secret.before.yaml", config)
    code, out, err = run(capsys, "--diff", "--unsafe-fixes", "agents/secret.yaml")
    assert code == 1
    assert f"-      {MASK}\n" in out or f"-      value: {MASK}\n" in out
    _, out2, err2 = run(capsys, "--fix", "--unsafe-fixes", "agents/secret.yaml")
    assert (
        "agent-lint: set SENTRY_AUTH_TOKEN in the sandbox-variables store: "
        "agent sandbox var set SENTRY_AUTH_TOKEN\n"
    ) in err2
    for shown in (out, err, out2, err2):
        assert "5f1e0c0d9a8b4c7e" not in shown
        assert "hunter2" not in shown


def test_done_when(capsys: pytest.CaptureFixture[str], repo: Path) -> None:
    config = repo / "agents" / "nightly.yaml"
    config.write_text(DONE_WHEN)
    code, out, err = run(capsys, "--fix", "agents/nightly.yaml")
    assert code == 0, out
    assert out == "1 config valid\n"
    assert err == (
        "fixed: agents/nightly.yaml:12:15: a plain value cannot start with '*': YAML reads it"
        " as an alias [syntax]\n"
        "fixed: agents/nightly.yaml:6:10: enabled is the string 'yes', not a boolean: write"
        " true [yaml11-boolean]\n"
        "fixed: agents/nightly.yaml:8:3: unknown key 'sytem' in claude: did you mean 'system'?"
        " [unknown-key]\n"
        "3 fixed, 0 remaining\n"
    )
    before, after = DONE_WHEN.split("\n"), config.read_text().split("\n")
    assert len(before) == len(after)
    for number, (old, new) in enumerate(zip(before, after, strict=True), 1):
        assert new == DONE_WHEN_FIXED_LINES.get(number, old)
    assert run(capsys, "agents/nightly.yaml")[0] == 0
    fixed = config.read_bytes()
    assert run(capsys, "--fix", "agents/nightly.yaml")[2] == "0 fixed, 0 remaining\n"
    assert config.read_bytes() == fixed


def test_a_fixed_string_keeps_its_quotes_tag_and_anchor(
    capsys: pytest.CaptureFixture[str], repo: Path
) -> None:
    """A string written as another was unquoted (``"V1"`` became ``v1``), and a value's tag and
    anchor were overwritten with it, or the value was not fixed at all when it was quoted."""
    config = repo / "agents" / "a.yaml"
    config.write_text(
        "ellipsis:\n  version: &v 'V1'\nenabled: \"yes\"\nclaude:\n  system: hi\n"
        'triggers:\n  - type: react\n    events:\n      - event: !!str "isue_close"\n'
        "      - {event: &e pull_request_opn}\n"
    )
    assert run(capsys, "--fix", str(config))[0] == 0
    assert config.read_text() == (
        "ellipsis:\n  version: &v 'v1'\nenabled: true\nclaude:\n  system: hi\n"
        'triggers:\n  - type: react\n    events:\n      - event: !!str "issue_close"\n'
        "      - {event: &e pull_request_open}\n"
    )


def test_crlf_and_byte_order_mark_are_kept(capsys: pytest.CaptureFixture[str], repo: Path) -> None:
    config = repo / "agents" / "crlf.yaml"
    config.write_bytes(codecs.BOM_UTF8 + DONE_WHEN.replace("\n", "\r\n").encode())
    code, _, _ = run(capsys, "--fix", str(config))
    assert code == 0
    lines = DONE_WHEN.split("\n")
    expected = "\r\n".join(DONE_WHEN_FIXED_LINES.get(n, line) for n, line in enumerate(lines, 1))
    assert config.read_bytes() == codecs.BOM_UTF8 + expected.encode()


@pytest.mark.parametrize("line_break", ["\r", "\x85", "\u2028", "\u2029"], ids=repr)
def test_a_value_ends_at_a_line_break_git_does_not_count(
    capsys: pytest.CaptureFixture[str], repo: Path, line_break: str
) -> None:
    """libyaml ends a line at a lone CR (and U+0085, U+2028, U+2029), git does not: a value
    a fix replaces ends there, and the rest of the file is kept, not replaced with it."""
    before = "ellipsis:\n  version: V1\nenabled: yes\nclaude:\n  sytem: Audit.\n"
    after = "ellipsis:\n  version: v1\nenabled: true\nclaude:\n  system: Audit.\n"
    config = repo / "agents" / "breaks.yaml"
    config.write_bytes(before.replace("\n", line_break).encode())
    assert run(capsys, "--fix", str(config))[0] == 0
    assert config.read_bytes() == after.replace("\n", line_break).encode()


def test_diff_writes_nothing(capsys: pytest.CaptureFixture[str], repo: Path) -> None:
    config = repo / "agents" / "nightly.yaml"
    config.write_text(DONE_WHEN)
    code, out, err = run(capsys, "--diff", "agents/nightly.yaml")
    assert code == 1
    assert config.read_text() == DONE_WHEN
    assert out.startswith(
        "--- a/agents/nightly.yaml\n+++ b/agents/nightly.yaml\n@@ -3,10 +3,10 @@\n"
    )
    assert "-enabled: yes\n+enabled: true\n" in out
    assert '+    schedule: "*/30 * * * *"   # every half hour\n' in out
    assert err.splitlines()[-1] == "3 fixable, 0 remaining"


def test_diff_without_fixes_keeps_the_lint_exit_code(
    capsys: pytest.CaptureFixture[str], repo: Path
) -> None:
    config = repo / "agents" / "a.yaml"
    config.write_text("ellipsis:\n  version: v1\nclaude:\n  system: hi\n  bogus: 1\n")
    assert run(capsys, "--diff", str(config)) == (1, "", "0 fixable, 1 remaining\n")
    config.write_text("ellipsis:\n  version: v1\nclaude:\n  system: hi\n")
    assert run(capsys, "--diff", str(config)) == (0, "", "0 fixable, 0 remaining\n")


def test_suppressed_and_disabled_diagnostics_are_not_fixed(
    capsys: pytest.CaptureFixture[str], repo: Path
) -> None:
    text = (
        "ellipsis:\n  version: v1\nlimits:\n  run: 80  # agent-lint: disable=limits-clamped\n"
        "claude:\n  sytem: hi\n"
    )
    config = repo / "agents" / "a.yaml"
    config.write_text(text)
    _, _, err = run(capsys, "--fix", "--unsafe-fixes", "--disable", "unknown-key", str(config))
    assert config.read_text() == text
    warning, summary = err.splitlines()
    assert "--disable turns off 'unknown-key', an error" in warning
    assert summary.startswith("0 fixed, ")


def test_a_directive_naming_an_error_does_not_stop_its_fix(
    capsys: pytest.CaptureFixture[str], repo: Path
) -> None:
    """A directive silences warnings only: the error is still reported, so it is fixed."""
    config = repo / "agents" / "a.yaml"
    config.write_text(
        "ellipsis:\n  version: v1\nenabled: yes  # agent-lint: disable=yaml11-boolean\n"
        "claude:\n  system: hi\n"
    )
    assert run(capsys, "--fix", str(config))[0] == 0
    assert "enabled: true  # agent-lint: disable=yaml11-boolean\n" in config.read_text()


def test_unsafe_fixes_need_fix_or_diff(capsys: pytest.CaptureFixture[str], repo: Path) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--unsafe-fixes"])
    assert exited.value.code == 2
    assert "--unsafe-fixes needs --fix or --diff" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["--format", "json"], "--format json"),
        (["--format", "sarif"], "--format sarif"),
        (["--format", "github"], "--format github"),
        (["--sarif-file", "out.sarif"], "--sarif-file"),
        (["--summary-file", "summary.md"], "--summary-file"),
    ],
)
def test_diff_takes_no_report_option(
    capsys: pytest.CaptureFixture[str], repo: Path, argv: list[str], named: str
) -> None:
    (repo / "agents" / "a.yaml").write_text(DONE_WHEN)
    with pytest.raises(SystemExit) as exited:
        main(["--diff", *argv, "agents/a.yaml"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.splitlines()[-1] == (
        f"agent-lint: error: --diff prints a unified diff, not a report: "
        f"it cannot be used with {named}"
    )
    assert sorted(p.name for p in repo.iterdir()) == ["agents"]  # no report file either


def test_diff_goes_with_the_text_format_and_with_the_default_under_actions(
    capsys: pytest.CaptureFixture[str], repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / "agents" / "a.yaml").write_text(DONE_WHEN)
    code, out, _ = run(capsys, "--diff", "--format", "text", "agents/a.yaml")
    assert code == 1
    assert out.startswith("--- a/agents/a.yaml\n")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert run(capsys, "--diff", "agents/a.yaml")[:2] == (code, out)


def test_list_rules_says_what_can_fix(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "--list-rules")
    fixes = {line.split()[0]: line.split()[2] for line in out.splitlines()}
    assert fixes["yaml11-boolean"] == "safe"
    for rule in ("trigger-type", "mention-platform", "invalid-value", "type", "cron-schedule"):
        assert fixes[rule] == "safe"
    assert fixes["limits-clamped"] == "unsafe"
    assert fixes["system-prompt"] == "-"


def test_a_symbolic_link_is_not_written(capsys: pytest.CaptureFixture[str], repo: Path) -> None:
    target = repo / "target.yaml"
    target.write_text(DONE_WHEN)
    (repo / "agents" / "link.yaml").symlink_to(target)
    run(capsys, "--fix", "agents/link.yaml")
    assert target.read_text() == DONE_WHEN


def test_a_file_changed_since_it_was_read_is_not_overwritten(repo: Path) -> None:
    config = repo / "agents" / "a.yaml"
    config.write_text(DONE_WHEN)
    read = config.read_bytes()
    assert _refusal(config, repo, read) is None
    config.write_text(DONE_WHEN + "# edited meanwhile\n")
    assert _refusal(config, repo, read) == "changed on disk since it was read: not written"


def test_a_file_outside_the_repository_is_not_written(
    repo: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "a.yaml"
    elsewhere.write_text(DONE_WHEN)
    assert _refusal(elsewhere, repo, elsewhere.read_bytes()) == (
        "outside the repository: not written"
    )


def test_mode_is_kept(capsys: pytest.CaptureFixture[str], repo: Path) -> None:
    config = repo / "agents" / "a.yaml"
    config.write_text(DONE_WHEN)
    config.chmod(0o640)
    run(capsys, "--fix", str(config))
    assert config.read_text() != DONE_WHEN
    assert config.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in config.parent.iterdir()] == ["a.yaml"]  # no temporary file left


@pytest.mark.parametrize("sample", SAMPLES, ids=SAMPLE_IDS)
def test_diff_never_shows_a_secret(
    capsys: pytest.CaptureFixture[str], repo: Path, sample: Sample
) -> None:
    text, _ = leaky_config(sample)
    config = repo / "agents" / "leaky.yaml"
    config.write_text(text + "enabled: yes\n")  # its fix's context lines hold the secret
    code, out, err = run(capsys, "--diff", str(config))
    assert code == 1
    assert "-enabled: yes\n+enabled: true\n" in out
    assert MASK in out
    assert not sample.leaked_in(out + err), out + err
    # renaming `valeu:` makes it a secret's key; the fix is not taken (the hardcoded secret
    # it reveals is an error), and its line is never shown unmasked either way
    assert "valeu" not in out
    run(capsys, "--fix", str(config))
    assert not sample.leaked_in("".join(capsys.readouterr()))


def test_a_line_is_masked_from_where_either_side_masks() -> None:
    old, new = "  sytem: abc", "  system: abc"
    assert _masked_pair(old, old, new, f"  system: {MASK}") == (f"  sy{MASK}", f"  sy{MASK}")
    assert _masked_pair(old, old, new, new) == (old, new)


def test_a_secret_line_replaced_by_an_unrelated_one_masks_only_itself() -> None:
    old, new = "      value: ghp_a1B2c3D4e5", "  repositories:"
    assert _masked_pair(old, f"      value: {MASK}", new, new) == (f"      value: {MASK}", new)


def test_the_diff_of_a_moved_key_beside_a_removed_secret_shows_the_key(
    capsys: pytest.CaptureFixture[str], repo: Path
) -> None:
    token = "ghp_" + "a1B2c3D4e5" * 4
    config = repo / "agents" / "a.yaml"
    config.write_text(
        "ellipsis:\n  version: v1\nclaude:\n  system: hi\nrepositories:\n  - name: acme/app\n"
        f"sandbox:\n  variables:\n    - name: GH\n      value: {token}\n"
    )
    code, out, _ = run(capsys, "--diff", "--unsafe-fixes", str(config))
    assert code == 1
    assert token not in out
    assert f"-      value: {MASK}\n" in out
    assert "+  repositories:\n+    - name: acme/app\n" in out  # it read "+  ********"


def test_only_regular_files_in_the_walk_are_fixed(
    capsys: pytest.CaptureFixture[str], repo: Path
) -> None:
    (repo / "agents" / "a.yaml").write_text(DONE_WHEN)
    (repo / "agents" / "b.yaml").write_text(DONE_WHEN)
    os.mkfifo(repo / "agents" / "fifo.yaml")
    code, _, err = run(capsys, "--fix", "agents")
    assert code == 0
    assert err.splitlines()[-1] == "6 fixed, 0 remaining"


def test_a_key_starting_with_a_reserved_character_is_not_quoted(
    capsys: pytest.CaptureFixture[str], repo: Path
) -> None:
    text = "ellipsis:\n  version: v1\nclaude:\n  system: hi\n  @model: x\n"
    config = repo / "agents" / "a.yaml"
    config.write_text(text)
    code, _, err = run(capsys, "--fix", str(config))
    assert code == 1
    assert config.read_text() == text
    assert err == "0 fixed, 1 remaining\n"


def test_a_file_in_a_directory_that_cannot_be_written_is_reported(repo: Path) -> None:
    reason = why_permissions_do_not_bind()
    if reason is not None:
        pytest.skip(reason)
    config = repo / "agents" / "a.yaml"
    config.write_text(DONE_WHEN)
    config.parent.chmod(0o555)
    try:
        done = run_bound([*AGENT_LINT, "--fix", "agents/a.yaml"], repo)
    finally:
        config.parent.chmod(0o755)
    assert done.returncode == 1, done.stderr
    assert config.read_text() == DONE_WHEN
    assert (
        "agent-lint: warning: agents/a.yaml: cannot be written (permission denied)" in done.stderr
    )
    assert done.stderr.splitlines()[-1] == "0 fixed, 1 remaining"


def test_a_typo_is_renamed_only_to_the_one_word_it_is_close_to() -> None:
    assert only_close_match("scheudle", ["type", "schedule"]) == "schedule"  # two swapped
    assert only_close_match("pull_request_opn", REACT_EVENTS) == "pull_request_open"
    assert only_close_match("sytem", ["system", "sytems"]) is None  # two are close
    assert only_close_match("pull_request_comit", REACT_EVENTS) is None  # three edits away
    assert only_close_match("typ", ["type", "tip"]) is None


def test_a_read_only_file_is_reported_and_the_others_are_fixed(
    capsys: pytest.CaptureFixture[str], repo: Path
) -> None:
    # the same for root, whom permission bits do not stop: agent-lint looks at them itself
    locked, open_ = repo / "agents" / "locked.yaml", repo / "agents" / "open.yaml"
    locked.write_text(DONE_WHEN)
    open_.write_text(DONE_WHEN)
    locked.chmod(0o444)
    code, _, err = run(capsys, "--fix", "agents")
    assert code == 1
    assert locked.read_text() == DONE_WHEN
    assert locked.stat().st_mode & 0o777 == 0o444
    assert open_.read_text() != DONE_WHEN
    lines = err.splitlines()
    assert "agent-lint: warning: agents/locked.yaml: cannot be written (read-only)" in lines
    assert not [line for line in lines if line.startswith("fixed: agents/locked.yaml")]
    assert lines[-1] == "3 fixed, 1 remaining"


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("esc\x1b]0;T\x07.yaml", "esc\\x1b]0;T\\x07.yaml"),
        ("new\nline\t.yaml", "new\\nline\\t.yaml"),
    ],
)
def test_file_names_are_printed_escaped(
    capsys: pytest.CaptureFixture[str], repo: Path, name: str, shown: str
) -> None:
    config = repo / "agents" / name
    config.write_text("ellipsis:\n  version: v1\nenabled: yes\nclaude:\n  system: hi\n")
    code, out, err = run(capsys, "--diff", f"agents/{name}")
    assert code == 1
    assert out.startswith(f"--- a/agents/{shown}\n+++ b/agents/{shown}\n@@ ")
    assert f"fixable: agents/{shown}:3:10: " in err
    config.chmod(0o444)
    _, _, err = run(capsys, "--fix", f"agents/{name}")
    assert f"agent-lint: warning: agents/{shown}: cannot be written (read-only)\n" in err
    config.chmod(0o644)
    _, _, err = run(capsys, "--fix", f"agents/{name}")
    assert f"fixed: agents/{shown}:3:10: " in err
    for text in (out, err):
        assert "\x1b" not in text
        assert "\x07" not in text
        assert "line\t" not in text
    assert len(err.splitlines()) == 2  # one fixed, the summary
