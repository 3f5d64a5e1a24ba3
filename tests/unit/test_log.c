#include "testlib.h"

#include "log.h"

static void say_all(void *arg)
{
	(void)arg;
	log_error("e %d", 1);
	log_warn("w");
	log_info("i");
	log_debug("d");
}

static void levels_filter_and_format(void **state)
{
	(void)state;
	log_set_level(LOG_LEVEL_WARN);
	assert_string_equal(capture_stderr(say_all, NULL), "shim: error: e 1\nshim: warn: w\n");
	log_set_level(LOG_LEVEL_ERROR);
	assert_string_equal(capture_stderr(say_all, NULL), "shim: error: e 1\n");
	log_set_level(LOG_LEVEL_DEBUG);
	assert_string_equal(capture_stderr(say_all, NULL),
			    "shim: error: e 1\nshim: warn: w\nshim: info: i\nshim: debug: d\n");
}

static void say_multiline(void *arg)
{
	log_error("value %s", (const char *)arg);
}

static void a_message_is_always_one_line(void **state)
{
	(void)state;
	log_set_level(LOG_LEVEL_WARN);
	assert_string_equal(capture_stderr(say_multiline, "a\nb\rc"), "shim: error: value a b c\n");
	char big[3000];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	const char *out = capture_stderr(say_multiline, big);
	assert_int_equal(strchr(out, '\n') - out, strlen(out) - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(levels_filter_and_format),
		cmocka_unit_test(a_message_is_always_one_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
