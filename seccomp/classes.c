/* One value per class of a word: see classes.h, and verify.c for why that
 * is enough. */
#include "classes.h"

#include <linux/filter.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static int give_up(const char **why, const char *reason)
{
	if (!*why)
		*why = reason;
	return -1;
}

/* The least W >= L with (W & U) == S, if any (for the masked bits). */
static bool least_with_bits(uint32_t l, uint32_t u, uint32_t s, uint32_t *w)
{
	if ((l & u) == s) {
		*w = l;
		return true;
	}
	/* Raise the lowest bit I that can go from 0 to 1 with L's bits above it
	 * already matching S on U; below I, the smallest: S's bits. */
	for (unsigned i = 0; i < 32; i++) {
		uint32_t bit = 1u << i, above = i == 31 ? 0 : ~0u << (i + 1), below = bit - 1;
		if (!(l & bit) && (!(u & bit) || (s & bit)) && (l & u & above) == (s & above)) {
			*w = (l & above) | bit | (s & below);
			return true;
		}
	}
	return false;
}

static bool holds(const struct pred *q, uint32_t w)
{
	uint32_t x = w & q->mask;
	switch (q->op) {
	case BPF_JEQ: return x == q->k;
	case BPF_JGT: return x > q->k;
	case BPF_JGE: return x >= q->k;
	default: return (x & q->k) != 0;
	}
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* A mask too wide to enumerate, used by equality tests only (a masked
 * compare on one argument): the classes are "W & U equals one of the
 * compared values K" and "none of them", within each interval of the
 * unmasked comparisons (OUT[0..NS-1], their starts). One value each, or
 * the proof gives up. */
static int one_mask(const char **why, const struct pred *q, unsigned n, uint32_t u, uint32_t *out, unsigned ns)
{
	uint32_t k[256];
	unsigned nk = 0;
	for (unsigned i = 0; i < n; i++) {
		if (q[i].mask == 0xffffffffu && q[i].op != BPF_JSET)
			continue;
		if (q[i].mask != u || q[i].op != BPF_JEQ || nk == 256)
			return give_up(why, "masks too wide to enumerate");
		k[nk++] = q[i].k;
	}
	uint32_t *starts = malloc(ns * sizeof *starts);
	if (!starts)
		return give_up(why, "out of memory");
	memcpy(starts, out, ns * sizeof *starts);
	unsigned nout = 0;
	for (unsigned r = 0; r < ns; r++) {
		uint32_t lo = starts[r], hi = r + 1 < ns ? starts[r + 1] - 1 : 0xffffffffu, w;
		if (nout + nk + 65 > MAX_REPS) {
			free(starts);
			return give_up(why, "too many values compared on one word");
		}
		for (unsigned i = 0; i < nk; i++)
			if (least_with_bits(lo, u, k[i] & u, &w) && w <= hi)
				out[nout++] = w;
		/* "None of them": the first few masked values that are not a K
		 * (nk + 1 distinct ones include one), where the interval has one. */
		bool found = false;
		uint32_t s = 0;
		for (unsigned tries = 0; tries < nk + 64 && !found; tries++) {
			bool listed = false;
			for (unsigned i = 0; i < nk && !listed; i++)
				listed = (k[i] & u) == s && (k[i] & ~u) == 0;
			if (!listed && least_with_bits(lo, u, s, &w) && w <= hi) {
				out[nout++] = w;
				found = true;
			}
			s = (s - u) & u;
			if (!s)
				break;
		}
		/* Not found in a short interval: try all of it. */
		if (!found && hi - lo >= 64) {
			free(starts);
			return give_up(why, "masks too wide to enumerate");
		}
		for (uint32_t j = 0; !found && j <= hi - lo; j++)
			out[nout++] = lo + j;
	}
	free(starts);
	return (int)nout;
}

int classes_of(const struct pred *q, unsigned n, uint32_t *out, const char **why)
{
	/* Unmasked comparisons: the starts of the intervals. Masked ones: the
	 * bits they look at. */
	unsigned nstart = 0;
	uint32_t u = 0;
	out[nstart++] = 0;
	for (unsigned i = 0; i < n; i++) {
		uint32_t m = q[i].op == BPF_JSET ? q[i].mask & q[i].k : q[i].mask;
		if (nstart + 2 > MAX_REPS)
			return give_up(why, "too many values compared on one word");
		if (q[i].op == BPF_JSET && m == 0xffffffffu) {
			out[nstart++] = 1;
		} else if (m != 0xffffffffu) {
			u |= m;
		} else {
			out[nstart++] = q[i].k;
			if (q[i].k != 0xffffffffu)
				out[nstart++] = q[i].k + 1;
		}
	}
	qsort(out, nstart, sizeof *out, cmp_u32);
	unsigned ns = 0;
	for (unsigned i = 0; i < nstart; i++)
		if (!ns || out[ns - 1] != out[i])
			out[ns++] = out[i];
	if (!u)
		return (int)ns;
	if (__builtin_popcount(u) > MAX_MASK_BITS || n > 256 || (ns << __builtin_popcount(u)) > (1u << 16))
		return one_mask(why, q, n, u, out, ns);
	/* Every subset of U's bits in every interval, one value per distinct
	 * truth vector. */
	uint32_t *starts = malloc(ns * sizeof *starts);
	size_t nsig = (size_t)ns << __builtin_popcount(u);
	uint64_t(*sig)[4] = malloc((nsig < MAX_REPS ? nsig : MAX_REPS) * sizeof *sig);
	if (!starts || !sig) {
		free(starts);
		free(sig);
		return give_up(why, "out of memory");
	}
	memcpy(starts, out, ns * sizeof *starts);
	unsigned nout = 0;
	int rc = 0;
	for (unsigned r = 0; r < ns && !rc; r++) {
		uint32_t hi = r + 1 < ns ? starts[r + 1] - 1 : 0xffffffffu;
		uint32_t s = 0;
		do {
			uint32_t w;
			if (least_with_bits(starts[r], u, s, &w) && w <= hi && w >= starts[r]) {
				uint64_t v[4] = { 0 };
				for (unsigned i = 0; i < n; i++)
					if (holds(&q[i], w))
						v[i / 64] |= 1ull << (i % 64);
				unsigned k = 0;
				while (k < nout && memcmp(sig[k], v, sizeof v))
					k++;
				if (k == nout) {
					if (nout == MAX_REPS) {
						rc = give_up(why, "too many values compared on one word");
						break;
					}
					memcpy(sig[nout], v, sizeof v);
					out[nout++] = w;
				}
			}
			s = (s - u) & u; /* the next subset of U */
		} while (s);
	}
	free(starts);
	free(sig);
	return rc ? -1 : (int)nout;
}

