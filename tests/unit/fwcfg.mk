UNIT_TESTS += fwcfg
UT_fwcfg_SRCS := tests/unit/test_fwcfg.c vmm/fw_cfg.c
