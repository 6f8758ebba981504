"""Every generic message of the live app (set-up, pause, pain, rest, keys) in Dutch and English.

Exercise-specific instructions and cues never live here: they come from the
exercise specs (engine ``Cue`` events and ``ExerciseSpec.instructions``).
"""

from __future__ import annotations

from posecheck.i18n import Text

# --- camera set-up check -------------------------------------------------------------
NO_PERSON = Text(
    nl="Ik zie niemand. Ga in beeld liggen.",
    en="I can't see anyone. Lie down in view of the camera.",
)
NOT_WHOLE_BODY = Text(
    nl="Ik zie niet je hele lichaam. Zet de laptop verder weg.",
    en="I can't see your whole body. Move the laptop further away.",
)
TOO_CLOSE = Text(
    nl="Je bent te dichtbij. Zet de laptop verder weg.",
    en="You are too close. Move the laptop further away.",
)
TOO_FAR = Text(
    nl="Je bent ver weg. Zet de laptop wat dichterbij.",
    en="You are far away. Move the laptop a little closer.",
)
WRONG_VIEW_SIDE = Text(
    nl="Draai de camera naar je zij: ik moet je van opzij zien.",
    en="Turn the camera to your side: I need to see you from the side.",
)
WRONG_VIEW_OTHER = Text(
    nl="Zet de camera zo dat ik je van {view} zie.",
    en="Place the camera so that I see you from the {view}.",
)
TOO_DARK = Text(
    nl="Het beeld is te donker. Doe meer licht aan.",
    en="The picture is too dark. Turn on more light.",
)
SETUP_OK = Text(nl="Goed zo, ik zie je goed.", en="Good, I can see you well.")
SETUP_TITLE = Text(nl="Camera instellen", en="Camera set-up")
MIRROR_HINT = Text(
    nl="Staat L bij je rechterknie? Druk dan op f (spiegelen).",
    en="Is L shown at your right knee? Then press f (mirror).",
)
MIRROR_ON = Text(nl="Beeld gespiegeld", en="Image mirrored")

# --- exercise flow -------------------------------------------------------------------
EXERCISE_START = Text(nl="Oefening: {name}.", en="Exercise: {name}.")
REST_SHOWN = Text(nl="Rust", en="Rest")
REST_OVER = Text(nl="De rust is voorbij.", en="The rest is over.")
EXERCISE_DONE = Text(nl="Klaar met {name}. Goed gedaan.", en="{name} done. Well done.")
PROGRAM_DONE = Text(
    nl="Alle oefeningen zijn klaar. Tot de volgende keer!",
    en="All exercises are done. See you next time!",
)
SKIPPED = Text(nl="Oefening overgeslagen.", en="Exercise skipped.")

# --- keys ----------------------------------------------------------------------------
PAUSED = Text(nl="Pauze. Druk op spatie om verder te gaan.", en="Paused. Press space to go on.")
RESUMED = Text(nl="We gaan verder.", en="Let's go on.")
MUTED = Text(nl="Geluid uit", en="Sound off")
UNMUTED = Text(nl="Geluid aan.", en="Sound on.")
PAIN = Text(
    nl="Oké, we stoppen deze oefening meteen. Pijn is een goede reden om te stoppen. "
    "Druk op n om deze oefening over te slaan, of op spatie als je toch verder wilt.",
    en="Okay, we stop this exercise right now. Pain is a good reason to stop. "
    "Press n to skip this exercise, or space if you do want to go on.",
)
PAIN_SHOWN = Text(
    nl="Gestopt wegens pijn. n = overslaan, spatie = toch verder",
    en="Stopped because of pain. n = skip, space = go on anyway",
)
QUIT = Text(nl="Sessie gestopt. Alles is bewaard.", en="Session stopped. Everything is saved.")
KEY_HELP = Text(
    nl="spatie pauze  p pijn  m geluid  n volgende  f spiegel  q stop",
    en="space pause  p pain  m mute  n next  f mirror  q quit",
)
CAMERA_LOST = Text(
    nl="De camera geeft geen beeld meer. De sessie is bewaard.",
    en="The camera stopped delivering pictures. The session is saved.",
)

# --- overlay labels ------------------------------------------------------------------
HOLD_LABEL = Text(nl="vasthouden", en="hold")
HOLD_OPEN_LABEL = Text(nl="zo lang mogelijk", en="as long as you can")
REPS_LABEL = Text(nl="herhalingen", en="reps")
SIDE_LABEL = {
    "left": Text(nl="links", en="left"),
    "right": Text(nl="rechts", en="right"),
}
