"""Output folders: replaced whole under concurrent writers and signals; only folders haiplan wrote."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from optimizer.io import atomic
from optimizer.io.atomic import atomic_dir
from optimizer.io.outdir import MARKER, ROSTER, OutputFolderError, check_out_dir, output_kind
from tests.conftest import sigint_default

FILES = [f"f{i}.txt" for i in range(5)]
CHILD_ENV = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="Linux renameat2 and /proc")


def write_version(out: Path, version: str) -> None:
    with atomic_dir(out, kind="test") as tmp:
        for name in FILES:
            (tmp / name).write_text(version)


def read_version(out: Path) -> str:
    """The version of a whole folder; fails on a missing file, an extra file or a mix."""
    assert {p.name for p in out.iterdir()} == set(FILES) | {MARKER}
    versions = {(out / n).read_text() for n in FILES}
    assert len(versions) == 1, versions
    assert output_kind(out) == "test"
    return versions.pop()


def leftovers(parent: Path, keep: str) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name != keep)


# --------------------------------------------------------------------------- concurrency

WRITER = """
import sys
from pathlib import Path
from optimizer.io.atomic import atomic_dir
out, wid, n = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
for i in range(n):
    with atomic_dir(out, kind="test") as tmp:
        for k in range(5):
            (tmp / f"f{k}.txt").write_text(f"{wid}-{i}")
"""


def snapshot(out: Path) -> str | None:
    """Read a whole folder through one directory handle (what a careful reader does).

    Returns its version, or ``None`` when a newer folder replaced it during the read
    (the handle then points at the swapped-out folder being deleted, so what was read
    is discarded). The path must always exist, and a read of the folder that is still
    at the path must be whole: all files, one version.
    """
    fd = os.open(out, os.O_RDONLY | os.O_DIRECTORY)  # the path must always exist
    try:
        names = set(os.listdir(fd))
        versions = set()
        for name in sorted(names - {MARKER}):
            try:
                f = os.open(name, os.O_RDONLY, dir_fd=fd)
            except FileNotFoundError:
                continue
            with os.fdopen(f) as fh:
                versions.add(fh.read())
        mine, now = os.fstat(fd), os.stat(out)
        if mine.st_nlink == 0 or (mine.st_ino, mine.st_dev) != (now.st_ino, now.st_dev):
            return None  # superseded while reading
        assert names == set(FILES) | {MARKER}, f"incomplete folder: {sorted(names)}"
        assert len(versions) == 1, f"mixed folder: {versions}"
        return versions.pop()
    finally:
        os.close(fd)


def test_concurrent_writers_never_crash_and_readers_see_whole_folders(tmp_path: Path) -> None:
    out = tmp_path / "plan"
    write_version(out, "start")
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(out), str(w), "100"], env=CHILD_ENV,
                                stderr=subprocess.PIPE, text=True) for w in range(3)]
    seen, superseded = set(), 0
    while any(w.poll() is None for w in writers):
        v = snapshot(out)
        if v is None:
            superseded += 1
        else:
            seen.add(v)
    errors = [w.stderr.read() for w in writers]
    assert [w.returncode for w in writers] == [0, 0, 0], errors
    assert len(seen) > 3, "the reader saw too few versions to mean anything"
    assert read_version(out) in {f"{w}-99" for w in range(3)}
    assert leftovers(tmp_path, "plan") == []  # no temporary folder, no lock file


# --------------------------------------------------------------------------- signals

KILLED = """
import os, signal, sys
from pathlib import Path
from optimizer.io import atomic
out, step, sig = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
if sys.argv[4] == "fallback":
    atomic._renameat2 = None
atomic.step_hook = lambda name: os.kill(os.getpid(), sig) if name == step else None
with atomic.atomic_dir(out, kind="test") as tmp:
    for k in range(5):
        (tmp / f"f{k}.txt").write_text("new")
"""

STEPS = ["tmp", "filled", "marked", "locked", "swapped", "cleaned"]


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT], ids=lambda s: s.name)
@pytest.mark.parametrize("step", STEPS)
def test_a_kill_at_any_step_leaves_a_whole_folder_and_no_temp_after_the_next_run(
        tmp_path: Path, step: str, sig: signal.Signals) -> None:
    out = tmp_path / "plan"
    write_version(out, "old")
    child = subprocess.run([sys.executable, "-c", KILLED, str(out), step, str(int(sig)), "exchange"],
                           env=CHILD_ENV, capture_output=True, text=True, timeout=120, preexec_fn=sigint_default)
    assert child.returncode != 0, child.stderr
    expected = "new" if step in ("swapped", "cleaned") else "old"
    assert read_version(out) == expected
    if sig != signal.SIGKILL:  # a catchable signal cleans up at once
        assert leftovers(tmp_path, "plan") == [], child.stderr
    write_version(out, "next")
    assert read_version(out) == "next"
    assert leftovers(tmp_path, "plan") == []


@pytest.mark.parametrize("step", ["marked", "moved-aside"])
def test_fallback_without_renameat2_recovers_from_a_kill_between_renames(tmp_path: Path, step: str) -> None:
    out = tmp_path / "plan"
    write_version(out, "old")
    child = subprocess.run([sys.executable, "-c", KILLED, str(out), step, str(int(signal.SIGKILL)), "fallback"],
                           env=CHILD_ENV, capture_output=True, text=True, timeout=120)
    assert child.returncode == -signal.SIGKILL, child.stderr
    write_version(out, "next")
    assert read_version(out) == "next"
    assert leftovers(tmp_path, "plan") == []


def test_fallback_replaces_whole_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(atomic, "_renameat2", None)
    out = tmp_path / "plan"
    for v in ("a", "b", "c"):
        write_version(out, v)
        assert read_version(out) == v
    assert leftovers(tmp_path, "plan") == []


def test_failure_inside_the_block_keeps_the_old_folder(tmp_path: Path) -> None:
    out = tmp_path / "plan"
    write_version(out, "old")
    with pytest.raises(RuntimeError), atomic_dir(out, kind="test") as tmp:
        (tmp / "f0.txt").write_text("new")
        raise RuntimeError("solver failed")
    assert read_version(out) == "old"
    assert leftovers(tmp_path, "plan") == []


def test_sigterm_handler_is_restored_after_the_write(tmp_path: Path) -> None:
    before = signal.getsignal(signal.SIGTERM)
    write_version(tmp_path / "plan", "x")
    assert signal.getsignal(signal.SIGTERM) == before


# --------------------------------------------------------------------------- which folders may be replaced


def test_atomic_dir_refuses_a_folder_it_did_not_write_even_if_it_appears_during_the_write(
        tmp_path: Path) -> None:
    out = tmp_path / "plan"
    with pytest.raises(OutputFolderError), atomic_dir(out, kind="test") as tmp:
        (tmp / "f0.txt").write_text("new")
        out.mkdir()
        (out / "thesis.docx").write_text("years of work")
    assert (out / "thesis.docx").read_text() == "years of work"
    assert leftovers(tmp_path, "plan") == []


def test_check_out_dir_cases(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    data = tmp_path / "data"
    data.mkdir()
    (data / "patients.csv").write_text("patient_id\n")
    inputs = [data, data / "patients.csv"]
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "notes.txt").write_text("mine")
    (tmp_path / "file.txt").write_text("x")
    (tmp_path / "empty").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "empty")
    refused = {
        "data": "an input", "data/patients.csv": "an input", ".": "holds an input",
        "notes": "did not write", "file.txt": "a file", "file.txt/sub": "is a file", "link": "symbolic link",
        str(tmp_path.parent): "holds an input",
    }
    for out, why in refused.items():
        with pytest.raises(OutputFolderError, match=why):
            check_out_dir(out, inputs=inputs, kind="plan")
    assert check_out_dir("empty", inputs=inputs) == tmp_path / "empty"
    assert check_out_dir("new/deeper", inputs=inputs) == tmp_path / "new" / "deeper"
    assert check_out_dir("data/plan", inputs=inputs) == data / "plan"  # a new folder inside is harmless
    write_version(tmp_path / "old", "v")
    assert check_out_dir("old", inputs=inputs, kind="plan") == tmp_path / "old"
    monkeypatch.chdir(tmp_path / "empty")
    with pytest.raises(OutputFolderError, match="current folder"):
        check_out_dir(".", kind="plan")


def test_rosters_are_replaced_only_by_a_forced_roster(tmp_path: Path) -> None:
    roster = tmp_path / "roster"
    with atomic_dir(roster, kind=ROSTER) as tmp:
        (tmp / "patients.csv").write_text("patient_id\n")
    with pytest.raises(OutputFolderError, match="roster"):
        check_out_dir(roster, kind="plan", force=True)
    with pytest.raises(OutputFolderError, match="--force"):
        check_out_dir(roster, kind=ROSTER)
    assert check_out_dir(roster, kind=ROSTER, force=True) == roster
    hand = tmp_path / "hand"
    hand.mkdir()
    (hand / "nurses.xlsx").write_bytes(b"x")
    assert check_out_dir(hand, kind=ROSTER, force=True) == hand  # a roster made by hand, forced
    (hand / "budget.docx").write_bytes(b"x")
    with pytest.raises(OutputFolderError, match="did not write"):
        check_out_dir(hand, kind=ROSTER, force=True)  # --force never replaces other files
