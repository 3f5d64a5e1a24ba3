/* A seccomp BPF interpreter for the build's verification and the tests:
 * every instruction libseccomp or the range emitter produces, with the
 * kernel's checks (forward jumps in range, aligned loads inside
 * seccomp_data, division by a zero constant refused). */
#include "emulate.h"

#include <stddef.h>
#include <string.h>

static int load_word(const struct seccomp_data *d, uint32_t off, uint32_t *out)
{
	if (off % 4 || off > sizeof *d - 4)
		return -1;
	memcpy(out, (const char *)d + off, 4);
	return 0;
}

uint32_t emulate(const struct sock_filter *prog, unsigned len, const struct seccomp_data *d)
{
	return emulate_trace(prog, len, d, NULL);
}

uint32_t emulate_trace(const struct sock_filter *prog, unsigned len, const struct seccomp_data *d,
		       bool *read_args)
{
	if (read_args)
		*read_args = false;
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = { 0 };
	for (unsigned pc = 0; pc < len; pc++) {
		const struct sock_filter *f = &prog[pc];
		uint32_t src = BPF_SRC(f->code) == BPF_X ? x : f->k;
		switch (BPF_CLASS(f->code)) {
		case BPF_LD:
			if (f->code == (BPF_LD | BPF_W | BPF_ABS)) {
				if (load_word(d, f->k, &a))
					return EMULATE_INVALID;
				if (read_args && f->k >= offsetof(struct seccomp_data, args))
					*read_args = true;
			} else if (f->code == (BPF_LD | BPF_IMM)) {
				a = f->k;
			} else if (f->code == (BPF_LD | BPF_MEM) && f->k < BPF_MEMWORDS) {
				a = mem[f->k];
			} else if (f->code == (BPF_LD | BPF_W | BPF_LEN)) {
				a = sizeof *d;
			} else {
				return EMULATE_INVALID;
			}
			break;
		case BPF_LDX:
			if (f->code == (BPF_LDX | BPF_IMM))
				x = f->k;
			else if (f->code == (BPF_LDX | BPF_MEM) && f->k < BPF_MEMWORDS)
				x = mem[f->k];
			else if (f->code == (BPF_LDX | BPF_W | BPF_LEN))
				x = sizeof *d;
			else
				return EMULATE_INVALID;
			break;
		case BPF_ST:
		case BPF_STX:
			if (f->k >= BPF_MEMWORDS)
				return EMULATE_INVALID;
			mem[f->k] = BPF_CLASS(f->code) == BPF_ST ? a : x;
			break;
		case BPF_ALU:
			switch (BPF_OP(f->code)) {
			case BPF_ADD: a += src; break;
			case BPF_SUB: a -= src; break;
			case BPF_MUL: a *= src; break;
			case BPF_DIV:
				if (!src)
					return BPF_SRC(f->code) == BPF_K ? EMULATE_INVALID : 0;
				a /= src;
				break;
			case BPF_MOD:
				if (!src)
					return BPF_SRC(f->code) == BPF_K ? EMULATE_INVALID : 0;
				a %= src;
				break;
			case BPF_AND: a &= src; break;
			case BPF_OR: a |= src; break;
			case BPF_XOR: a ^= src; break;
			case BPF_LSH: a = src < 32 ? a << src : 0; break;
			case BPF_RSH: a = src < 32 ? a >> src : 0; break;
			case BPF_NEG: a = -a; break;
			default: return EMULATE_INVALID;
			}
			break;
		case BPF_JMP: {
			unsigned off;
			if (BPF_OP(f->code) == BPF_JA) {
				off = f->k;
			} else {
				int take;
				switch (BPF_OP(f->code)) {
				case BPF_JEQ: take = a == src; break;
				case BPF_JGT: take = a > src; break;
				case BPF_JGE: take = a >= src; break;
				case BPF_JSET: take = (a & src) != 0; break;
				default: return EMULATE_INVALID;
				}
				off = take ? f->jt : f->jf;
			}
			if (off >= len - pc - 1)
				return EMULATE_INVALID;
			pc += off;
			break;
		}
		case BPF_RET:
			if (BPF_RVAL(f->code) == BPF_K)
				return f->k;
			if (BPF_RVAL(f->code) == BPF_A)
				return a;
			return EMULATE_INVALID;
		case BPF_MISC:
			if (BPF_MISCOP(f->code) == BPF_TAX)
				x = a;
			else if (BPF_MISCOP(f->code) == BPF_TXA)
				a = x;
			else
				return EMULATE_INVALID;
			break;
		default:
			return EMULATE_INVALID;
		}
	}
	return EMULATE_INVALID;
}

uint32_t emulate_verdict(const struct sock_filter *prog, unsigned len, const struct seccomp_data *data)
{
	uint32_t action = emulate(prog, len, data);
	return action == EMULATE_INVALID ? SECCOMP_RET_KILL_PROCESS : action;
}
