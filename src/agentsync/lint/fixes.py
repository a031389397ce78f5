"""``agent-lint --fix`` and ``--diff``: apply the fixes that diagnostics carry, file by file.

One file: lint it with fixes (``lint_document(fixing=True)``) -> take the wanted fixes (safe
ones; unsafe ones too with ``--unsafe-fixes``), dropping any that overlaps one already taken ->
apply their edits back to front on the text -> load and lint the result -> keep it only if it
has fewer problems: fewer errors, or as many errors and fewer warnings; a file that does not
load has more than any that does, and fewer the later the error that stops its parser. If
the fixes together do not pass, each of the first ``MAX_ALONE`` is tried alone. A try that
shows as many problems as it removes passes if the fixes it uncovers, made too, leave fewer.
Repeat until nothing changes, at most ``MAX_PASSES`` times.

Edits are on the text itself (``agentsync.lint.edits``): every byte no edit covers stays, so
comments, quoting, indentation and CRLF line ends are kept; a byte order mark is written back.
A file is written only if it is a regular file inside the repository, holds UTF-8 that agent-lint
would write back byte for byte, has not changed on disk since it was read, and is not read-only.
The CLI imports this module only for ``--fix`` or ``--diff``.
"""

from __future__ import annotations

import bisect
import codecs
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from agentsync.config.files import NotRegularFile, os_reason, read_regular_file
from agentsync.config.loader import Document, load_bytes, load_text
from agentsync.lint.diagnostic import Diagnostic
from agentsync.lint.edits import Edit
from agentsync.lint.fixdiff import masked_diff
from agentsync.lint.result import FileResult
from agentsync.lint.runner import Target, lint_document, lint_target
from agentsync.lint.settings import Settings

MAX_PASSES = 8  # each pass fixes what it can; one syntax error shows at a time
# When the fixes together do not help, the first this many are tried alone (each costs up to
# two lints of the file): a file of 200 triggers `type: Mention` with an unknown platform took
# 11.4 s to try each, 1.1 s with this bound.
MAX_ALONE = 16


class FixedFile(NamedTuple):
    """What fixing one file did: the diagnostics fixed, the lint of the result, its diff
    (secrets masked; empty when nothing changed), and why it was not written, if it was not."""

    result: FileResult
    fixed: tuple[Diagnostic, ...] = ()
    diff: str = ""
    not_written: str | None = None


class _State(NamedTuple):
    text: str
    document: Document
    result: FileResult

    @property
    def score(self) -> tuple[int, int, int]:
        """Less is better. A file that does not load is worse than any that does, and better
        the further on the error that stops its parser is."""
        if not self.document.loaded:
            problem = self.document.problems[0]
            return (1, -problem.line, -problem.column)
        severities = [d.severity for d in self.result.diagnostics]
        return (0, severities.count("error"), severities.count("warning"))


def apply_fixes(text: str, diagnostics: Sequence[Diagnostic]) -> tuple[str, list[Diagnostic]]:
    """``text`` with the fixes of ``diagnostics`` applied, and the diagnostics whose fix was:
    a fix with an edit overlapping one already taken is left out whole. Linear in the edits
    (but for sorting): a file of 5,000 fixes took 2 s here, when each edit was checked
    against every one taken and the text copied once per edit."""
    starts: list[int] = []  # of the edits taken, which never overlap: in order, ends too
    ends: list[int] = []
    taken: list[Edit] = []
    applied: list[Diagnostic] = []
    for diagnostic in sorted(diagnostics, key=lambda d: d.fix.edits[0].start if d.fix else 0):
        if diagnostic.fix is None:
            continue
        edits = diagnostic.fix.edits
        if any(_overlaps_taken(edit, starts, ends) for edit in edits) or _overlap_within(edits):
            continue
        for edit in edits:
            at = bisect.bisect_left(starts, edit.start)
            starts.insert(at, edit.start)
            ends.insert(at, edit.end)
        taken.extend(edits)
        applied.append(diagnostic)
    pieces, done = [], 0
    for edit in sorted(taken, key=lambda e: e.start):
        pieces += [text[done : edit.start], edit.replacement]
        done = edit.end
    return "".join([*pieces, text[done:]]), applied


def _overlaps_taken(edit: Edit, starts: list[int], ends: list[int]) -> bool:
    """Whether ``edit`` overlaps one of the edits taken (``starts`` and ``ends`` in order):
    only the last one starting before it and the first one starting at or after it can."""
    at = bisect.bisect_left(starts, edit.start)
    if at < len(starts) and (starts[at] == edit.start or starts[at] < edit.end):
        return True
    return at > 0 and ends[at - 1] > edit.start


def _overlap_within(edits: Sequence[Edit]) -> bool:
    """Whether two edits of one fix overlap (they are few: a fix moves a key, at most)."""
    return any(_overlap(a, b) for i, a in enumerate(edits) for b in edits[i + 1 :])


def _overlap(first: Edit, second: Edit) -> bool:
    if first.start == second.start:
        return True  # two edits at one place (insertions included) would depend on their order
    return first.start < second.end and second.start < first.end


def _lint(text: str, path: str, settings: Settings) -> _State:
    document = load_text(text, path, settings.load_limits)
    return _State(text, document, lint_document(document, settings, fixing=True))


def _step(
    state: _State, wanted: list[Diagnostic], settings: Settings, *, unsafe: bool
) -> tuple[_State, list[Diagnostic]] | None:
    """The state after the wanted fixes together, or else the first that alone helps; None
    when none does. A fix that shows as many problems as it removes helps when the fixes it
    lets the rules see, made together, then leave fewer (a trigger's keys are checked once
    its type is known: ``type: Mention`` with ``platforms: [GitHub]``). Each try costs at most
    two lints of the file."""
    groups = [wanted, *([d] for d in wanted[:MAX_ALONE])] if len(wanted) > 1 else [wanted]
    for group in groups:
        candidate = _fixed(state, group, settings)
        if candidate is None:
            continue
        if candidate[0].score < state.score:
            return candidate
        after = _fixed(candidate[0], _fixable(candidate[0], unsafe), settings)
        if after is not None and after[0].score < state.score:
            return after[0], candidate[1] + after[1]
    return None


def _fixed(
    state: _State, group: list[Diagnostic], settings: Settings
) -> tuple[_State, list[Diagnostic]] | None:
    """The state with ``group``'s fixes made, and those made; None if the text is unchanged."""
    text, applied = apply_fixes(state.text, group)
    if not applied or text == state.text:
        return None
    return _lint(text, state.document.path, settings), applied


def _fixable(state: _State, unsafe: bool) -> list[Diagnostic]:
    """The diagnostics of ``state`` whose fix may be made (safe ones, or any if ``unsafe``)."""
    return [d for d in state.result.diagnostics if d.fix is not None and (unsafe or d.fix.safe)]


def fix_document(
    document: Document, settings: Settings, *, unsafe: bool = False
) -> tuple[Document, FileResult, list[Diagnostic]]:
    """The fixed document, its lint, and the diagnostics fixed on the way (positions as they
    were in the text of the pass that fixed them). A document that is not improved stays."""
    state = _State(document.text, document, lint_document(document, settings, fixing=True))
    fixed: list[Diagnostic] = []
    for _ in range(MAX_PASSES):
        wanted = _fixable(state, unsafe)
        step = _step(state, wanted, settings, unsafe=unsafe) if wanted else None
        if step is None:
            break
        state, applied = step
        fixed.extend(applied)
    return state.document, state.result, fixed


def fix_target(
    target: Target, settings: Settings, root: Path, *, unsafe: bool, write: bool
) -> FixedFile:
    """Fix one file: ``write`` it, or only say what would change (``--diff``)."""
    path, display, unread = target
    if unread is not None:
        return FixedFile(lint_target(target, settings))
    limits = settings.load_limits
    try:
        raw, size = read_regular_file(Path(path), limits.max_bytes)
    except (NotRegularFile, OSError):
        return FixedFile(lint_target(target, settings))  # it says why the file is not read
    if size > limits.max_bytes:
        return FixedFile(lint_target(target, settings))
    document = load_bytes(raw, display, limits)
    bom = codecs.BOM_UTF8 if raw.startswith(codecs.BOM_UTF8) else b""
    if raw != bom + document.text.encode("utf-8", "surrogatepass"):
        return FixedFile(lint_document(document, settings))  # not UTF-8 we would write back
    fixed_document, result, fixed = fix_document(document, settings, unsafe=unsafe)
    if not fixed:
        return FixedFile(result)
    diff = masked_diff(display, document, fixed_document, settings)
    if not write:
        return FixedFile(result, tuple(fixed), diff)
    refused = _refusal(Path(path), root, raw)
    if refused is None:
        try:
            _replace(Path(path), bom + fixed_document.text.encode("utf-8", "surrogatepass"))
        except OSError as error:
            refused = f"cannot be written ({os_reason(error)})"
    if refused is not None:
        return FixedFile(lint_document(document, settings), diff=diff, not_written=refused)
    return FixedFile(result, tuple(fixed), diff)


def _refusal(path: Path, root: Path, raw: bytes) -> str | None:
    """Why the file at ``path``, read as ``raw``, must not be overwritten; None if it may."""
    if not path.resolve().is_relative_to(root.resolve()):
        return "outside the repository: not written"
    try:
        now, _ = read_regular_file(path, len(raw))
    except NotRegularFile as error:
        return f"{error}: not written"
    except OSError as error:
        return f"cannot be read again ({os_reason(error)}): not written"
    if now != raw:
        return "changed on disk since it was read: not written"
    if _read_only(path):
        return "cannot be written (read-only)"
    return None


def _read_only(path: Path) -> bool:
    """The file has no write permission bit, or this user may not write it. The bits are
    looked at too because root may write any file: a file made read-only stays as it is,
    whoever runs agent-lint (the rename that replaces it would not ask)."""
    return not os.stat(path).st_mode & 0o222 or not os.access(path, os.W_OK)


def _replace(path: Path, content: bytes) -> None:
    """Write ``content`` to a new file beside ``path`` with its mode, then rename it over."""
    mode = os.stat(path).st_mode
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
        os.chmod(temporary, mode & 0o7777)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def fix_targets(
    targets: Sequence[Target], settings: Settings, root: Path, *, unsafe: bool, write: bool
) -> list[FixedFile]:
    """Fix every target, one after the other."""
    return [fix_target(t, settings, root, unsafe=unsafe, write=write) for t in targets]
