/* svm_internal.h - shared between the files of arch/x86/svm/ only. */
#ifndef ARCH_X86_SVM_INTERNAL_H
#define ARCH_X86_SVM_INTERNAL_H

#include <x86/svm.h>

/* True if the CPU has SVM at all (then virt.vendor/why_none say if usable). */
bool svm_detect(void);
int svm_cpu_enable(void);

#endif
