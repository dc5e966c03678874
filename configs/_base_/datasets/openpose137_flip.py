# Flip pairs of the openpose137 layout as MMAction2's Flip/GeneratePoseTarget
# expect them (only the pairing matters). tests/test_configs.py checks these
# lists against m2hen_mmaction.skeleton.get_layout('openpose137').
layout = 'openpose137'
left_kp = [2, 3, 4, 9, 10, 11, 15, 17, 19, 20, 21, 25, 26, 27, 28, 29, 30, 
    31, 32, 42, 43, 44, 45, 46, 56, 57, 61, 62, 63, 64, 65, 66, 73, 74, 75, 84, 
    83, 85, 86, 92, 93, 95, 96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 
    107, 108, 109, 110, 111, 112, 113, 114, 115]
right_kp = [5, 6, 7, 12, 13, 14, 16, 18, 22, 23, 24, 41, 40, 39, 38, 37, 
    36, 35, 34, 51, 50, 49, 48, 47, 60, 59, 70, 69, 68, 67, 72, 71, 79, 78, 77, 
    80, 81, 89, 88, 90, 94, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 
    126, 127, 128, 129, 130, 131, 132, 133, 134, 135, 136]
