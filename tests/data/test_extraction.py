"""MediaPipe -> openpose137 mapping (no MediaPipe needed) and extraction."""
import pickle

import cv2
import numpy as np
import pytest

from real_clips import panning_portrait, portrait, write_frames

from m2hen_mmaction.data.extraction.mediapipe_to_openpose import (BODY25_FROM_POSE,
                                             FACE68_FROM_MESH,
                                             holistic_to_openpose137,
                                             hand_to_openpose,
                                             mesh_to_face70, pose_to_body25)
from m2hen_mmaction.skeleton.layouts import (BODY25_FLIP, FACE_FLIP,
                                             FACE_OFFSET, LEFT_HAND_OFFSET,
                                             RIGHT_HAND_OFFSET, get_layout)

# MediaPipe BlazePose left/right landmark pairs (person's sides).
MEDIAPIPE_POSE_FLIP = ((1, 4), (2, 5), (3, 6), (7, 8), (9, 10), (11, 12),
                       (13, 14), (15, 16), (17, 18), (19, 20), (21, 22),
                       (23, 24), (25, 26), (27, 28), (29, 30), (31, 32))


def permutation(pairs, size):
    index = np.arange(size)
    for a, b in pairs:
        index[a], index[b] = b, a
    return index


def numbered_pose(seed=0):
    """(33, 3) pose: x = landmark index, y = 100 + index, random visibility."""
    pose = np.zeros((33, 3), np.float32)
    pose[:, 0] = np.arange(33)
    pose[:, 1] = 100 + np.arange(33)
    pose[:, 2] = np.random.default_rng(seed).uniform(0.1, 1, 33)
    return pose


def test_pose_to_body25_joints_midpoints_and_missing():
    pose = numbered_pose()
    body = pose_to_body25(pose)
    assert body.shape == (25, 3)
    names = get_layout('openpose137').joint_names
    expected = dict(nose=0, right_shoulder=12, left_wrist=15, right_hip=24,
                    left_ankle=27, right_eye=5, left_ear=7, left_heel=29,
                    right_big_toe=32)
    for name, landmark in expected.items():
        np.testing.assert_array_equal(body[names.index(name)], pose[landmark])
    neck, mid_hip = body[names.index('neck')], body[names.index('mid_hip')]
    np.testing.assert_allclose(neck, [11.5, 111.5, pose[[11, 12], 2].min()])
    np.testing.assert_allclose(mid_hip,
                               [23.5, 123.5, pose[[23, 24], 2].min()])
    for name in ('left_small_toe', 'right_small_toe'):
        assert not body[names.index(name)].any()


def test_body_map_commutes_with_left_right_flip():
    pose = numbered_pose(seed=3)
    mirrored = pose[permutation(MEDIAPIPE_POSE_FLIP, 33)]
    np.testing.assert_array_equal(
        pose_to_body25(mirrored),
        pose_to_body25(pose)[permutation(BODY25_FLIP, 25)])


def test_face_map_indices_are_distinct_mesh_points():
    assert len(FACE68_FROM_MESH) == 68 == len(set(FACE68_FROM_MESH))
    assert all(0 <= i < 468 for i in FACE68_FROM_MESH)
    assert len(BODY25_FROM_POSE) == 25


def test_mesh_to_face70_with_and_without_irises():
    rng = np.random.default_rng(0)
    refined = rng.uniform(0, 1, (478, 2)).astype(np.float32)
    face = mesh_to_face70(refined, 0.75)
    assert face.shape == (70, 3) and (face[:, 2] == 0.75).all()
    np.testing.assert_array_equal(face[:68, :2],
                                  refined[list(FACE68_FROM_MESH)])
    np.testing.assert_array_equal(face[68:, :2], refined[[468, 473]])
    plain = mesh_to_face70(refined[:468], 0.75)
    np.testing.assert_allclose(plain[68, :2], face[36:42, :2].mean(0),
                               rtol=1e-6)
    np.testing.assert_allclose(plain[69, :2], face[42:48, :2].mean(0),
                               rtol=1e-6)
    with pytest.raises(ValueError, match='468 or 478 landmarks'):
        mesh_to_face70(refined[:100], 0.75)


def test_holistic_to_openpose137_scales_and_zeroes_missing_parts():
    rng = np.random.default_rng(1)
    pose = np.concatenate([rng.uniform(0, 1, (33, 2)), np.ones((33, 1))], 1)
    pose[0, 2] = 0  # nose not visible
    right_hand = rng.uniform(0, 1, (21, 2))
    joints = holistic_to_openpose137(pose, None, None, right_hand,
                                     image_size=(240, 320))
    assert joints.shape == (137, 3) and joints.dtype == np.float32
    np.testing.assert_allclose(joints[116:, 0], right_hand[:, 0] * 320,
                               rtol=1e-5)
    np.testing.assert_allclose(joints[116:, 1], right_hand[:, 1] * 240,
                               rtol=1e-5)
    assert (joints[116:, 2] == 1).all()
    assert not joints[FACE_OFFSET:116].any()  # no face, no left hand
    assert not joints[0].any()  # c = 0 -> no coordinates either
    np.testing.assert_allclose(joints[2, :2], pose[12, :2] * [320, 240],
                               rtol=1e-5)
    with pytest.raises(ValueError, match=r'hand landmarks must have shape'):
        hand_to_openpose(np.zeros((20, 2)), 1.0)
    with pytest.raises(ValueError, match=r'pose landmarks must have shape'):
        holistic_to_openpose137(pose[:30], None, None, None, (240, 320))


def test_holistic_to_openpose137_has_openpose_semantics():
    """Outside the image -> (0, 0, 0); face and hands take their presence."""
    rng = np.random.default_rng(2)
    pose = np.concatenate([rng.uniform(0.1, 0.9, (33, 2)),
                           rng.uniform(0.4, 1, (33, 1))], 1)
    pose[11] = (0.3, 0.5, 0.6)
    pose[12] = (0.5, 1.3, 0.9)  # right shoulder below the image, visible
    pose[14] = (-0.2, 0.5, 0.8)  # right elbow left of it
    face = rng.uniform(0.2, 0.8, (478, 2))
    face[FACE68_FROM_MESH[0]] = (1.05, 0.5)  # first jaw point right of it
    left_hand = rng.uniform(0.2, 0.8, (21, 2))
    left_hand[8] = (0.5, -0.01)  # an index joint above it
    joints = holistic_to_openpose137(pose, face, left_hand, None, (240, 320))

    names = get_layout('openpose137').joint_names
    for name in ('right_shoulder', 'right_elbow'):
        assert not joints[names.index(name)].any(), name
    assert not joints[FACE_OFFSET].any()
    assert not joints[LEFT_HAND_OFFSET + 8].any()
    # the neck (shoulder midpoint) lies inside: kept, with min visibility
    np.testing.assert_allclose(joints[names.index('neck')],
                               [0.4 * 320, 0.9 * 240, 0.6], rtol=1e-5)
    face_score = joints[FACE_OFFSET + 1:FACE_OFFSET + 70, 2]
    np.testing.assert_allclose(face_score, pose[:11, 2].mean(), rtol=1e-6)
    hand_score = np.delete(joints[LEFT_HAND_OFFSET:RIGHT_HAND_OFFSET, 2], 8)
    np.testing.assert_allclose(hand_score, pose[[15, 17, 19, 21], 2].mean(),
                               rtol=1e-6)
    inside = joints[:, 2] > 0
    assert ((joints[inside, 0] >= 0) & (joints[inside, 0] <= 320) &
            (joints[inside, 1] >= 0) & (joints[inside, 1] <= 240)).all()
    # A face without a pose has no presence to take: dropped.
    alone = holistic_to_openpose137(None, face, None, None, (240, 320))
    assert not alone.any()


# ---- with MediaPipe (optional extra [extract]) ----


# iBUG point chains that run left to right in the image on a frontal face:
# brows, nose base, upper and lower eyelids, upper and lower lips.
LEFT_TO_RIGHT_CHAINS = (
    range(17, 22), range(22, 27), range(31, 36), (36, 37, 38, 39),
    (36, 41, 40, 39), (42, 43, 44, 45), (42, 47, 46, 45), range(48, 55),
    (48, 59, 58, 57, 56, 55, 54), range(60, 65), (60, 67, 66, 65, 64))


def face_on(extractor, image_bgr):
    joints = extractor(cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB))
    assert joints is not None
    return joints[FACE_OFFSET:FACE_OFFSET + 70]


def test_face_map_follows_ibug_geometry_on_a_real_face():
    pytest.importorskip('mediapipe')
    from m2hen_mmaction.data.extraction.extract import HolisticExtractor
    image = cv2.resize(portrait(), (256, 300))
    with HolisticExtractor() as extractor:
        face = face_on(extractor, image)
    with HolisticExtractor() as extractor:
        mirrored = face_on(extractor, image[:, ::-1].copy())
    x, y = face[:, 0], face[:, 1]
    assert len(set(face[:, 2])) == 1 and face[0, 2] > 0.9  # face's presence
    # jaw: right ear -> chin (lowest) -> left ear
    assert (np.diff(x[0:17:4]) > 0).all() and y[8] == y[0:17].max()
    assert y[0] < y[4] < y[8] > y[12] > y[16]
    for chain in LEFT_TO_RIGHT_CHAINS:
        assert (np.diff(x[list(chain)]) > 0).all(), chain
    assert (y[[37, 38, 43, 44]] < y[[41, 40, 47, 46]]).all()  # upper lids
    assert (np.diff(y[27:31]) > 0).all()  # nose ridge runs down
    assert x[36] < x[39] < x[42] < x[45]  # eye corners left to right
    assert y[17:27].max() < y[36:48].min()  # brows above the eyes
    assert y[36:48].max() < y[30] < y[51] < y[57]  # eyes, nose, lips
    assert x[36] < x[68] < x[39] and x[42] < x[69] < x[45]  # pupils
    # Mirroring the image and swapping left/right joints gives back the face.
    mirrored[:, 0] = image.shape[1] - 1 - mirrored[:, 0]
    flipped = mirrored[permutation(FACE_FLIP, 70)]
    face_width = x[16] - x[0]
    error = np.linalg.norm(flipped[:, :2] - face[:, :2], axis=1)
    assert np.median(error) < 0.04 * face_width
    assert error.max() < 0.12 * face_width


def stick_figure(t):
    frame = np.full((128, 96, 3), 255, np.uint8)
    cv2.circle(frame, (48, 25), 12, (0, 0, 0), 2)
    for end in ((48, 90), (25 + t, 70), (71, 70)):
        cv2.line(frame, (48, 45), end, (0, 0, 0), 2)
    return frame


def test_extract_skeletons_batch_reports_each_video(tmp_path):
    pytest.importorskip('mediapipe')
    from m2hen_mmaction.data.extraction.extract import extract_skeletons
    videos = tmp_path / 'videos'
    (videos / 'sub').mkdir(parents=True)
    image = cv2.resize(portrait(), (192, 224))
    shifted = [cv2.warpAffine(image, np.float32([[1, 0, 2 * t], [0, 1, 0]]),
                              (192, 224), borderMode=cv2.BORDER_REPLICATE)
               for t in range(6)]
    write_frames(videos / 'sub' / 'person.mp4', shifted)
    write_frames(videos / 'drawing.avi', [stick_figure(t) for t in range(3)])
    (videos / 'broken.mp4').write_bytes(b'\0' * 300)
    (tmp_path / 'labels.csv').write_text('person,3\ndrawing,1\n')

    report = extract_skeletons(videos, tmp_path / 'out' / 'skeletons.pkl',
                               labels=tmp_path / 'labels.csv', stride=2,
                               max_skipped=0.7, progress=False)

    with open(tmp_path / 'out' / 'skeletons.pkl', 'rb') as f:
        data = pickle.load(f)
    assert data['split'] == dict(test=['person'])
    ann = data['annotations'][0]
    assert ann['label'] == 3 and ann['img_shape'] == (224, 192)
    assert ann['keypoint'].shape == (1, 3, 137, 2)
    assert ann['keypoint_score'].shape == (1, 3, 137)
    face_score = ann['keypoint_score'][0, :, FACE_OFFSET:FACE_OFFSET + 70]
    assert (face_score == face_score[:, :1]).all() and (face_score > 0.9).all()
    face = ann['keypoint'][0, :, FACE_OFFSET:FACE_OFFSET + 68]
    nose = ann['keypoint'][0, :, 0]
    assert ((face.min(1) < nose) & (nose < face.max(1))).all()
    errors = {p.sample: p.message for p in report.errors}
    assert set(errors) == {'drawing.avi', 'broken.mp4'}
    assert 'no person in any of its 2 frames' in errors['drawing.avi']
    assert 'cannot decode broken.mp4' in errors['broken.mp4']
    assert '2 skipped' in (tmp_path / 'out' /
                           'conversion_report.txt').read_text()


def landmarks_outside(landmarks, min_visibility=None):
    """How many landmarks lie outside the image (and are visible enough)."""
    points = landmarks.landmark
    xy = np.array([(p.x, p.y) for p in points])
    outside = ((xy < 0) | (xy > 1)).any(1)
    if min_visibility is not None:
        outside &= np.array([p.visibility for p in points]) > min_visibility
    return int(outside.sum())


def test_extracted_joints_never_lie_outside_the_image(tmp_path):
    mediapipe = pytest.importorskip('mediapipe')
    from m2hen_mmaction.data.extraction.extract import extract_video
    frames = panning_portrait()
    # MediaPipe itself reports visible joints below and face points right of
    # this clip's last frame.
    with mediapipe.solutions.holistic.Holistic(
            refine_face_landmarks=True) as holistic:
        raw = holistic.process(cv2.cvtColor(frames[-1], cv2.COLOR_BGR2RGB))
    assert landmarks_outside(raw.pose_landmarks, min_visibility=0.3) > 0
    assert landmarks_outside(raw.face_landmarks) > 0
    write_frames(tmp_path / 'pan.mp4', frames)

    skeleton, shape = extract_video(tmp_path / 'pan.mp4')

    assert shape == (240, 320) and skeleton.shape == (1, 12, 137, 3)
    x, y, c = np.moveaxis(skeleton[0], -1, 0)
    scored = c > 0
    assert ((x >= 0) & (x <= 320) & (y >= 0) & (y <= 240))[scored].all()
    assert not skeleton[0][~scored].any()  # dropped joints are (0, 0, 0)
    assert scored[:, 0].all()  # the nose stays in view
    last_face = c[-1, FACE_OFFSET:FACE_OFFSET + 70]
    kept = last_face[last_face > 0]
    assert 0 < len(kept) < 70  # half the face left the frame
    assert (kept == kept[0]).all() and kept[0] > 0.9  # the face's presence


def test_models_that_need_a_download_fail_early():
    mediapipe = pytest.importorskip('mediapipe')
    from pathlib import Path

    from m2hen_mmaction.data.extraction.extract import check_pose_model
    with pytest.raises(ValueError, match='model_complexity must be 0, 1 or 2'):
        check_pose_model(3)
    heavy = (Path(mediapipe.__file__).parent / 'modules' / 'pose_landmark' /
             'pose_landmark_heavy.tflite')
    if heavy.exists():
        pytest.skip('the heavy pose model has been downloaded here')
    with pytest.raises(FileNotFoundError, match='Use model_complexity=1'):
        check_pose_model(2)
