"""Git, through the `git` program (a subprocess, never a shell): the one place reconciler reads or writes git.

Best effort by design: outside a git checkout, or without `git` installed, readers return nothing and the caller
carries on without history (drift then cannot tell why a route drifted, and says `differs`).
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

MAX_VERSIONS = 20  # committed versions of a route file considered; older ones are unlikely to be what is live
_TIMEOUT = 30.0


class GitError(Exception):
    """A git command failed; `message` is git's own error output."""


@dataclass(frozen=True)
class FileVersion:
    """One committed version of a file: the commit, the file's path in it, and its bytes."""

    commit: str
    path: str
    content: bytes


def git(cwd: Path, *args: str, input_bytes: bytes | None = None, check: bool = True) -> bytes:
    """Run `git ARGS` in `cwd` and return its stdout; raise GitError (with git's stderr) when it fails."""
    program = shutil.which("git")
    if program is None:
        raise GitError("git is not installed")
    try:
        done = subprocess.run(
            [program, *args],
            cwd=cwd,
            input=input_bytes,
            capture_output=True,
            timeout=_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GitError(str(exc)) from None
    if check and done.returncode != 0:
        raise GitError(done.stderr.decode("utf-8", "replace").strip() or f"git {args[0]} failed")
    return done.stdout


def toplevel(path: Path) -> Path | None:
    """The root of the git checkout holding `path` (a folder), or None when there is none."""
    try:
        return Path(git(path, "rev-parse", "--show-toplevel").decode("utf-8").strip())
    except GitError:
        return None


def file_versions(path: Path, *, limit: int = MAX_VERSIONS) -> list[FileVersion]:
    """The committed versions of the file at `path`, newest first, following renames; [] outside git."""
    folder = path.resolve().parent
    root = toplevel(folder) if folder.is_dir() else None
    if root is None:
        return []
    relative = path.resolve().relative_to(root.resolve()).as_posix()
    try:
        log = git(root, "log", "--follow", f"-n{limit}", "--format=%x1e%H", "--name-only", "--", relative)
    except GitError:
        return []
    versions: list[FileVersion] = []
    for record in log.decode("utf-8", "replace").split("\x1e")[1:]:
        lines = [line for line in record.splitlines() if line.strip()]
        if len(lines) < 2:
            continue
        commit, name = lines[0], lines[-1]
        try:
            content = git(root, "show", f"{commit}:{name}")
        except GitError:
            continue  # deleted in that commit: no version to compare with
        versions.append(FileVersion(commit=commit, path=name, content=content))
    return versions


def current_branch(root: Path) -> str:
    """The branch checked out in `root` (raises GitError on a detached HEAD)."""
    name = git(root, "rev-parse", "--abbrev-ref", "HEAD").decode("utf-8").strip()
    if name == "HEAD":
        raise GitError("HEAD is detached: check out the branch to open the pull request against, or pass --base")
    return name


def push_branch(root: Path, paths: list[Path], *, branch: str, base: str, remote: str, message: str) -> None:
    """Commit `paths` (their working-tree state) on `branch`, made afresh from the checked-out commit, force-push it
    to `remote`, and go back to `base`: the change lives on the branch, the checkout is left as it was before."""
    names = [str(path.resolve().relative_to(root.resolve())) for path in paths]
    identity = ["-c", "user.name=reconciler", "-c", "user.email=reconciler@users.noreply.github.com"]
    git(root, "checkout", "-q", "-B", branch)
    try:
        git(root, "add", "--", *names)
        git(root, *identity, "commit", "-q", "--no-verify", "-m", message, "--", *names)
        git(root, "push", "-q", "--force", remote, f"refs/heads/{branch}:refs/heads/{branch}")
    finally:
        git(root, "checkout", "-q", base, check=False)
        git(root, "branch", "-q", "-D", branch, check=False)


def commit_of(root: Path, ref: str) -> str:
    """The commit `ref` names in the checkout at `root` (raises GitError when it names none)."""
    if ref.startswith("-"):  # never an option to git, whatever the ref says
        raise GitError("not a git ref (it starts with '-')")
    done = git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}", check=False)
    commit = done.decode("utf-8", "replace").strip()
    if not commit:
        raise GitError(f"no commit by that name in the git checkout {root}")
    return commit


def changed_paths(root: Path, commit: str, pathspecs: list[str]) -> bytes:
    """`git diff --name-status -z -M COMMIT -- PATHSPECS`: changes from `commit` to the work tree, renames found."""
    return git(root, "diff", "--no-ext-diff", "--no-textconv", "-M", "--name-status", "-z", commit, "--", *pathspecs)


def untracked_paths(root: Path, pathspecs: list[str]) -> list[str]:
    """Files under `pathspecs` that git does not track and does not ignore (new files not yet added)."""
    raw = git(root, "ls-files", "--others", "--exclude-standard", "-z", "--", *pathspecs)
    return [name for name in raw.decode("utf-8", "surrogateescape").split("\0") if name]


def show(root: Path, commit: str, path: str) -> bytes | None:
    """The bytes of `path` (relative to `root`) at `commit`, or None when it has no such file."""
    try:
        return git(root, "show", f"{commit}:{path}")
    except GitError:
        return None
