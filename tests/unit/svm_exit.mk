UNIT_TESTS += svm_exit
UT_svm_exit_SRCS := tests/unit/test_svm_exit.c arch/x86/svm/svm_exit.c
