UNIT_TESTS += vrtc
UT_vrtc_SRCS := tests/unit/test_vrtc.c vmm/vrtc.c
