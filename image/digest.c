/* sha256 digests: the names of blobs, the diff_ids of layers and the chain
 * ids of layer stacks (image-spec descriptor.md, config.md).  The only file
 * that talks to libcrypto. */
/* The low-level SHA256_* calls: deprecated in OpenSSL 3, but the EVP
 * interface would drag the provider machinery (~5 MB) into the static
 * binary for one hash function. */
#define OPENSSL_API_COMPAT 0x10100000L

#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>

#include "image/image_internal.h"

#define DIGEST_PREFIX "sha256:"
#define PREFIX_LEN (sizeof(DIGEST_PREFIX) - 1)
#define HEX_LEN (2 * SHA256_DIGEST_LENGTH)

struct img_hash {
	SHA256_CTX ctx;
};

/* Only lowercase: the digest becomes a file name (blobs/sha256/<hex>), and
 * "AB" and "ab" must never name two blobs with the same content. */
static bool is_lower_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

bool img_digest_valid(const char *d)
{
	if (!d || strncmp(d, DIGEST_PREFIX, PREFIX_LEN) != 0)
		return false;
	const char *hex = d + PREFIX_LEN;
	for (size_t i = 0; i < HEX_LEN; i++)
		if (!is_lower_hex(hex[i])) /* also stops at a NUL: too short */
			return false;
	return hex[HEX_LEN] == '\0';
}

const char *img_digest_hex(const char *d)
{
	return d + PREFIX_LEN;
}

struct img_hash *img_hash_new(void)
{
	struct img_hash *h = xmalloc(sizeof(*h));
	SHA256_Init(&h->ctx);
	return h;
}

void img_hash_update(struct img_hash *h, const void *p, size_t n)
{
	if (n)
		SHA256_Update(&h->ctx, p, n);
}

static void format_digest(const unsigned char md[SHA256_DIGEST_LENGTH], char out[IMG_DIGEST_MAX])
{
	static const char hexdigits[] = "0123456789abcdef";
	memcpy(out, DIGEST_PREFIX, PREFIX_LEN);
	char *o = out + PREFIX_LEN;
	for (size_t i = 0; i < SHA256_DIGEST_LENGTH; i++) {
		*o++ = hexdigits[md[i] >> 4];
		*o++ = hexdigits[md[i] & 0xf];
	}
	*o = '\0';
}

void img_hash_final(struct img_hash *h, char out[IMG_DIGEST_MAX])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	SHA256_Final(md, &h->ctx);
	format_digest(md, out);
}

void img_hash_free(struct img_hash *h)
{
	free(h);
}

/* Not OpenSSL's one-shot SHA256(): in OpenSSL 3 it goes through EVP. */
void img_sha256(const void *p, size_t n, char out[IMG_DIGEST_MAX])
{
	struct img_hash h;
	SHA256_Init(&h.ctx);
	img_hash_update(&h, p, n);
	img_hash_final(&h, out);
}

void img_chain_id(const char *parent_chain, const char *diff_id, char out[IMG_DIGEST_MAX])
{
	if (!parent_chain || !*parent_chain) {
		snprintf(out, IMG_DIGEST_MAX, "%s", diff_id);
		return;
	}
	/* ChainID(L0|...|Ln) = SHA256(ChainID(L0|...|Ln-1) + " " + DiffID(Ln)) */
	struct img_hash h;
	SHA256_Init(&h.ctx);
	img_hash_update(&h, parent_chain, strlen(parent_chain));
	img_hash_update(&h, " ", 1);
	img_hash_update(&h, diff_id, strlen(diff_id));
	img_hash_final(&h, out);
}

void img_sha256_hex(const void *p, size_t n, char out[65])
{
	char d[IMG_DIGEST_MAX];
	img_sha256(p, n, d);
	memcpy(out, d + PREFIX_LEN, HEX_LEN + 1);
}
