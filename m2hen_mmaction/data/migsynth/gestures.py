"""MiG-Synth gesture catalogue: idle motion plus one animation per class.

Every clip starts from :func:`rest_motion` (breathing, sway, head drift,
blinks, sometimes talking, hands resting in one of several idle postures)
and one class's
``animate`` moves it toward the gesture under an envelope (onset, rise,
hold, sometimes a release). Positions are in body units (see
``migsynth_body``); one-handed gestures use the clip's ``side``.
"""
from dataclasses import dataclass
from typing import Callable, Tuple

import numpy as np

from .body import (FPS, HAND_LENGTH, HEAD_ANCHORS, SIDE_SIGN, Motion,
                            hand_axes, head_anchor)

HAT_RATE = 0.15  # hats worn in clips of classes that do not decide it


@dataclass
class GestureContext:
    """One clip being animated.

    Attributes:
        rng (np.random.Generator): The clip's random source.
        motion (Motion): Modified in place.
        speed (float): Tempo factor (subject x clip).
        side (int): Dominant hand of this clip (0 right, 1 left).
        env (np.ndarray): (T,) gesture envelope in [0, 1].
        style (np.ndarray): (2,) the subject's offset of hand targets.
    """
    rng: np.random.Generator
    motion: Motion
    speed: float
    side: int
    env: np.ndarray
    style: np.ndarray

    @property
    def time(self) -> np.ndarray:
        return np.arange(self.motion.num_frames) / FPS

    def wave(self, low_hz: float, high_hz: float) -> np.ndarray:
        """A sine of random frequency (scaled by speed) and phase, (T,)."""
        freq = self.rng.uniform(low_hz, high_hz) * self.speed
        return np.sin(2 * np.pi * freq * self.time +
                      self.rng.uniform(0, 2 * np.pi))

    def jitter(self, scale: float, size=2) -> np.ndarray:
        """Per-clip variation of a target."""
        return self.rng.normal(scale=scale, size=size)

    def blend(self, current: np.ndarray, target) -> np.ndarray:
        """Move ``current`` (T, ...) toward ``target`` by the envelope."""
        env = self.env.reshape((-1, ) + (1, ) * (np.ndim(current) - 1))
        return current + env * (np.asarray(target) - current)

    def move_wrist(self, side: int, target) -> None:
        """Blend a wrist toward ``target`` ((T, 2) or (2,)) plus style."""
        wrist = self.motion.wrist
        wrist[side] = self.blend(wrist[side], target + self.style)

    def shape_hand(self, side: int, roll, yaw, curl, spread=0.3) -> None:
        """Blend a hand's shape.

        Args:
            side (int): Which hand.
            roll (float | np.ndarray): Inward angle of the hand axis.
            yaw (float | np.ndarray): Palm (0) to back of the hand (pi).
            curl (sequence | np.ndarray): (5,) or (T, 5) finger flexion.
            spread (float | np.ndarray): Finger spread.
        """
        m = self.motion
        m.hand_roll[side] = self.blend(m.hand_roll[side], roll)
        m.hand_yaw[side] = self.blend(m.hand_yaw[side], yaw)
        m.curl[side] = self.blend(m.curl[side], np.clip(curl, 0, 1))
        m.spread[side] = self.blend(m.spread[side], spread)

    def reach(self, side: int, contact: np.ndarray, roll, yaw, curl,
              reach: float, spread=0.3):
        """Put the hand so that ``reach`` hand lengths end at ``contact``."""
        roll = np.broadcast_to(roll, self.env.shape)
        along, _ = hand_axes(roll, side)
        self.move_wrist(side, contact - reach * HAND_LENGTH * along)
        self.shape_hand(side, roll, yaw, curl, spread)


def smooth_drift(rng: np.random.Generator, num_frames: int, speed: float,
                 amplitude: float, shape: Tuple[int, ...] = ()) -> np.ndarray:
    """Slow random motion: three random sines per channel, std amplitude.

    Returns:
        np.ndarray: (T, *shape).
    """
    freqs = rng.uniform(0.1, 0.6, (3, ) + shape) * speed
    phases = rng.uniform(0, 2 * np.pi, (3, ) + shape)
    time = (np.arange(num_frames) / FPS).reshape((-1, 1) + (1, ) * len(shape))
    waves = np.sin(2 * np.pi * freqs * time + phases).sum(1)
    return waves * amplitude / np.sqrt(1.5)


def envelope(rng: np.random.Generator, num_frames: int, speed: float,
             release_rate: float = 0.4) -> np.ndarray:
    """Gesture envelope (T,): onset, smooth rise, hold, maybe a release."""
    frames = np.arange(num_frames)
    rise = np.clip(rng.uniform(0.15, 0.3) * num_frames / speed, 2,
                   0.35 * num_frames)
    onset = rng.uniform(0, 0.2) * num_frames
    env = _smoothstep((frames - onset) / rise)
    if rng.random() < release_rate:
        release = rng.uniform(0.75, 0.9) * num_frames
        env = env * (1 - _smoothstep((frames - release) / rise))
    return env


def _smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0, 1)
    return x * x * (3 - 2 * x)


def _blinks(rng: np.random.Generator, num_frames: int) -> np.ndarray:
    """Eye closure (T,) with about one 3-frame blink per 3 seconds."""
    closure = np.zeros(num_frames)
    for start in rng.integers(0, num_frames, rng.poisson(num_frames / 75)):
        closure[start:start + 3] = [0.7, 1.0, 0.6][:num_frames - start]
    return closure


def idle_hands(rng: np.random.Generator):
    """Where the hands rest when no gesture uses them.

    Mostly on the table; sometimes clasped on the table, one hand on the
    other forearm or on the chest (look-alikes of gesture postures).

    Returns:
        tuple[np.ndarray, np.ndarray]: wrists (2, 2) and inward hand roll
        (2,) in radians.
    """
    if rng.random() < 0.15:  # loosely clasped
        center = [rng.normal(scale=0.04), rng.uniform(0.85, 1.0)]
        wrist = center + np.outer(SIDE_SIGN, [rng.uniform(0.04, 0.1), 0])
        return wrist, np.radians(rng.uniform(40, 90, 2))
    wrist = np.stack([SIDE_SIGN * rng.uniform(0.2, 0.32, 2),
                      rng.uniform(0.95, 1.1, 2)], -1)
    roll = np.radians(rng.uniform(70, 100, 2))
    for side, choice in enumerate(rng.random(2)):
        if choice < 0.12:  # on the other forearm
            wrist[side] = [-SIDE_SIGN[side] * rng.uniform(0.35, 0.45),
                           rng.uniform(0.8, 0.92)]
            roll[side] = np.radians(rng.uniform(90, 115))
        elif choice < 0.24:  # on the chest
            wrist[side] = [SIDE_SIGN[side] * rng.uniform(0.0, 0.1),
                           rng.uniform(0.45, 0.65)]
    return wrist, roll


def rest_motion(rng: np.random.Generator, num_frames: int,
                speed: float) -> Motion:
    """Idle seated pose with the distractor motion every clip carries."""
    num = num_frames
    time = np.arange(num) / FPS
    breath = np.sin(2 * np.pi * rng.uniform(0.2, 0.35) * speed * time +
                    rng.uniform(0, 2 * np.pi))
    face = np.zeros((num, 3))
    face[:, 2] = _blinks(rng, num)
    if rng.random() < 0.35:  # talking
        syllables = np.sin(2 * np.pi * rng.uniform(3, 5) * time +
                           rng.uniform(0, 2 * np.pi))
        face[:, 0] = 0.2 * np.clip(syllables, 0, 1)
    rest_wrist, rest_roll = idle_hands(rng)
    wrist = rest_wrist[:, None] + smooth_drift(rng, num, speed, 0.015,
                                               (2, 2)).transpose(1, 0, 2)
    curl = (0.35 + rng.normal(scale=0.08, size=(2, 1, 5)) +
            smooth_drift(rng, num, speed, 0.05, (2, 5)).transpose(1, 0, 2))
    return Motion(
        body_shift=smooth_drift(rng, num, speed, 0.025, (2, )),
        shoulder_raise=0.012 * breath,
        shoulder_spread=0.004 * breath,
        head_shift=smooth_drift(rng, num, speed, 0.01, (2, )),
        head_rot=smooth_drift(rng, num, speed, 1.0, (3, )) * [0.08, 0.05,
                                                               0.04],
        face=face,
        wrist=wrist,
        hand_roll=np.repeat(rest_roll[:, None], num, 1),
        hand_yaw=np.repeat(rng.uniform(2.2, 3.0, (2, 1)), num, 1),
        curl=np.clip(curl, 0, 1),
        spread=np.full((2, num), 0.3),
        hand_visibility=np.ones((2, num)))


# --- one animation per class ---------------------------------------------


def _anchor(ctx: GestureContext, name: str, spread: float) -> np.ndarray:
    """Track (T, 2) of a head anchor on the clip's side, jittered."""
    return (head_anchor(ctx.motion, HEAD_ANCHORS[name], ctx.side) +
            ctx.jitter(spread))


def touch_face(ctx: GestureContext) -> None:
    """Flat hand somewhere on the cheek, temple or jaw, stroking it."""
    mix = ctx.rng.dirichlet([3.0, 1.0, 1.0])
    point = mix @ np.stack([HEAD_ANCHORS[k] for k in ('cheek', 'temple',
                                                      'jaw')])
    contact = head_anchor(ctx.motion, point, ctx.side) + ctx.jitter(0.03)
    contact[:, 1] += 0.03 * ctx.rng.random() * ctx.wave(0.8, 1.6)
    curl = [0.2, 0.1, 0.15, 0.2, 0.25] + ctx.jitter(0.05, 5)
    ctx.reach(ctx.side, contact, np.radians(ctx.rng.uniform(-5, 25)),
              ctx.rng.uniform(1.6, 2.6), curl, reach=0.75)


def touch_chin(ctx: GestureContext) -> None:
    """Fist under the chin, index along the jaw; mouth shut, head rests."""
    contact = _anchor(ctx, 'chin', 0.04)
    curl = [0.2, 0.15, 0.75, 0.8, 0.8] + ctx.jitter(0.05, 5)
    ctx.reach(ctx.side, contact, np.radians(ctx.rng.uniform(10, 30)),
              ctx.rng.uniform(0.9, 1.4), curl, reach=0.35)
    m = ctx.motion
    m.face[:, 0] = ctx.blend(m.face[:, 0], 0.0)
    m.head_rot[:, 1] -= 0.07 * ctx.env


def bite_nails(ctx: GestureContext) -> None:
    """Curled fingertips at the open mouth, jaw chewing."""
    contact = _anchor(ctx, 'mouth', 0.04)
    curl = [0.4, 0.55, 0.6, 0.8, 0.85] + ctx.jitter(0.05, 5)
    ctx.reach(ctx.side, contact, np.radians(ctx.rng.uniform(10, 30)),
              ctx.rng.uniform(0.9, 1.4), curl, reach=0.55)
    chew = 0.25 + 0.12 * np.abs(ctx.wave(1.5, 2.5))
    ctx.motion.face[:, 0] = ctx.blend(ctx.motion.face[:, 0], chew)


def play_hair(ctx: GestureContext) -> None:
    """Hand over the side of the head, fingers twirling, wrist circling.

    Also the skeleton of 'touch hat': only a worn hat (RGB) tells them apart.
    """
    wave = ctx.wave(1.0, 2.0)
    circle = 0.025 * np.stack([wave, np.roll(wave, 3)], -1)
    contact = _anchor(ctx, 'crown', 0.04) + circle
    curl = np.full((len(wave), 5), 0.35) + ctx.jitter(0.05, 5)
    curl[:, :3] += 0.25 * wave[:, None]
    ctx.reach(ctx.side, contact, np.radians(ctx.rng.uniform(25, 45)),
              ctx.rng.uniform(1.8, 2.6), curl, reach=0.6)


def touch_ears(ctx: GestureContext) -> None:
    """Fingers pinch the ear from outside and tug it."""
    contact = _anchor(ctx, 'ear', 0.03)
    contact[:, 1] += 0.02 * ctx.wave(1.0, 2.0)
    curl = [0.3, 0.35, 0.4, 0.5, 0.55] + ctx.jitter(0.05, 5)
    ctx.reach(ctx.side, contact, np.radians(ctx.rng.uniform(20, 40)),
              ctx.rng.uniform(1.2, 1.8), curl, reach=0.7)


def fold_arm(ctx: GestureContext) -> None:
    """Arms crossed on the chest, hands tucked at the opposite elbows."""
    top = ctx.side
    for side, height in ((top, 0.6), (1 - top, 0.52)):
        ctx.move_wrist(side, [-SIDE_SIGN[side] * 0.3, height] +
                       ctx.jitter(0.04))
        ctx.shape_hand(side, np.radians(90), np.pi, 0.5 + ctx.jitter(0.05, 5))
        ctx.motion.hand_visibility[side] = ctx.blend(
            ctx.motion.hand_visibility[side], 0.35)
    ctx.motion.shoulder_raise += 0.02 * ctx.env


def scratch_arm(ctx: GestureContext) -> None:
    """One hand scratches the other forearm lying across the belly."""
    other = 1 - ctx.side
    sign = SIDE_SIGN[other]
    held = np.array([sign * 0.15, 0.8]) + ctx.jitter(0.04)
    ctx.move_wrist(other, held)
    ctx.shape_hand(other, np.radians(80), 2.6, [0.4] * 5)
    wave = ctx.wave(2.5, 4.0)
    contact = (held + [sign * 0.15, -0.05] +
               0.04 * wave[:, None] * [sign, -0.3])
    curl = np.full((len(wave), 5), 0.45) + ctx.jitter(0.05, 5)
    curl[:, 1:] += 0.25 * wave[:, None]
    ctx.reach(ctx.side, contact, np.radians(100), 2.6, curl, reach=0.6)


def _hands_together(ctx: GestureContext) -> float:
    """Both wrists close together in front of the belly; returns half gap.

    Shared by rub hand, play things, cross finger and minaret hand so that
    their body joints follow one distribution.
    """
    center = np.array([ctx.rng.normal(scale=0.03),
                       ctx.rng.uniform(0.62, 0.8)])
    half_gap = ctx.rng.uniform(0.05, 0.12)
    bob = ctx.rng.uniform(0, 0.03) * ctx.wave(0.5, 1.5)
    phase = ctx.rng.choice([-1.0, 1.0])
    for side, bob_sign in ((0, 1.0), (1, phase)):
        wrist = center + [SIDE_SIGN[side] * half_gap, 0]
        ctx.move_wrist(side, wrist + bob_sign * bob[:, None] * [0, 1])
    return half_gap


def rub_hand(ctx: GestureContext) -> None:
    """Palms pressed together, fingers straight, sliding against each other.

    Also the skeleton of 'play things': only the held object (RGB) differs.
    """
    _hands_together(ctx)
    slide = 0.25 * ctx.wave(1.5, 2.5)
    curl = [0.15, 0.1, 0.1, 0.1, 0.15] + ctx.jitter(0.05, 5)
    for side, sign in ((0, 1), (1, -1)):
        ctx.shape_hand(side, 0.5 + sign * slide, 1.4, curl, 0.1)


def cross_finger(ctx: GestureContext) -> None:
    """Fingers interlaced (spread, half curled, pointing across), thumbs
    twiddling."""
    _hands_together(ctx)
    curl = np.full((ctx.motion.num_frames, 5), 0.55) + ctx.jitter(0.05, 5)
    curl[:, 0] = 0.2 + 0.2 * ctx.wave(0.8, 1.5)
    for side in (0, 1):
        ctx.shape_hand(side, 1.2, 2.7, curl, 0.9)


def minaret_hand(ctx: GestureContext) -> None:
    """Steeple: fingers straight and spread, fingertips meeting, pulsing."""
    half_gap = _hands_together(ctx)
    roll = np.arcsin(min(half_gap / (0.9 * HAND_LENGTH), 1.0))
    curl = [0.1, 0.05, 0.05, 0.05, 0.1] + ctx.jitter(0.03, 5)
    spread = 0.55 + 0.25 * ctx.wave(0.6, 1.2)
    for side in (0, 1):
        ctx.shape_hand(side, roll, 0.3, curl, spread)


def deep_breath(ctx: GestureContext) -> None:
    """Shoulders and head rise on the inhale; mouth opens on the exhale."""
    m, env = ctx.motion, ctx.env
    m.shoulder_raise += 0.07 * env
    m.shoulder_spread += 0.02 * env
    m.head_rot[:, 1] += 0.1 * env
    exhale = env * (np.arange(len(env)) > np.argmax(env))
    m.face[:, 0] = np.maximum(m.face[:, 0], 0.35 * exhale)


def head_up(ctx: GestureContext) -> None:
    """Head tilts back and rises a little."""
    m = ctx.motion
    m.head_rot[:, 1] += ctx.rng.uniform(0.25, 0.45) * ctx.env
    m.head_shift[:, 1] -= 0.03 * ctx.env


def bite_lip(ctx: GestureContext) -> None:
    """Lower lip drawn in under the teeth, head dips; no arm motion."""
    m = ctx.motion
    m.face[:, 1] = ctx.blend(m.face[:, 1], ctx.rng.uniform(0.7, 1.0))
    m.face[:, 0] = ctx.blend(m.face[:, 0], 0.0)
    m.head_rot[:, 1] -= 0.06 * ctx.env


def arm_akimbo(ctx: GestureContext) -> None:
    """Hands on the hips, elbows out, shoulders up a little."""
    for side in (0, 1):
        ctx.move_wrist(side, [SIDE_SIGN[side] * 0.45, 0.95] + ctx.jitter(0.04))
        ctx.shape_hand(side, np.radians(160), 2.8, 0.3 + ctx.jitter(0.05, 5))
    ctx.motion.shoulder_raise += 0.025 * ctx.env


@dataclass(frozen=True)
class GestureClass:
    """One MiG-Synth class.

    Attributes:
        name (str): iMiGUE class name.
        frequency_rank (int): 0 for the most frequent class.
        cue (str): Which modality tells it from its look-alikes.
        looks_like (str): What the clip shows.
        animate (Callable[[GestureContext], None]): The animation.
        hat_rate (float): Probability that the subject wears a hat.
        holds_object (bool): Whether a small coloured object is held
            between the hands.
        release_rate (float): Probability that the gesture ends before the
            clip does.
    """
    name: str
    frequency_rank: int
    cue: str
    looks_like: str
    animate: Callable[[GestureContext], None]
    hat_rate: float = HAT_RATE
    holds_object: bool = False
    release_rate: float = 0.4


def _gc(name, rank, cue, animate, looks_like=None, **kwargs) -> GestureClass:
    """A class whose description defaults to its animation's summary."""
    summary = ' '.join(animate.__doc__.split('\n\n')[0].split())
    return GestureClass(name, rank, cue, looks_like or summary, animate,
                        **kwargs)


# Labels follow the order of the iMiGUE class list.
GESTURE_CLASSES = (
    _gc('deep breath', 5, 'body + face', deep_breath, release_rate=1.0),
    _gc('touch hat', 14, 'RGB (hat); skeleton = play hair', play_hair,
        looks_like='Hand on the side of a worn hat, fingers moving, wrist '
        'circling: the play hair skeleton.', hat_rate=1.0),
    _gc('touch face', 0, 'body', touch_face),
    _gc('touch ears', 8, 'body', touch_ears),
    _gc('bite nails', 9, 'fingers + mouth (wrist = touch chin)', bite_nails),
    _gc('touch chin', 4, 'fingers + mouth (wrist = bite nails)', touch_chin),
    _gc('play hair', 3, 'RGB (no hat); skeleton = touch hat', play_hair,
        hat_rate=0.0),
    _gc('fold arm', 1, 'body', fold_arm),
    _gc('scratch arm', 6, 'body + fingers', scratch_arm),
    _gc('rub hand', 2, 'fingers (wrists = cross finger, minaret hand)',
        rub_hand),
    _gc('cross finger', 7, 'fingers (wrists = rub hand, minaret hand)',
        cross_finger),
    _gc('minaret hand', 12, 'fingers (wrists = rub hand, cross finger)',
        minaret_hand),
    _gc('play things', 10, 'RGB (held object); skeleton = rub hand',
        rub_hand, looks_like='A small coloured object turned between the '
        'palms: the rub hand skeleton.', holds_object=True),
    _gc('head up', 11, 'head / face', head_up),
    _gc('bite lip', 13, 'mouth only', bite_lip),
    _gc('arm akimbo', 15, 'body', arm_akimbo),
)


def animate_clip(gesture: GestureClass, rng: np.random.Generator,
                 num_frames: int, speed: float, side: int,
                 style: Tuple[float, float]) -> Motion:
    """Rest motion of one clip moved into ``gesture``.

    Args:
        gesture (GestureClass): The class to perform.
        rng (np.random.Generator): The clip's random source.
        num_frames (int): T.
        speed (float): Tempo factor.
        side (int): Hand of one-handed gestures (0 right, 1 left).
        style (tuple[float, float]): Subject's offset of hand targets.
    """
    motion = rest_motion(rng, num_frames, speed)
    ctx = GestureContext(rng, motion, speed, side,
                         envelope(rng, num_frames, speed,
                                  gesture.release_rate), np.asarray(style))
    gesture.animate(ctx)
    return motion
