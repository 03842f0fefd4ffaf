/* console_blob.S - the console domain's image (console/, built by
 * mk/console.mk), carried inside plinth.elf so that every boot path has it;
 * vmm/console_domain.c loads it as a Multiboot 1 kernel. */
	.section .rodata.console_image, "a"
	.balign 16
	.globl console_image_start, console_image_end
console_image_start:
	.incbin CONSOLE_BLOB
console_image_end:

	.section .note.GNU-stack, "", @progbits
