#include "testlib.h"

#include "sha256.h"

static const char *hex_of(const void *data, size_t len)
{
	static char hex[65];
	sha256_hex(data, len, hex);
	return hex;
}

/* FIPS 180-4's examples (NIST's SHA256.pdf and the one-million-'a' vector). */
static void nist_vectors(void **state)
{
	(void)state;
	assert_string_equal(hex_of("abc", 3), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	assert_string_equal(hex_of(two, strlen(two)),
			    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	static char million[1000000];
	memset(million, 'a', sizeof million);
	assert_string_equal(hex_of(million, sizeof million),
			    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* Every padding case: lengths around the 56- and 64-byte boundaries, from
 * coreutils' sha256sum (`head -c N /dev/zero | tr '\0' x | sha256sum`). */
static void padding_boundaries(void **state)
{
	(void)state;
	static const struct {
		size_t len;
		const char *hex;
	} v[] = {
		{ 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ 1, "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881" },
		{ 55, "d5e285683cd4efc02d021a5c62014694958901005d6f71e89e0989fac77e4072" },
		{ 56, "04c26261370ee7541549d16dee320c723e3fd14671e66a099afe0a377c16888e" },
		{ 63, "75220b47218278e656f2013bb8f0c455a25eaf01e86c64924e9d48d89776d6f2" },
		{ 64, "7ce100971f64e7001e8fe5a51973ecdfe1ced42befe7ee8d5fd6219506b5393c" },
		{ 65, "9537c5fdf120482f7d58d25e9ed583f52c02b4e304ea814db1633ad565aed7e9" },
		{ 119, "000b48d4edf0fa7bee3c6236ecd2785baa5db4eeb8bb54341b029e0d9fa5fb0c" },
		{ 120, "13f05a0b594787f5ecd315edc96141bd3243203d1b7d4f0836f37308b276ba98" },
		{ 127, "70156a14adbabf98cff3a71c7084b417abf057a8efd27329ca36b7202c87d81f" },
		{ 128, "24da1b81d0b16df6428eee73c69fcb2a93c76bc6df706f0c6670fe6bfe800464" },
		{ 1000, "44f8354494a5ba03ba1792a8d3e9c534c47a9181980fde7a3f44b06ef2ae7c7f" },
	};
	char x[1000];
	memset(x, 'x', sizeof x);
	for (size_t i = 0; i < sizeof v / sizeof *v; i++)
		assert_string_equal(hex_of(x, v[i].len), v[i].hex);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nist_vectors),
		cmocka_unit_test(padding_boundaries),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
