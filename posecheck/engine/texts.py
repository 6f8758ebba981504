"""Default cue texts (Dutch and English); a spec's ``[cues]`` table overrides them."""

from __future__ import annotations

from posecheck.i18n import Text
from posecheck.specs.model import ExerciseSpec

DEFAULT_CUES: dict[str, Text] = {
    "position": Text(
        nl="Neem de beginhouding aan, zodat de camera u helemaal ziet.",
        en="Get into the start position, fully in view of the camera.",
    ),
    "start_position": Text(
        nl="Neem de beginhouding aan: {position}.",
        en="Get into the start position: {position}.",
    ),
    "start": Text(nl="Goed zo, u kunt beginnen.", en="Good, you can start."),
    "raising": Text(nl="Rustig.", en="Slowly."),
    "lowering": Text(nl="Rustig terug.", en="Slowly back."),
    "hold_start": Text(nl="Vasthouden.", en="Hold it."),
    "hold_progress": Text(nl="Nog {seconds} seconden.", en="{seconds} seconds to go."),
    "hold_end": Text(nl="Klaar, laat rustig los.", en="Done, release slowly."),
    "switch_side": Text(nl="Nu de andere kant.", en="Now the other side."),
    "rest": Text(nl="Ontspan {seconds} seconden.", en="Relax for {seconds} seconds."),
    "rest_end": Text(nl="Herhaal de oefening.", en="Repeat the exercise."),
    "done": Text(nl="Klaar, goed gedaan!", en="Done, well done!"),
}


def cue_text(spec: ExerciseSpec, code: str) -> Text:
    """The spec's text for cue ``code``, else the default."""
    return spec.cues.get(code) or DEFAULT_CUES[code]


POSITION_NAMES: dict[str, Text] = {
    "hook_lying": Text(nl="rugligging, knieën gebogen", en="lying on the back, knees bent"),
    "supine": Text(nl="rugligging", en="lying on the back"),
    "prone": Text(nl="buikligging", en="lying on the stomach"),
    "quadruped": Text(nl="handen en knieën", en="hands and knees"),
    "sitting": Text(nl="zittend", en="sitting"),
    "standing": Text(nl="staand", en="standing"),
}
"""Each start position (``posecheck.measure.posture``) in words: report labels and the
``start_position`` cue's ``{position}``."""
