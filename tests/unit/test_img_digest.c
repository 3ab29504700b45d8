/* image/digest.c: which digests may name a blob, sha256 against published
 * vectors (FIPS 180-2), chain ids (image-spec config.md) and the
 * incremental hash against the one-shot one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <string.h>

#include "image/image_internal.h"

#define HEX64 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static void test_digest_valid(void **state)
{
	(void)state;
	assert_true(img_digest_valid("sha256:" HEX64));
	assert_true(img_digest_valid("sha256:0000000000000000000000000000000000000000000000000000000000000000"));
	assert_true(img_digest_valid("sha256:abcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdef0123"));
}

static void test_digest_invalid(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"",
		"sha256:",
		"sha256",
		HEX64,                             /* no algorithm */
		"SHA256:" HEX64,                   /* the prefix is lowercase too */
		"sha256:" HEX64 "0",               /* 65 digits */
		"sha256:" HEX64 "\n",              /* a trailing newline */
		"sha256:" HEX64 " ",
		"sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
		"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85",  /* 63 */
		"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85g",
		"sha256:../../../../../../../../../../../../../../../../../../etc/passwd",
		"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8/5",
		"sha512:" HEX64 HEX64,
		"sha256: " HEX64,
		" sha256:" HEX64,
		"sha256:" HEX64 "/../x",
	};
	assert_false(img_digest_valid(NULL));
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (img_digest_valid(bad[i]))
			fail_msg("\"%s\" was taken as a digest", bad[i]);
	/* A NUL inside: only what precedes it counts, and that is too short. */
	char with_nul[80] = "sha256:" HEX64;
	with_nul[40] = '\0';
	assert_false(img_digest_valid(with_nul));
}

static void test_digest_hex(void **state)
{
	(void)state;
	assert_string_equal(img_digest_hex("sha256:" HEX64), HEX64);
}

static void check_sha(const void *p, size_t n, const char *want)
{
	char got[IMG_DIGEST_MAX];
	img_sha256(p, n, got);
	assert_string_equal(got, want);
	assert_true(img_digest_valid(got));
}

static void test_sha256_vectors(void **state)
{
	(void)state;
	check_sha("", 0, "sha256:" HEX64);
	check_sha("abc", 3, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	check_sha(two, strlen(two),
		  "sha256:248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	size_t n = 1000000;
	char *a = xmalloc(n);
	memset(a, 'a', n);
	check_sha(a, n, "sha256:cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(a);
}

/* Split at every boundary of a buffer larger than a block (64 bytes), and
 * at big uneven pieces: the same digest as in one piece. */
static void test_incremental(void **state)
{
	(void)state;
	unsigned char data[300];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 131 + 7);
	char whole[IMG_DIGEST_MAX];
	img_sha256(data, sizeof(data), whole);
	for (size_t cut = 0; cut <= sizeof(data); cut++) {
		struct img_hash *h = img_hash_new();
		img_hash_update(h, data, cut);
		img_hash_update(h, NULL, 0);
		img_hash_update(h, data + cut, sizeof(data) - cut);
		char got[IMG_DIGEST_MAX];
		img_hash_final(h, got);
		img_hash_free(h);
		if (strcmp(got, whole) != 0)
			fail_msg("split at %zu: %s != %s", cut, got, whole);
	}
	struct img_hash *h = img_hash_new();
	for (size_t i = 0; i < sizeof(data); i += 7)
		img_hash_update(h, data + i, i + 7 <= sizeof(data) ? 7 : sizeof(data) - i);
	char got[IMG_DIGEST_MAX];
	img_hash_final(h, got);
	img_hash_free(h);
	assert_string_equal(got, whole);
}

/* Chain ids of three layers whose diff_ids are sha256("layer0"), ("layer1"),
 * ("layer2"): computed independently (python hashlib). */
#define D0 "sha256:4fbec69b941195fd56f8212a5000e304129451d82efca94ff0e0fb2d5355472e"
#define D1 "sha256:77ea7eee3d80b1a38f83906dd3048e2689457eb90e18a7d12f839c5ae37106a2"
#define D2 "sha256:95cf1a2e1698fe3ca1fcc3f653119146b271d0b62e487ec264441e886a11bd06"
#define C1 "sha256:ef232af0eb422cdfd7917631657cd8ed2bfd5b9461b37c427aa0d3e0a19adf79"
#define C2 "sha256:7ad3896338947cc04ee0b35b50d400ff32538d63f42f85ec87feac78bf71a54d"

static void test_chain_id(void **state)
{
	(void)state;
	char c0[IMG_DIGEST_MAX], c1[IMG_DIGEST_MAX], c2[IMG_DIGEST_MAX];
	img_chain_id(NULL, D0, c0);
	assert_string_equal(c0, D0); /* the bottom layer's chain id is its diff_id */
	img_chain_id("", D0, c0);
	assert_string_equal(c0, D0);
	img_chain_id(c0, D1, c1);
	assert_string_equal(c1, C1);
	img_chain_id(c1, D2, c2);
	assert_string_equal(c2, C2);
	/* The order of layers matters. */
	char swapped[IMG_DIGEST_MAX];
	img_chain_id(D1, D0, swapped);
	assert_string_not_equal(swapped, C1);
	/* Same as hashing the text by hand. */
	char text[2 * IMG_DIGEST_MAX], by_hand[IMG_DIGEST_MAX];
	snprintf(text, sizeof(text), "%s %s", C1, D2);
	img_sha256(text, strlen(text), by_hand);
	assert_string_equal(by_hand, C2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_digest_valid),
		cmocka_unit_test(test_digest_invalid),
		cmocka_unit_test(test_digest_hex),
		cmocka_unit_test(test_sha256_vectors),
		cmocka_unit_test(test_incremental),
		cmocka_unit_test(test_chain_id),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
