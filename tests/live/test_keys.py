"""Keys: the key map and scripted key sources used by the live tests."""

from __future__ import annotations

import pytest

from posecheck.live.keys import Action, DisplayKeys, ScriptedKeys, action_for


@pytest.mark.parametrize(
    ("key", "action"),
    [(" ", Action.PAUSE), ("p", Action.PAIN), ("P", Action.PAIN), ("m", Action.MUTE),
     ("n", Action.NEXT), ("f", Action.MIRROR), ("q", Action.QUIT), ("close", Action.CLOSE),
     ("x", None)],
)
def test_key_map(key: str, action: Action | None) -> None:
    assert action_for(key) is action


def test_ctrl_c_raises_keyboard_interrupt_where_it_is_polled() -> None:
    keys = ScriptedKeys([(1.0, "ctrl-c")])
    assert keys.poll(0.5, None) == []
    with pytest.raises(KeyboardInterrupt):
        keys.poll(1.0, None)


def test_scripted_keys_by_time_and_by_phase_with_delay() -> None:
    keys = ScriptedKeys([(1.0, "m"), ("phase:hold+2", "p"), ("phase:hold", "n")])
    assert keys.poll(0.0, "setup") == []
    assert keys.poll(1.0, "setup") == [Action.MUTE]
    assert keys.poll(2.0, "raising") == []
    assert keys.poll(3.0, "hold") == []  # armed at 3.0
    assert keys.poll(4.9, "hold") == []
    assert keys.poll(5.0, "hold") == [Action.PAIN]
    assert keys.poll(5.5, "start") == []
    assert keys.poll(6.0, "hold") == [Action.NEXT]
    assert keys.done and [k for _, k in keys.pressed] == ["m", "p", "n"]


def test_display_keys_reads_the_window() -> None:
    pressed = iter([None, "q"])
    keys = DisplayKeys(lambda: next(pressed))
    assert keys.poll(0.0, None) == []
    assert keys.poll(0.1, None) == [Action.QUIT]
