"""Batch runner: parallel processes, failures isolated per file, outcomes in input order."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from posecheck.analysis.batch import FileOutcome, Job, run_batch
from posecheck.errors import SourceError


def demo_task(job: Job, progress) -> FileOutcome:
    """Succeeds, raises a user error, a bug, or kills its process, depending on the file name."""
    name = job.path.name
    for i in range(3):
        progress(i + 1, 3)
    if name.startswith("bad"):
        raise SourceError(f"Cannot decode '{name}': not a video.")
    if name.startswith("bug"):
        raise ZeroDivisionError("division by zero")
    if name.startswith("crash"):
        os._exit(3)
    if name.startswith("slow"):
        time.sleep(0.4)
    return FileOutcome(source=str(job.path), ok=True, exercise="curl_up", confidence=0.9,
                       reps=2, completed_reps=2, frames=int(name.split("_")[1].split(".")[0]))


class Recorder:
    def __init__(self) -> None:
        self.started_keys: list[int] = []
        self.finished_keys: list[int] = []
        self.progress_calls: list[tuple[int, int, int | None]] = []

    def started(self, job: Job) -> None:
        self.started_keys.append(job.key)

    def progress(self, job: Job, done: int, total: int | None) -> None:
        self.progress_calls.append((job.key, done, total))

    def finished(self, job: Job, outcome: FileOutcome) -> None:
        self.finished_keys.append(job.key)


def jobs_for(names: list[str]) -> list[Job]:
    return [Job(i, Path("/data") / name, Path(name).stem) for i, name in enumerate(names)]


@pytest.mark.parametrize("jobs", [1, 2])
def test_one_failing_file_does_not_stop_the_others(jobs: int) -> None:
    names = ["ok_10.mp4", "bad.mp4", "ok_20.mp4", "bug.mp4", "ok_30.mp4"]
    recorder = Recorder()
    outcomes = run_batch(jobs_for(names), demo_task, jobs=jobs, reporter=recorder)
    assert [o.source.rsplit("/", 1)[1] for o in outcomes] == names  # input order kept
    assert [o.ok for o in outcomes] == [True, False, True, False, True]
    assert [o.frames for o in outcomes if o.ok] == [10, 20, 30]
    assert outcomes[1].error == "Cannot decode 'bad.mp4': not a video."
    assert outcomes[3].error == "ZeroDivisionError: division by zero"
    assert sorted(recorder.finished_keys) == list(range(len(names)))
    assert sorted(set(recorder.started_keys)) == list(range(len(names)))
    assert {key for key, _, _ in recorder.progress_calls} >= {0, 2, 4}


def test_a_crashing_worker_process_is_reported_and_the_rest_finish() -> None:
    names = ["ok_1.mp4", "crash.mp4", "ok_2.mp4", "ok_3.mp4"]
    recorder = Recorder()
    outcomes = run_batch(jobs_for(names), demo_task, jobs=2, reporter=recorder)
    assert [o.ok for o in outcomes] == [True, False, True, True]
    assert "crashed" in (outcomes[1].error or "")
    assert sorted(recorder.finished_keys) == [0, 1, 2, 3]


def test_the_largest_inputs_start_first_so_no_long_file_is_left_for_the_end(
    tmp_path: Path,
) -> None:
    sizes = [10, 2_000, 50, 9_000]  # the largest file is the last one given
    batch = []
    for i, size in enumerate(sizes):
        path = tmp_path / f"slow_{size}.mp4"
        path.write_bytes(b"\0" * size)
        batch.append(Job(i, path, path.stem))
    recorder = Recorder()
    outcomes = run_batch(batch, demo_task, jobs=2, reporter=recorder)
    assert [o.frames for o in outcomes] == sizes  # outcomes still in input order
    assert 3 in recorder.started_keys[:2]  # not left for the end
