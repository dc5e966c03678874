"""MiG-Synth rendering: draw a clip's noise-free pose as a small RGB video.

The person is simple filled shapes (torso, head with hair and face features,
thick arms, palms with finger lines) in front of a per-subject press-room
backdrop and table. Clip props carry the RGB-only cues: a hat, an object
held between the hands, and distractors (hats, objects on the table).
"""
from dataclasses import dataclass
from typing import Optional, Tuple

import cv2
import numpy as np

from .body import (ELBOWS, FACE_OFFSET, FPS, HAND_OFFSETS, HIPS,
                            NECK, SHOULDERS, WRISTS, Pose)

SHIFT = 4  # sub-pixel bits of cv2 drawing coordinates
SCALE = 1 << SHIFT
LINE = cv2.LINE_AA
Color = Tuple[int, int, int]

SKIN_TONES = np.array([[200, 215, 245], [150, 180, 225], [110, 145, 200],
                       [70, 100, 150], [50, 70, 110]], np.float64)  # BGR
HAIR_COLORS = np.array([[20, 20, 25], [30, 50, 90], [60, 120, 180],
                        [150, 150, 150], [25, 35, 60]], np.float64)
PALM_CHAIN = (0, 1, 5, 9, 13, 17)
# Half-size of a held object in body units: several pixels at the RGB
# model's 64x64 input.
HELD_OBJECT_SIZE = 0.14
# Torso polygon: joints and offsets from them in body units.
TORSO_JOINTS = (SHOULDERS[0], SHOULDERS[0], SHOULDERS[1], SHOULDERS[1],
                HIPS[1], HIPS[0])
TORSO_OFFSETS = np.array([[-0.05, 0.1], [0.03, -0.05], [-0.03, -0.05],
                          [0.05, 0.1], [0.08, 0.0], [-0.08, 0.0]])
FINGER_CHAINS = tuple((0, ) + tuple(range(1 + 4 * f, 5 + 4 * f))
                      for f in range(5))


@dataclass(frozen=True, eq=False)
class Look:
    """A subject's appearance.

    Attributes:
        skin (np.ndarray): BGR skin colour, float (3,).
        hair (np.ndarray): BGR hair colour.
        shirt (np.ndarray): BGR shirt colour.
        short_sleeves (bool): Forearms drawn in skin colour.
        tie (np.ndarray | None): BGR tie colour, or None.
        backdrop (np.ndarray): (H, W, 3) uint8 backdrop without the table.
        table (np.ndarray): BGR table colour.
        table_top (float): Table edge y, pixels.
    """
    skin: np.ndarray
    hair: np.ndarray
    shirt: np.ndarray
    short_sleeves: bool
    tie: Optional[np.ndarray]
    backdrop: np.ndarray
    table: np.ndarray
    table_top: float


@dataclass(frozen=True, eq=False)
class Props:
    """What one clip shows besides the person.

    Attributes:
        hat (np.ndarray | None): BGR hat colour, or None.
        held (np.ndarray | None): BGR colour of an object held between the
            hands, or None.
        held_box (bool): Held object drawn as a box (else a disc).
        on_table (np.ndarray | None): (x, y, size, B, G, R) of a cup on the
            table, or None.
        brightness (float): Lighting gain of the clip.
    """
    hat: Optional[np.ndarray]
    held: Optional[np.ndarray]
    held_box: bool
    on_table: Optional[np.ndarray]
    brightness: float


def random_color(rng: np.random.Generator, saturation: Tuple[float, float],
                 value: Tuple[float, float]) -> np.ndarray:
    """A BGR colour (float, 0-255) from random hue and given ranges."""
    hsv = np.uint8([[[rng.uniform(0, 180), rng.uniform(*saturation) * 255,
                      rng.uniform(*value) * 255]]])
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)[0, 0].astype(np.float64)


def make_look(rng: np.random.Generator, img_shape: Tuple[int, int],
              table_top: float) -> Look:
    """A random subject appearance for frames of ``img_shape`` (H, W)."""
    skin = SKIN_TONES[rng.integers(len(SKIN_TONES))] + rng.normal(0, 8, 3)
    return Look(
        skin=np.clip(skin, 0, 255),
        hair=HAIR_COLORS[rng.integers(len(HAIR_COLORS))],
        shirt=random_color(rng, (0.2, 0.8), (0.25, 0.9)),
        short_sleeves=bool(rng.random() < 0.3),
        tie=random_color(rng, (0.5, 1), (0.3, 0.8))
        if rng.random() < 0.4 else None,
        backdrop=_backdrop(rng, img_shape),
        table=random_color(rng, (0.1, 0.5), (0.2, 0.6)),
        table_top=table_top)


def _backdrop(rng: np.random.Generator,
              img_shape: Tuple[int, int]) -> np.ndarray:
    """Press-room wall: muted colour, vertical gradient, a grid of logos."""
    height, width = img_shape
    base = random_color(rng, (0.05, 0.5), (0.35, 0.85))
    gradient = np.linspace(1.1, 0.85, height)[:, None, None]
    image = np.clip(base * gradient, 0, 255).astype(np.uint8)
    image = np.ascontiguousarray(np.broadcast_to(image, (height, width, 3)))
    accent = random_color(rng, (0.3, 0.9), (0.2, 1.0))
    logo = tuple(int(c) for c in 0.6 * base + 0.4 * accent)  # subtle
    step = max(8, int(width * rng.uniform(0.14, 0.24)))
    size = max(2, int(step * rng.uniform(0.15, 0.3)))
    discs = rng.random() < 0.5
    for row, y in enumerate(range(step // 2, height, step)):
        for x in range(step // 2 + (row % 2) * step // 2, width, step):
            if discs:
                cv2.circle(image, (x, y), size, logo, -1, LINE)
            else:
                cv2.rectangle(image, (x - size, y - size // 2),
                              (x + size, y + size // 2), logo, -1)
    return image


def make_props(rng: np.random.Generator, hat_rate: float, holds_object: bool,
               img_shape: Tuple[int, int], table_top: float,
               unit_px: float) -> Props:
    """Random props of one clip (see :class:`Props`)."""
    height, width = img_shape
    on_table = None
    if rng.random() < 0.25:
        size = unit_px * rng.uniform(0.08, 0.14)
        x = rng.choice([rng.uniform(0.05, 0.25), rng.uniform(0.75, 0.95)])
        y = rng.uniform(table_top + size, height - size)
        on_table = np.concatenate([[x * width, y, size],
                                   random_color(rng, (0.7, 1), (0.6, 1))])
    return Props(
        # Bright, saturated hats: never mistaken for (dark) hair.
        hat=random_color(rng, (0.7, 1), (0.75, 1))
        if rng.random() < hat_rate else None,
        held=random_color(rng, (0.8, 1), (0.7, 1)) if holds_object else None,
        held_box=bool(rng.random() < 0.5),
        on_table=on_table,
        brightness=rng.uniform(0.85, 1.15))


def _color(bgr: np.ndarray, gain: float) -> Color:
    return tuple(int(c) for c in np.clip(np.asarray(bgr) * gain, 0, 255))


class _Painter:
    """Draws frames of one clip; colours already lit by the clip gain."""

    def __init__(self, pose: Pose, look: Look, props: Props):
        gain = props.brightness
        self.pose, self.look, self.props = pose, look, props
        self.points = np.round(pose.keypoints * SCALE).astype(np.int32)
        self.head = np.round(pose.head_center * SCALE).astype(np.int32)
        self.background = np.clip(look.backdrop * gain, 0,
                                  255).astype(np.uint8)
        self.skin, self.hand_skin = (_color(look.skin, gain),
                                     _color(look.skin, 0.85 * gain))
        self.hair, self.shirt = (_color(look.hair, gain),
                                 _color(look.shirt, gain))
        self.sleeve = _color(look.shirt, 0.8 * gain)  # arms shaded apart
        self.forearm = self.skin if look.short_sleeves else self.sleeve
        self.tie = None if look.tie is None else _color(look.tie, gain)
        self.table = _color(look.table, gain)
        self.dark = _color((30, 30, 40), gain)
        self.lips = _color(look.skin * [0.6, 0.55, 0.95], gain)
        self.hat = None if props.hat is None else _color(props.hat, gain)
        self.held = None if props.held is None else _color(props.held, gain)
        unit = pose.unit_px
        self.arm_px = max(2, int(round(0.16 * unit)))
        self.finger_px = max(1, int(round(0.04 * unit)))
        self.neck_px = max(2, int(round(0.2 * unit)))

    def _px(self, value: float) -> int:
        return int(round(value * SCALE))

    def frame(self, t: int) -> np.ndarray:
        image = self.background.copy()
        points = self.points[t]
        self._torso(image, points)
        self._table(image)
        self._head(image, t)
        self._face(image, points)
        for side in (0, 1):
            self._arm(image, points, side)
        for offset in HAND_OFFSETS:
            self._hand(image, points[offset:offset + 21])
        if self.held is not None:
            self._held_object(image, points)
        return image

    def _torso(self, image, points):
        unit = self.pose.unit_px * SCALE
        outline = (points[list(TORSO_JOINTS)] + TORSO_OFFSETS * unit).astype(
            np.int32)
        cv2.fillConvexPoly(image, outline, self.shirt, LINE, SHIFT)
        if self.tie is not None:
            neck = points[NECK]
            cv2.line(image, tuple(neck + [0, int(0.05 * unit)]),
                     tuple(neck + [0, int(0.7 * unit)]), self.tie,
                     max(1, self.arm_px // 2), LINE, SHIFT)

    def _table(self, image):
        height, width = image.shape[:2]
        top = int(self.look.table_top)
        cv2.rectangle(image, (0, top), (width, height), self.table, -1)
        cv2.line(image, (0, top), (width, top), self.dark, 1)
        cup = self.props.on_table
        if cup is not None:
            x, y, size = cup[:3]
            cv2.rectangle(image, (int(x - size / 2), int(y - size)),
                          (int(x + size / 2), int(y)),
                          _color(cup[3:], self.props.brightness), -1)

    def _head(self, image, t):
        size = self.pose.head_size * SCALE
        roll = self.pose.head_roll[t]
        up = np.array([np.sin(roll), -np.cos(roll)])
        center = self.head[t]
        angle = float(np.degrees(roll))
        cv2.line(image, tuple(self.points[t, NECK]),
                 tuple(center - (up * size * 0.3).astype(np.int32)),
                 self.skin, self.neck_px, LINE, SHIFT)
        hair_center = tuple((center + up * 0.25 * size).astype(np.int32))
        cv2.ellipse(image, hair_center, (int(1.1 * size), int(1.2 * size)),
                    angle, 0, 360, self.hair, -1, LINE, SHIFT)
        cv2.ellipse(image, tuple(center), (int(size), int(1.22 * size)),
                    angle, 0, 360, self.skin, -1, LINE, SHIFT)
        if self.hat is not None:
            crown = tuple((center + up * 0.45 * size).astype(np.int32))
            cv2.ellipse(image, crown, (int(1.2 * size), int(0.95 * size)),
                        angle, 180, 360, self.hat, -1, LINE, SHIFT)
            cv2.ellipse(image, crown, (int(1.45 * size), int(0.2 * size)),
                        angle, 0, 360, self.hat, -1, LINE, SHIFT)

    def _face(self, image, points):
        face = points[FACE_OFFSET:FACE_OFFSET + 70]
        cv2.polylines(image, [face[36:42], face[42:48]], True, self.dark, 1,
                      LINE, SHIFT)
        cv2.polylines(image, [face[17:22], face[22:27], face[27:31]], False,
                      self.dark, 1, LINE, SHIFT)
        cv2.fillPoly(image, [face[48:60]], self.lips, LINE, SHIFT)
        gap = face[66, 1] - face[62, 1]
        if gap > SCALE // 2:
            cv2.fillPoly(image, [face[60:68]], self.dark, LINE, SHIFT)

    def _arm(self, image, points, side):
        shoulder, elbow, wrist = (tuple(points[j[side]])
                                  for j in (SHOULDERS, ELBOWS, WRISTS))
        for start, end, color in ((shoulder, elbow, self.sleeve),
                                  (elbow, wrist, self.forearm)):
            cv2.line(image, start, end, self.dark, self.arm_px + 2, LINE,
                     SHIFT)
            cv2.line(image, start, end, color, self.arm_px, LINE, SHIFT)

    def _hand(self, image, hand):
        """Palm and fingers in skin colour with a dark outline."""
        palm = [hand[list(PALM_CHAIN)]]
        fingers = [hand[list(chain)] for chain in FINGER_CHAINS]
        cv2.polylines(image, fingers, False, self.dark, self.finger_px + 2,
                      LINE, SHIFT)
        cv2.polylines(image, palm, True, self.dark, 2, LINE, SHIFT)
        cv2.fillPoly(image, palm, self.hand_skin, LINE, SHIFT)
        cv2.polylines(image, fingers, False, self.hand_skin, self.finger_px,
                      LINE, SHIFT)

    def _held_object(self, image, points):
        """Between the palms when they are together, else in the right."""
        palms = [points[o + np.array([0, 5, 9, 13, 17])].mean(0)
                 for o in HAND_OFFSETS]
        apart = np.linalg.norm(palms[0] - palms[1]) > (
            0.35 * self.pose.unit_px * SCALE)
        center = (palms[0] if apart else
                  (palms[0] + palms[1]) / 2).astype(np.int32)
        size = self._px(HELD_OBJECT_SIZE * self.pose.unit_px)
        if self.props.held_box:
            cv2.rectangle(image, tuple(center - size), tuple(center + size),
                          self.held, -1, LINE, SHIFT)
        else:
            cv2.circle(image, tuple(center), size, self.held, -1, LINE,
                       SHIFT)


def render_frames(pose: Pose, look: Look, props: Props,
                  times) -> np.ndarray:
    """Frames ``times`` of a clip as (len(times), H, W, 3) uint8 BGR."""
    painter = _Painter(pose, look, props)
    return np.stack([painter.frame(int(t)) for t in times])


def write_video(path: str, pose: Pose, look: Look, props: Props) -> None:
    """Render a clip to ``path`` (mp4, codec 'mp4v', 25 fps).

    Raises:
        RuntimeError: If OpenCV cannot open a writer for ``path``.
    """
    painter = _Painter(pose, look, props)
    height, width = look.backdrop.shape[:2]
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), FPS,
                             (width, height))
    if not writer.isOpened():
        raise RuntimeError(
            f'OpenCV cannot write {path!r} with codec mp4v; install '
            'opencv-python-headless with FFmpeg support.')
    try:
        for t in range(len(pose.keypoints)):
            writer.write(painter.frame(t))
    finally:
        writer.release()
