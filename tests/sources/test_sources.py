"""Frame sources: timing, counts, folders and images, play-as-if-live, mirroring, bad input."""

from __future__ import annotations

import itertools
import shutil
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from posecheck.errors import SourceError
from posecheck.sources import (
    CameraError,
    CameraLostError,
    CameraSource,
    Frame,
    ImageFolderSource,
    TruncatedVideoError,
    VideoFileSource,
    natural_sort_key,
    open_source,
)

# --------------------------------------------------------------------------- helpers


def write_video(path: Path, n_frames: int, fps: float, size: tuple[int, int] = (160, 120)) -> Path:
    """A small clip whose frame i has a white bar at column ``2 * i`` (survives lossy coding)."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), fps, size)
    assert writer.isOpened()
    w, h = size
    for i in range(n_frames):
        image = np.zeros((h, w, 3), np.uint8)
        image[:, : w // 4] = (0, 0, 255)  # red on the left: shows mirroring
        image[h // 2 :, 2 * i % w : 2 * i % w + 2] = 255
        writer.write(image)
    writer.release()
    return path


def bar_index(image: np.ndarray) -> int:
    """The frame number encoded by :func:`write_video`."""
    h = image.shape[0]
    row = image[h // 2 :, :, 1].astype(float).mean(axis=0)
    return int(np.argmax(row) // 2)


class FakeClock:
    """A wall clock that only moves when someone sleeps or works."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)


# --------------------------------------------------------------------------- real clips

CLIPS = [
    # relative path, fps, decoded frames, (w, h)
    ("rendered/curl_up.mp4", 15.0, 289, (640, 480)),
    ("videos/curl_up/crunch_incorrect_then_correct_hkvitals_portrait.mp4", 30.0, 434, (360, 640)),
    ("videos/standing/tfjs_pose_squats.mp4", 5.0, 65, (720, 1280)),
    # header says 437 frames, 435 decode: a few frames short is not "truncated"
    ("videos/pelvic_tilt/cat_cow_quadruped_side_640x360.mp4", 29.97, 435, (640, 360)),
    ("videos/related/flutter_kicks_supine_side.mp4", 23.976, 516, (1280, 720)),
]


@pytest.mark.media
@pytest.mark.parametrize(("relative", "fps", "n_frames", "size"), CLIPS)
def test_video_timestamps_follow_the_container(
    media_dir: Path, relative: str, fps: float, n_frames: int, size: tuple[int, int]
) -> None:
    with open_source(media_dir / relative) as source:
        assert source.fps == pytest.approx(fps, abs=0.01)
        assert source.size == size
        assert not source.is_live
        frames = [(f.timestamp_ms, f.index, f.image.shape) for f in source]
    assert len(frames) == n_frames
    ts = np.array([t for t, _, _ in frames])
    assert ts[0] == 0
    steps = np.diff(ts)
    assert (steps > 0).all()
    assert np.abs(steps - 1000 / fps).max() <= 1.0  # integer ms rounding only
    assert ts[-1] == pytest.approx((n_frames - 1) * 1000 / fps, abs=1.0)
    assert [i for _, i, _ in frames] == list(range(n_frames))
    assert {shape for _, _, shape in frames} == {(size[1], size[0], 3)}
    assert source.dropped_frames == 0 and not source.truncated


@pytest.mark.media
def test_shared_image_folder_and_single_image(media_dir: Path) -> None:
    folder = media_dir / "images/free-exercise-db/Crunches"
    with open_source(folder, fps=2) as source:
        frames = list(source)
    assert source.kind == "folder" and source.frame_count == 2
    assert [f.timestamp_ms for f in frames] == [0, 500]  # exercise.json is skipped
    first = cv2.imread(str(folder / "0.jpg"))
    assert first is not None
    assert np.array_equal(frames[0].image, first)

    image = media_dir / "images/people/opencv_messi5.jpg"
    with open_source(image) as source:
        frames = list(source)
    assert source.kind == "image" and source.size == (548, 342) and len(frames) == 1
    assert (frames[0].timestamp_ms, frames[0].index) == (0, 0)
    assert source.read() is None


def test_folder_is_sorted_naturally_and_timed_by_fps(tmp_path: Path) -> None:
    names = ["frame10.png", "frame2.png", "frame1.png", "Frame3.JPG"]
    for name in names:
        number = int("".join(c for c in name if c.isdigit()))
        cv2.imwrite(str(tmp_path / name), np.full((20, 30, 3), number * 10, np.uint8))
    (tmp_path / "notes.txt").write_text("not an image")
    with open_source(tmp_path, fps=25) as source:
        frames = list(source)
    assert [int(f.image[0, 0, 0]) // 10 for f in frames] == [1, 2, 3, 10]
    assert [f.timestamp_ms for f in frames] == [0, 40, 80, 120]
    assert source.size == (30, 20)
    assert sorted(names, key=natural_sort_key) == [
        "frame1.png",
        "frame2.png",
        "Frame3.JPG",
        "frame10.png",
    ]


def test_unreadable_image_in_a_folder_is_named_when_reached(tmp_path: Path) -> None:
    cv2.imwrite(str(tmp_path / "a1.png"), np.zeros((10, 10, 3), np.uint8))
    (tmp_path / "a2.png").write_bytes(b"\x89PNG not really")
    with ImageFolderSource(tmp_path) as source:
        assert source.read() is not None
        with pytest.raises(SourceError, match=r"a2\.png.*cannot be decoded"):
            source.read()


# --------------------------------------------------------------------------- mirror


@pytest.mark.parametrize("kind", ["video", "image", "folder"])
def test_mirror_flips_frames_horizontally(tmp_path: Path, kind: str) -> None:
    if kind == "video":
        spec = write_video(tmp_path / "clip.mp4", 5, 10)
    else:
        image = np.zeros((40, 60, 3), np.uint8)
        image[:, :10] = (0, 0, 255)
        cv2.imwrite(str(tmp_path / "still.png"), image)
        spec = tmp_path if kind == "folder" else tmp_path / "still.png"
    with open_source(spec) as plain, open_source(spec, mirror=True) as mirrored:
        a, b = plain.read(), mirrored.read()
        assert a is not None and b is not None
    assert mirrored.mirror and b.timestamp_ms == a.timestamp_ms
    assert np.array_equal(b.image, a.image[:, ::-1])
    red = b.image[:, :, 2].mean(axis=0)
    assert red[-5:].mean() > 200 and red[:5].mean() < 50  # the red band moved to the right


# --------------------------------------------------------------------------- as_live


def test_as_live_drops_frames_for_a_slow_consumer_deterministic(tmp_path: Path) -> None:
    clip = write_video(tmp_path / "clip.mp4", 60, 30)
    clock = FakeClock()
    source = VideoFileSource(clip, as_live=True, clock=clock, sleep=clock.sleep)
    start = clock()
    seen: list[Frame] = []
    with source:
        while (frame := source.read()) is not None:
            seen.append(frame)
            clock.now += 0.100  # the consumer needs 100 ms per frame (3 frame periods)
    indices = [f.index for f in seen]
    assert source.is_live
    assert len(seen) + source.dropped_frames == 60
    assert 18 <= len(seen) <= 22  # every ~3rd frame
    assert all(b - a in (2, 3, 4) for a, b in itertools.pairwise(indices))
    assert indices[-1] >= 57  # it keeps up with the clip instead of falling behind
    # timestamps stay the container's, not the wall clock's
    assert [f.timestamp_ms for f in seen] == [round(i * 1000 / 30) for i in indices]
    assert [bar_index(f.image) for f in seen] == indices
    assert clock() - start == pytest.approx(2.0, abs=0.15)


def test_as_live_waits_for_a_fast_consumer_deterministic(tmp_path: Path) -> None:
    clip = write_video(tmp_path / "clip.mp4", 30, 15)
    clock = FakeClock()
    start = clock()
    with VideoFileSource(clip, as_live=True, clock=clock, sleep=clock.sleep) as source:
        frames = list(source)
    assert len(frames) == 30 and source.dropped_frames == 0
    assert clock() - start == pytest.approx(29 / 15, abs=0.01)  # paced, not as fast as possible


def test_as_live_real_time_pacing(tmp_path: Path) -> None:
    """Real wall clock: a 2 s clip takes ≈2 s whether the consumer is fast or slow."""
    clip = write_video(tmp_path / "clip.mp4", 40, 20)
    for work_s in (0.0, 0.12):
        t0 = time.monotonic()
        with open_source(clip, as_live=True) as source:
            delivered = 0
            for _frame in source:
                delivered += 1
                time.sleep(work_s)
        wall = time.monotonic() - t0
        assert wall == pytest.approx(2.0 + work_s, abs=0.4)
        assert delivered + source.dropped_frames == 40
        if work_s:
            assert source.dropped_frames >= 20  # 0.12 s per frame = 2.4 frame periods
        else:
            assert source.dropped_frames <= 3


@pytest.mark.media
def test_as_live_on_a_real_clip_closed_early(media_dir: Path) -> None:
    t0 = time.monotonic()
    with open_source(media_dir / "rendered/k2c_left_right.mp4", as_live=True) as source:
        frames = []
        for frame in source:
            frames.append(frame)
            time.sleep(0.1)  # slower than 15 fps
            if frame.timestamp_ms >= 1500:
                break
    wall = time.monotonic() - t0
    assert wall == pytest.approx(1.6, abs=0.4)
    assert source.dropped_frames >= 5
    assert np.all(np.diff([f.timestamp_ms for f in frames]) >= 66)
    assert source.read() is None  # closed


# --------------------------------------------------------------------------- bad input


def _truncated_copy(src: Path, dst: Path, n_bytes: int) -> Path:
    with src.open("rb") as f:
        dst.write_bytes(f.read(n_bytes))
    return dst


BAD_INPUTS = [
    # name, how to make it, expected message fragment
    ("empty", lambda d, m: _touch(d / "empty.mp4"), r"is empty \(0 bytes\)"),
    ("text_as_mp4", lambda d, m: _text(d / "notes.mp4"), r"cannot be opened: it is not a video"),
    (
        "truncated_moov_at_end",  # the index at the end was cut off
        lambda d, m: _truncated_copy(m / "videos/standing/tfjs_pose_1.mp4", d / "cut.mp4", 4000),
        r"cannot be opened.*damaged or incomplete",
    ),
    (
        "truncated_to_header_only",  # index present, no frame data
        lambda d, m: _truncated_copy(m / "rendered/curl_up.mp4", d / "cut.mp4", 3000),
        r"cannot be opened|no frame that can be decoded",
    ),
    ("missing", lambda d, m: d / "nowhere.mp4", r"does not exist"),
    ("folder_without_images", lambda d, m: _folder(d / "empty_dir"), r"contains no images"),
    ("broken_image", lambda d, m: _text(d / "photo.jpg"), r"cannot be decoded"),
    ("empty_image", lambda d, m: _touch(d / "photo.png"), r"is empty \(0 bytes\)"),
]


def _touch(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def _text(path: Path) -> Path:
    path.write_text("this is a text file, not a video\n" * 20)
    return path


def _folder(path: Path) -> Path:
    path.mkdir()
    (path / "readme.txt").write_text("no images here")
    return path


@pytest.mark.media
@pytest.mark.parametrize(("name", "make", "message"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_gives_a_clear_source_error(
    tmp_path: Path, media_dir: Path, name: str, make, message: str
) -> None:
    path = make(tmp_path, media_dir)
    with pytest.raises(SourceError, match=message) as info:
        open_source(path)
    assert str(path) in str(info.value)


@pytest.mark.media
def test_truncated_video_reports_after_the_last_good_frame(tmp_path: Path, media_dir: Path) -> None:
    src = media_dir / "videos/curl_up/crunch_incorrect_then_correct_hkvitals_portrait.mp4"
    assert (
        src.read_bytes()[:64].find(b"moov") > 0
    )  # index at the start: frames decode until the cut
    cut = _truncated_copy(src, tmp_path / "cut.mp4", src.stat().st_size // 2)
    with open_source(cut) as source:
        count = 0
        with pytest.raises(
            TruncatedVideoError, match=r"ends after \d+ of 434 frames.*truncated"
        ) as info:
            for _ in source:
                count += 1
    assert 100 < count < 400
    assert info.value.frames_read == count
    assert str(cut) in str(info.value)
    # opt-in: end quietly and say so
    with open_source(cut, allow_truncated=True) as source:
        assert sum(1 for _ in source) == count
    assert source.truncated


def test_as_live_only_for_video_files(tmp_path: Path) -> None:
    cv2.imwrite(str(tmp_path / "a.png"), np.zeros((4, 4, 3), np.uint8))
    with pytest.raises(SourceError, match="as_live"):
        open_source(tmp_path, as_live=True)
    with pytest.raises(SourceError, match="as_live"):
        open_source(tmp_path / "a.png", as_live=True)
    with pytest.raises(SourceError, match="as_live"):
        open_source(0, as_live=True, capture_factory=lambda i: FakeCapture([]))


# --------------------------------------------------------------------------- webcam (fake)


class FakeCapture:
    """A cv2.VideoCapture stand-in: delivers ``images`` then fails (or fails at given reads)."""

    def __init__(
        self,
        images: list[np.ndarray],
        *,
        opened: bool = True,
        fail_at: set[int] | None = None,
        fps: float = 30.0,
    ) -> None:
        self.images = list(images)
        self.opened = opened
        self.fail_at = fail_at or set()
        self.fps = fps
        self.reads = 0
        self.released = False

    def isOpened(self) -> bool:
        return self.opened

    def read(self) -> tuple[bool, np.ndarray | None]:
        n = self.reads
        self.reads += 1
        if n in self.fail_at or not self.images:
            return False, None
        return True, self.images.pop(0)

    def get(self, prop_id: int) -> float:
        return self.fps if prop_id == cv2.CAP_PROP_FPS else 0.0

    def set(self, prop_id: int, value: float) -> bool:
        return True

    def release(self) -> None:
        self.released = True


def camera_images(n: int) -> list[np.ndarray]:
    out = []
    for i in range(n):
        image = np.zeros((48, 64, 3), np.uint8)
        image[:, :8] = (0, 0, 255)
        image[0, 20] = i
        out.append(image)
    return out


def test_webcam_by_index_with_monotonic_wall_clock_timestamps() -> None:
    fake = FakeCapture(camera_images(4))
    times = iter([5.0, 5.040, 5.040, 5.100])  # the clock may repeat a value
    source = CameraSource(0, capture_factory=lambda i: fake, clock=lambda: next(times))
    with source:
        frames = [source.read() for _ in range(4)]
    assert source.is_live and source.kind == "camera" and source.size == (64, 48)
    assert [f.timestamp_ms for f in frames if f] == [0, 40, 41, 100]
    assert [int(f.image[0, 20, 0]) for f in frames if f] == [0, 1, 2, 3]
    assert fake.released


def test_webcam_digit_string_and_mirror() -> None:
    fake = FakeCapture(camera_images(2))
    with open_source("0", mirror=True, capture_factory=lambda i: fake) as source:
        frame = source.read()
    assert frame is not None
    assert frame.image[:, -8:, 2].min() == 255 and frame.image[:, :8, 2].max() == 0


@pytest.mark.parametrize(
    ("factory", "message"),
    [
        (lambda i: FakeCapture([], opened=False), r"Camera 3 could not be opened"),
        (lambda i: (_ for _ in ()).throw(RuntimeError("backend")), r"Camera 3 could not be opened"),
        (lambda i: FakeCapture([]), r"Camera 3 opened but gives no images"),
    ],
    ids=["not_opened", "factory_raises", "no_images"],
)
def test_webcam_open_failures(factory, message: str) -> None:
    with pytest.raises(CameraError, match=message) as info:
        CameraSource(3, capture_factory=factory, retry_delay_s=0.0)
    assert "Camera 3" in info.value.message("nl")  # Dutch for the patient
    assert info.value.message("nl") != info.value.message("en")


def test_webcam_that_stops_raises_camera_lost_after_delivering_its_frames() -> None:
    fake = FakeCapture(camera_images(5))
    source = CameraSource(1, capture_factory=lambda i: fake, max_failed_reads=4, retry_delay_s=0.0)
    got = []
    with pytest.raises(
        CameraLostError, match=r"Camera 1 stopped delivering images \(4 failed"
    ) as info:
        while True:
            frame = source.read()
            assert frame is not None
            got.append(frame)
    assert len(got) == 5
    assert isinstance(info.value, SourceError)
    assert "geeft geen beeld meer" in info.value.message("nl")
    source.close()
    assert fake.released


def test_webcam_hiccups_shorter_than_the_limit_are_tolerated() -> None:
    fake = FakeCapture(camera_images(6), fail_at={2, 3, 4})
    source = CameraSource(0, capture_factory=lambda i: fake, max_failed_reads=4, retry_delay_s=0.0)
    frames = [source.read() for _ in range(6)]
    assert all(f is not None for f in frames)
    with pytest.raises(CameraLostError):
        source.read()


def test_closed_source_reads_none(tmp_path: Path) -> None:
    clip = write_video(tmp_path / "clip.mp4", 3, 10)
    source = open_source(clip)
    source.close()
    source.close()
    assert source.read() is None


def test_container_timestamps_that_stall_fall_back_to_index_over_fps(tmp_path: Path) -> None:
    """A container reporting 0 (or backwards) times still gives strictly increasing timestamps."""
    clip = write_video(tmp_path / "clip.mp4", 10, 20)
    source = VideoFileSource(clip)

    class ZeroTimes:
        def __init__(self, capture: cv2.VideoCapture) -> None:
            self.capture = capture

        def get(self, prop: int) -> float:
            return 0.0 if prop == cv2.CAP_PROP_POS_MSEC else self.capture.get(prop)

        def __getattr__(self, name: str):
            return getattr(self.capture, name)

    source._capture = ZeroTimes(source._capture)  # type: ignore[assignment]
    with source:
        ts = [f.timestamp_ms for f in source]
    assert ts == [round(i * 50) for i in range(10)]


@pytest.mark.media
def test_copy_of_a_real_clip_still_reads(tmp_path: Path, media_dir: Path) -> None:
    """Sanity for the truncation tests: an intact copy is not reported as damaged."""
    copy = shutil.copy(media_dir / "rendered/trunk_rotation.mp4", tmp_path / "copy.mp4")
    with open_source(copy) as source:
        assert sum(1 for _ in source) == 283
    assert not source.truncated
