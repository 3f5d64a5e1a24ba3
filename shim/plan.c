#include "plan.h"

#include "learn.h"

const struct recorder *plan_recorder(enum seccomp_mode mode)
{
	switch (mode) {
	case SECCOMP_MODE_COMPLAIN: return &notify_complain;
	case SECCOMP_MODE_LEARN: return &learn_recorder;
	case SECCOMP_MODE_ENFORCE: break;
	}
	return NULL;
}

int plan_seccomp(const struct shim_config *cfg, struct plan *out)
{
	int rc = filter_prepare(cfg->seccomp, cfg->seccomp_mode, &out->filter);
	if (rc)
		return rc;
	out->recorder = plan_recorder(cfg->seccomp_mode);
	if (out->recorder)
		rc = notify_init(seccomp_mode_names[cfg->seccomp_mode], cfg->seccomp, out->filter.kind);
	if (!rc && out->recorder == &learn_recorder)
		rc = learn_init(cfg->learn_file, cfg->learn_args, cfg->seccomp, out->filter.kind, &out->filter.base,
				&out->filter.rules, &out->filter.prog);
	if (rc)
		plan_release(out);
	return rc;
}

void plan_release(struct plan *p)
{
	filter_release(&p->filter);
}
