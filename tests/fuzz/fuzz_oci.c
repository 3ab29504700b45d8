/* libFuzzer target: the image-spec documents an import reads from an
 * untrusted image -- the same bytes as an index (img_index_parse, then
 * img_index_pick and img_index_describe), a manifest (img_manifest_parse)
 * and a config (img_config_parse_doc).  What parses must also survive the
 * writers: a manifest written back (img_manifest_write) parses to the same
 * descriptors, and a config with one layer more (img_config_append_layer,
 * what commit does) parses with that diff_id last and every container field
 * unchanged.  Every digest that comes out is valid: the parsers are the
 * gate before a digest becomes a path.  Seeds: tests/fuzz/corpus/oci/. */
#include "image/image_internal.h"
#include "image/oci_internal.h"
#include "tests/fuzz/fuzz.h"

#define NEW_LAYER "sha256:0000000000000000000000000000000000000000000000000000000000000001"

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static bool same_strv(char **a, char **b)
{
	if (!a || !b)
		return a == b;
	for (; *a && *b; a++, b++)
		if (strcmp(*a, *b))
			return false;
	return !*a && !*b;
}

static void check_index(const char *text, size_t len)
{
	struct jl_err *e = NULL;
	struct img_index x;
	int r = img_index_parse(text, len, "index.json", &x, &e);
	fuzz_check_result(r, &e);
	if (r < 0)
		return;
	for (size_t i = 0; i < x.n; i++)
		FUZZ_ASSERT(img_digest_valid(x.manifests[i].digest) && x.manifests[i].size >= 0);
	const struct img_descriptor *d = NULL;
	if (img_index_pick(&x, &d) == 0)
		FUZZ_ASSERT(d >= x.manifests && d < x.manifests + x.n);
	struct jl_buf b = {0};
	img_index_describe(&x, &b);
	FUZZ_ASSERT(!strchr(b.data, '\n'));
	jl_buf_free(&b);
	img_index_free(&x);
}

static void check_manifest(const char *text, size_t len)
{
	struct jl_err *e = NULL;
	struct img_manifest m, back;
	int r = img_manifest_parse(text, len, "manifest", &m, &e);
	fuzz_check_result(r, &e);
	if (r < 0)
		return;
	FUZZ_ASSERT(img_digest_valid(m.config.digest));
	for (size_t i = 0; i < m.n_layers; i++)
		FUZZ_ASSERT(img_digest_valid(m.layers[i].digest) &&
			    img_layer_compression(m.layers[i].media_type) >= 0);
	struct jl_buf b = {0};
	img_manifest_write(&m, &b);
	fuzz_check_result(img_manifest_parse(b.data, b.len, "written", &back, &e), &e);
	FUZZ_ASSERT(back.n_layers == m.n_layers && same_str(back.config.digest, m.config.digest));
	for (size_t i = 0; i < m.n_layers; i++)
		FUZZ_ASSERT(same_str(back.layers[i].digest, m.layers[i].digest) &&
			    back.layers[i].size == m.layers[i].size);
	img_manifest_free(&back);
	img_manifest_free(&m);
	jl_buf_free(&b);
}

static void check_same_config(const struct img_config *a, const struct img_config *b)
{
	FUZZ_ASSERT(same_strv(a->entrypoint, b->entrypoint) && same_strv(a->cmd, b->cmd));
	FUZZ_ASSERT(same_strv(a->env, b->env) && same_strv(a->labels, b->labels));
	FUZZ_ASSERT(same_str(a->working_dir, b->working_dir) && same_str(a->user, b->user));
	FUZZ_ASSERT(same_str(a->stop_signal, b->stop_signal));
}

static void check_config(const char *text, size_t len)
{
	struct jl_err *e = NULL;
	struct img_config_doc d, more;
	int r = img_config_parse_doc(text, len, "config", &d, &e);
	fuzz_check_result(r, &e);
	if (r < 0)
		return;
	for (size_t i = 0; i < d.n_diff_ids; i++)
		FUZZ_ASSERT(img_digest_valid(d.diff_ids[i]));
	struct jl_buf b = {0};
	r = img_config_append_layer(text, len, "config", NEW_LAYER, "2030-01-01T00:00:00Z", "fuzz",
				    &b, &e);
	fuzz_check_result(r, &e);
	if (r == 0) { /* refused only at the layer cap */
		fuzz_check_result(img_config_parse_doc(b.data, b.len, "appended", &more, &e), &e);
		FUZZ_ASSERT(more.n_diff_ids == d.n_diff_ids + 1);
		FUZZ_ASSERT(!strcmp(more.diff_ids[d.n_diff_ids], NEW_LAYER));
		FUZZ_ASSERT(same_str(more.created, "2030-01-01T00:00:00Z"));
		check_same_config(&d.config, &more.config);
		img_config_doc_free(&more);
	}
	jl_buf_free(&b);
	img_config_doc_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	check_index(text, size);
	check_manifest(text, size);
	check_config(text, size);
	return 0;
}
