#ifndef SHIM_SECCOMP_CLASSES_H
#define SHIM_SECCOMP_CLASSES_H

/* The proof's arithmetic (verify.c): which values of one 32-bit word of
 * seccomp_data are worth trying. Values that give every comparison the
 * programs make on the word the same truth take both programs down the same
 * paths, so one value per such class is enough. */
#include <stdint.h>

#define MAX_MASK_BITS 12   /* masked bits of one word enumerated */
#define MAX_REPS 8192      /* values tried for one word */

/* One comparison a program makes on a word: (word & mask) OP k. */
struct pred {
	uint32_t mask, k;
	uint16_t op; /* BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET */
	uint8_t word;
};

/* One value per class of the word under the predicates Q (N of them) into
 * OUT (room for MAX_REPS); the count, or -1 with the reason in *WHY when
 * that cannot be done within the limits. */
int classes_of(const struct pred *q, unsigned n, uint32_t *out, const char **why);

#endif
