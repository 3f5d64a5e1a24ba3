/* The integration tests, one binary: SHIM, PROBE and ESCAPE name what runs;
 * TEST_FILTER='name*' selects tests by name (cmocka's filter). */
#include "run.h"

#define TEST_ENTRY(name) cmocka_unit_test(name),

int main(void)
{
	if (getenv("TEST_FILTER"))
		cmocka_set_test_filter(getenv("TEST_FILTER"));
	if (!run_setup())
		return 2;
	const struct CMUnitTest tests[] = { INTEGRATION_TESTS(TEST_ENTRY) };
	return cmocka_run_group_tests(tests, NULL, NULL);
}
