/* image/oci*.c and image/ref.c: the image-spec parsers on the spec's own
 * examples and on malformed documents, each with the exact one-line error
 * it must give; the writers (manifest, index, new config, one layer more)
 * read back by the parsers; platform choice; media types; refs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "image/image_internal.h"
#include "image/oci_internal.h"
#include "runtime/json.h"

#define D1 "sha256:9834876dcfb05cb167a5c24953eba58c4ac89b1adf57f28f2f9d09af107ee8f0"
#define D2 "sha256:3c3a4604a545cdc127456d94e421cd355bca5b528f4a9c1905b15da2eb4a4c6b"
#define D3 "sha256:ec4b8955958665577945c89419d1af06b5f7636b4ac3da7f12184802ad867736"
#define DC "sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7"

/* image-spec manifest.md, "Example Image Manifest" */
static const char spec_manifest[] =
	"{\"schemaVersion\": 2,"
	" \"mediaType\": \"application/vnd.oci.image.manifest.v1+json\","
	" \"config\": {\"mediaType\": \"application/vnd.oci.image.config.v1+json\","
	"   \"digest\": \"" DC "\", \"size\": 7023},"
	" \"layers\": ["
	"  {\"mediaType\": \"application/vnd.oci.image.layer.v1.tar+gzip\", \"digest\": \"" D1
	"\", \"size\": 32654},"
	"  {\"mediaType\": \"application/vnd.oci.image.layer.v1.tar+gzip\", \"digest\": \"" D2
	"\", \"size\": 16724},"
	"  {\"mediaType\": \"application/vnd.oci.image.layer.v1.tar+gzip\", \"digest\": \"" D3
	"\", \"size\": 73109}],"
	" \"subject\": {\"mediaType\": \"application/vnd.oci.image.manifest.v1+json\","
	"   \"digest\": \"" D1 "\", \"size\": 7682},"
	" \"annotations\": {\"com.example.key1\": \"value1\", \"com.example.key2\": \"value2\"}}";

/* image-spec image-index.md, "Example Image Index" */
static const char spec_index[] =
	"{\"schemaVersion\": 2,"
	" \"mediaType\": \"application/vnd.oci.image.index.v1+json\","
	" \"manifests\": ["
	"  {\"mediaType\": \"application/vnd.oci.image.manifest.v1+json\", \"size\": 7143,"
	"   \"digest\": \"" D1 "\", \"platform\": {\"architecture\": \"ppc64le\", \"os\": \"linux\"}},"
	"  {\"mediaType\": \"application/vnd.oci.image.manifest.v1+json\", \"size\": 7682,"
	"   \"digest\": \"" D2 "\", \"platform\": {\"architecture\": \"amd64\", \"os\": \"linux\"}}],"
	" \"annotations\": {\"com.example.key1\": \"value1\", \"com.example.key2\": \"value2\"}}";

/* image-spec config.md, "Example" */
static const char spec_config[] =
	"{\"created\": \"2015-10-31T22:22:56.015925234Z\","
	" \"author\": \"Alyssa P. Hacker <alyspdev@example.com>\","
	" \"architecture\": \"amd64\", \"os\": \"linux\","
	" \"config\": {\"User\": \"alice\", \"ExposedPorts\": {\"8080/tcp\": {}},"
	"   \"Env\": [\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\","
	"     \"FOO=oci_is_a\", \"BAR=well_written_spec\"],"
	"   \"Entrypoint\": [\"/bin/my-app-binary\"],"
	"   \"Cmd\": [\"--foreground\", \"--config\", \"/etc/my-app.d/default.cfg\"],"
	"   \"Volumes\": {\"/var/job-result-data\": {}, \"/var/log/my-app-logs\": {}},"
	"   \"WorkingDir\": \"/home/alice\","
	"   \"Labels\": {\"com.example.project.git.url\": \"https://example.com/project.git\","
	"     \"com.example.project.git.commit\": \"45a939b2999782a3f005621a8d0f29aa387e1d6b\"}},"
	" \"rootfs\": {\"diff_ids\": [\"" D1 "\", \"" D2 "\"], \"type\": \"layers\"},"
	" \"history\": [{\"created\": \"2015-10-31T22:22:54.690851953Z\","
	"   \"created_by\": \"/bin/sh -c #(nop) ADD file:a3bc1e842b69636f9df5256c49c5374fb4eef1e281fe3f282c65fb853ee171c5 in /\"},"
	"   {\"created\": \"2015-10-31T22:22:55.613815829Z\","
	"    \"created_by\": \"/bin/sh -c #(nop) CMD [\\\"sh\\\"]\", \"empty_layer\": true}]}";

/* --- valid documents ----------------------------------------------------------------- */

static void test_spec_manifest(void **state)
{
	(void)state;
	struct img_manifest m;
	struct jl_err *e = NULL;
	assert_int_equal(img_manifest_parse(spec_manifest, strlen(spec_manifest), "m", &m, &e), 0);
	assert_null(e);
	assert_string_equal(m.media_type, IMG_MT_OCI_MANIFEST);
	assert_string_equal(m.config.digest, DC);
	assert_int_equal(m.config.size, 7023);
	assert_int_equal(m.n_layers, 3);
	assert_string_equal(m.layers[2].digest, D3);
	assert_int_equal(m.layers[1].size, 16724);
	assert_int_equal(img_layer_compression(m.layers[0].media_type), 'g');
	img_manifest_free(&m);
}

static void test_spec_index(void **state)
{
	(void)state;
	struct img_index x;
	struct jl_err *e = NULL;
	assert_int_equal(img_index_parse(spec_index, strlen(spec_index), "i", &x, &e), 0);
	assert_int_equal(x.n, 2);
	assert_string_equal(x.manifests[0].arch, "ppc64le");
	assert_string_equal(x.manifests[1].os, "linux");
	const struct img_descriptor *d = NULL;
	assert_int_equal(img_index_pick(&x, &d), 0);
	assert_string_equal(d->digest, D2); /* this machine is amd64 */
	struct jl_buf b = {0};
	img_index_describe(&x, &b);
	assert_string_equal(b.data, "linux/ppc64le, linux/amd64");
	jl_buf_free(&b);
	img_index_free(&x);
}

static void test_spec_config(void **state)
{
	(void)state;
	struct img_config_doc d;
	struct jl_err *e = NULL;
	assert_int_equal(img_config_parse_doc(spec_config, strlen(spec_config), "c", &d, &e), 0);
	assert_string_equal(d.config.user, "alice");
	assert_string_equal(d.config.entrypoint[0], "/bin/my-app-binary");
	assert_null(d.config.entrypoint[1]);
	assert_string_equal(d.config.cmd[2], "/etc/my-app.d/default.cfg");
	assert_string_equal(d.config.env[1], "FOO=oci_is_a");
	assert_string_equal(d.config.working_dir, "/home/alice");
	assert_string_equal(d.config.labels[0], "com.example.project.git.url");
	assert_string_equal(d.config.labels[3], "45a939b2999782a3f005621a8d0f29aa387e1d6b");
	assert_null(d.config.labels[4]);
	assert_null(d.config.stop_signal);
	assert_int_equal(d.n_diff_ids, 2);
	assert_string_equal(d.diff_ids[1], D2);
	assert_string_equal(d.created, "2015-10-31T22:22:56.015925234Z");
	assert_int_equal(d.n_history, 2);
	img_config_doc_free(&d);
	/* the contract's entry point gives the same */
	struct img_config c;
	char **ids = NULL;
	size_t n = 0;
	assert_int_equal(img_config_parse(spec_config, strlen(spec_config), "c", &c, &ids, &n, &e),
			 0);
	assert_int_equal(n, 2);
	assert_string_equal(c.env[2], "BAR=well_written_spec");
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
	img_config_free(&c);
}

/* Docker's spellings, nulls where Docker writes them, and a text that is
 * not NUL-terminated at len. */
static void test_docker_spellings(void **state)
{
	(void)state;
	const char *man =
		"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\","
		"\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\",\"size\":1,"
		"\"digest\":\"" DC "\"},\"layers\":[{\"mediaType\":"
		"\"application/vnd.docker.image.rootfs.diff.tar.gzip\",\"size\":2,\"digest\":\"" D1
		"\"},{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+zstd\",\"size\":0,"
		"\"digest\":\"" D2 "\"}]}XXXX";
	struct img_manifest m;
	struct jl_err *e = NULL;
	assert_int_equal(img_manifest_parse(man, strlen(man) - 4, "m", &m, &e), 0);
	assert_int_equal(m.n_layers, 2);
	assert_int_equal(img_layer_compression(m.layers[1].media_type), 'z');
	img_manifest_free(&m);
	const char *cfg = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Entrypoint\":null,"
			  "\"Cmd\":null,\"Env\":null,\"WorkingDir\":\"\",\"User\":\"\",\"Labels\":null},"
			  "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";
	struct img_config_doc d;
	assert_int_equal(img_config_parse_doc(cfg, strlen(cfg), "c", &d, &e), 0);
	assert_null(d.config.entrypoint);
	assert_null(d.config.working_dir);
	assert_null(d.config.user);
	assert_int_equal(d.n_diff_ids, 0);
	img_config_doc_free(&d);
}

/* --- malformed documents, each with its exact message ----------------------------------- */

enum kind { MAN, IDX, CFG };

struct bad {
	enum kind kind;
	const char *text;
	const char *msg;
};

#define LAYER_GZ "\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\""
#define CFG_DESC                                                                        \
	"\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" DC \
	"\",\"size\":1}"
#define MAN_HEAD "{\"schemaVersion\":2," CFG_DESC ","
#define MAN_LAYER(x) MAN_HEAD "\"layers\":[" x "]}"
#define IDX_HEAD "{\"schemaVersion\":2,\"manifests\":["
#define IDX_ENTRY(x) IDX_HEAD x "]}"
#define MT_MAN "\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\""
#define CFG_TOP "{\"architecture\":\"amd64\",\"os\":\"linux\","
#define CFG_WITH(x) CFG_TOP x ",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}"

static const struct bad bad_docs[] = {
	/* text */
	{MAN, "", "m: invalid JSON: parse error: premature EOF"},
	{MAN, "[]", "m: expected a JSON object, got array"},
	{MAN, "{\"schemaVersion\":2", "m: invalid JSON: parse error: premature EOF"},
	{MAN, "{\"a\":\"x\\u0000y\"}", "m: invalid JSON: \\u0000 in a string at offset 7"},
	{MAN, "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
	 "m: invalid JSON: nested deeper than 48 levels"},
	/* schemaVersion and mediaType */
	{MAN, "{}", "m: schemaVersion: missing"},
	{MAN, "{\"schemaVersion\":\"2\"}", "m: schemaVersion: expected integer, got string"},
	{MAN, "{\"schemaVersion\":1}", "m: schemaVersion: 1 is not supported (only 2)"},
	{MAN, "{\"schemaVersion\":2.0}", "m: schemaVersion: 2.0 is not supported (only 2)"},
	{MAN, "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\"}",
	 "m: mediaType: \"application/vnd.oci.image.index.v1+json\" is not "
	 "application/vnd.oci.image.manifest.v1+json"},
	{MAN, "{\"schemaVersion\":2,\"mediaType\":7}", "m: mediaType: expected string, got number"},
	/* config descriptor */
	{MAN, "{\"schemaVersion\":2}", "m: config: missing"},
	{MAN, "{\"schemaVersion\":2,\"config\":[]}", "m: config: expected object, got array"},
	{MAN, "{\"schemaVersion\":2,\"config\":{}}", "m: config.mediaType: missing"},
	{MAN, "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\"}}", "m: config.digest: missing"},
	{MAN, "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":\"" DC "\"}}",
	 "m: config.size: missing"},
	{MAN,
	 "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":\"" DC "\",\"size\":1}}",
	 "m: config.mediaType: \"x\" is not an image config"},
	{MAN,
	 "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":\"sha256:../../x\","
	 "\"size\":1}}",
	 "m: config.digest: \"sha256:../../x\" is not a sha256 digest (sha256: and 64 lowercase "
	 "hex digits)"},
	{MAN, "{\"schemaVersion\":2," CFG_DESC "}", "m: layers: missing"},
	{MAN, MAN_HEAD "\"layers\":{}}", "m: layers: expected array, got object"},
	/* layer descriptors */
	{MAN, MAN_LAYER("7"), "m: layers[0]: expected object, got number"},
	{MAN, MAN_LAYER("{" LAYER_GZ ",\"digest\":\"" D1 "\",\"size\":-1}"),
	 "m: layers[0].size: -1 is negative"},
	{MAN, MAN_LAYER("{" LAYER_GZ ",\"digest\":\"" D1 "\",\"size\":1.5}"),
	 "m: layers[0].size: 1.5 is not an integer of 64 bits"},
	{MAN, MAN_LAYER("{" LAYER_GZ ",\"digest\":\"" D1 "\",\"size\":99999999999999999999}"),
	 "m: layers[0].size: 99999999999999999999 is not an integer of 64 bits"},
	{MAN, MAN_LAYER("{" LAYER_GZ ",\"digest\":\"" D1 "\",\"size\":\"1\"}"),
	 "m: layers[0].size: expected integer, got string"},
	{MAN, MAN_LAYER("{" LAYER_GZ ",\"digest\":\"" D1 "\",\"size\":1},{" LAYER_GZ
			",\"digest\":\"sha512:abc\",\"size\":1}"),
	 "m: layers[1].digest: \"sha512:abc\" is not a sha256 digest (sha256: and 64 lowercase hex "
	 "digits)"},
	{MAN, MAN_LAYER("{" LAYER_GZ ",\"digest\":\"sha256:9834876DCFB05CB167A5C24953EBA58C4AC89B1ADF57F28F2F9D09AF107EE8F0\",\"size\":1}"),
	 "m: layers[0].digest: \"sha256:9834876DCFB05CB167A5C24953EBA58C4AC89B1ADF57F28F2F9D09AF107EE8F0\" "
	 "is not a sha256 digest (sha256: and 64 lowercase hex digits)"},
	{MAN, MAN_LAYER("{" LAYER_GZ ",\"digest\":\"sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"size\":1}"),
	 "m: layers[0].digest: \"sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...\" is not a sha256 digest (sha256: and 64 lowercase hex "
	 "digits)"},
	{MAN, MAN_LAYER("{" LAYER_GZ ",\"digest\":\"" D1 "0\",\"size\":1}"),
	 "m: layers[0].digest: \"" D1 "0\" "
	 "is not a sha256 digest (sha256: and 64 lowercase hex digits)"},
	{MAN, MAN_LAYER("{" LAYER_GZ ",\"digest\":\"sha256:\\n\",\"size\":1}"),
	 "m: layers[0].digest: \"sha256:?\" is not a sha256 digest (sha256: and 64 lowercase hex "
	 "digits)"},
	{MAN, MAN_LAYER("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+bzip2\","
			"\"digest\":\"" D1 "\",\"size\":1}"),
	 "m: layers[0].mediaType: \"application/vnd.oci.image.layer.v1.tar+bzip2\" is not a layer "
	 "media type"},
	{MAN, MAN_LAYER("{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
			"\"digest\":\"" D1 "\",\"size\":1}"),
	 "m: layers[0].mediaType: \"application/vnd.oci.image.config.v1+json\" is not a layer "
	 "media type"},
	{MAN, MAN_LAYER("{" LAYER_GZ ",\"digest\":\"" D1 "\",\"size\":1,\"annotations\":[]}"),
	 "m: layers[0].annotations: expected object, got array"},
	{MAN, MAN_LAYER("{" LAYER_GZ ",\"digest\":\"" D1 "\",\"size\":1,\"annotations\":{\"k\":1}}"),
	 "m: layers[0].annotations[\"k\"]: expected string, got number"},
	/* indexes */
	{IDX, "{\"schemaVersion\":2}", "i: manifests: missing"},
	{IDX, "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
	      "\"manifests\":[]}",
	 "i: mediaType: \"application/vnd.oci.image.manifest.v1+json\" is not "
	 "application/vnd.oci.image.index.v1+json"},
	{IDX, IDX_ENTRY("{" MT_MAN ",\"digest\":\"sha256:../../x\",\"size\":1}"),
	 "i: manifests[0].digest: \"sha256:../../x\" is not a sha256 digest (sha256: and 64 "
	 "lowercase hex digits)"},
	{IDX, IDX_ENTRY("{" MT_MAN ",\"digest\":\"" D1 "\",\"size\":1,\"platform\":\"linux\"}"),
	 "i: manifests[0].platform: expected object, got string"},
	{IDX, IDX_ENTRY("{" MT_MAN ",\"digest\":\"" D1 "\",\"size\":1,\"platform\":{\"os\":\"linux\"}}"),
	 "i: manifests[0].platform.architecture: missing"},
	{IDX, IDX_ENTRY("{" MT_MAN ",\"digest\":\"" D1 "\",\"size\":1,\"platform\":{\"os\":1}}"),
	 "i: manifests[0].platform.os: expected string, got number"},
	{IDX, IDX_ENTRY("{" MT_MAN ",\"digest\":\"" D1 "\"}"), "i: manifests[0].size: missing"},
	/* configs */
	{CFG, "{}", "c: architecture: missing"},
	{CFG, "{\"architecture\":\"amd64\"}", "c: os: missing"},
	{CFG, CFG_TOP "\"created\":5}", "c: created: expected string, got number"},
	{CFG, CFG_TOP "\"history\":{}}", "c: history: expected array, got object"},
	{CFG, CFG_TOP "\"config\":[]}", "c: config: expected object, got array"},
	{CFG, CFG_TOP "\"config\":{\"Entrypoint\":\"/bin/sh\"}}",
	 "c: config.Entrypoint: expected array of strings, got string"},
	{CFG, CFG_TOP "\"config\":{\"Cmd\":[\"a\",1]}}", "c: config.Cmd[1]: expected string, got number"},
	{CFG, CFG_TOP "\"config\":{\"Env\":[\"PATH=/bin\",\"NOVALUE\"]}}",
	 "c: config.Env[1]: \"NOVALUE\" is not NAME=value"},
	{CFG, CFG_TOP "\"config\":{\"Env\":[\"=x\"]}}", "c: config.Env[0]: \"=x\" is not NAME=value"},
	{CFG, CFG_TOP "\"config\":{\"WorkingDir\":[]}}",
	 "c: config.WorkingDir: expected string, got array"},
	{CFG, CFG_TOP "\"config\":{\"User\":0}}", "c: config.User: expected string, got number"},
	{CFG, CFG_TOP "\"config\":{\"Labels\":[]}}", "c: config.Labels: expected object, got array"},
	{CFG, CFG_TOP "\"config\":{\"Labels\":{\"a\":true}}}",
	 "c: config.Labels[\"a\"]: expected string, got boolean"},
	{CFG, CFG_TOP "\"config\":{\"StopSignal\":9}}",
	 "c: config.StopSignal: expected string, got number"},
	{CFG, CFG_TOP "\"config\":{}}", "c: rootfs: missing"},
	{CFG, CFG_TOP "\"rootfs\":[]}", "c: rootfs: expected object, got array"},
	{CFG, CFG_TOP "\"rootfs\":{\"diff_ids\":[]}}", "c: rootfs.type: missing"},
	{CFG, CFG_TOP "\"rootfs\":{\"type\":\"squashfs\",\"diff_ids\":[]}}",
	 "c: rootfs.type: \"squashfs\" is not \"layers\""},
	{CFG, CFG_TOP "\"rootfs\":{\"type\":\"layers\"}}", "c: rootfs.diff_ids: missing"},
	{CFG, CFG_TOP "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":{}}}",
	 "c: rootfs.diff_ids: expected array, got object"},
	{CFG, CFG_TOP "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" D1 "\",\"sha256:../../x\"]}}",
	 "c: rootfs.diff_ids[1]: \"sha256:../../x\" is not a sha256 digest (sha256: and 64 "
	 "lowercase hex digits)"},
	{CFG, CFG_TOP "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[7]}}",
	 "c: rootfs.diff_ids[0]: expected string, got number"},
	{CFG, CFG_WITH("\"variant\":[]"), "c: variant: expected string, got array"},
};

static int parse_any(enum kind k, const char *text, size_t len, struct jl_err **e)
{
	int r;
	if (k == MAN) {
		struct img_manifest m;
		r = img_manifest_parse(text, len, "m", &m, e);
		if (r == 0)
			img_manifest_free(&m);
	} else if (k == IDX) {
		struct img_index x;
		r = img_index_parse(text, len, "i", &x, e);
		if (r == 0)
			img_index_free(&x);
	} else {
		struct img_config_doc d;
		r = img_config_parse_doc(text, len, "c", &d, e);
		if (r == 0)
			img_config_doc_free(&d);
	}
	return r;
}

static void test_malformed(void **state)
{
	(void)state;
	assert_true(ARRAY_SIZE(bad_docs) >= 40);
	for (size_t i = 0; i < ARRAY_SIZE(bad_docs); i++) {
		struct jl_err *e = NULL;
		const struct bad *b = &bad_docs[i];
		int r = parse_any(b->kind, b->text, strlen(b->text), &e);
		if (r >= 0)
			fail_msg("bad_docs[%zu] %s: parsed", i, b->text);
		if (!e || strcmp(e->msg, b->msg))
			fail_msg("bad_docs[%zu]:\n got  %s\n want %s", i, e ? e->msg : "(none)",
				 b->msg);
		jl_err_free(&e);
	}
}

static void test_nul_and_size(void **state)
{
	(void)state;
	struct jl_err *e = NULL;
	static const char nul[] = "{\"schemaVersion\":2}\0junk";
	assert_true(parse_any(MAN, nul, sizeof(nul) - 1, &e) < 0);
	assert_string_equal(e->msg, "m: invalid JSON: NUL byte at offset 19");
	jl_err_free(&e);
	size_t big = (4u << 20) + 1;
	char *text = xmalloc(big);
	memset(text, ' ', big);
	assert_true(parse_any(CFG, text, big, &e) < 0);
	assert_string_equal(e->msg, "c: larger than 4194304 bytes: File too large");
	jl_err_free(&e);
	free(text);
	/* 501 layers: more than overlayfs stacks */
	struct jl_buf b = {0};
	jl_buf_puts(&b, MAN_HEAD "\"layers\":[");
	for (int i = 0; i < 501; i++)
		jl_buf_printf(&b, "%s{" LAYER_GZ ",\"digest\":\"" D1 "\",\"size\":1}", i ? "," : "");
	jl_buf_puts(&b, "]}");
	assert_true(parse_any(MAN, b.data, b.len, &e) < 0);
	assert_string_equal(e->msg, "m: layers: more than 500 entries: Argument list too long");
	jl_err_free(&e);
	jl_buf_free(&b);
}

/* --- picking a platform ------------------------------------------------------------------ */

static void test_pick(void **state)
{
	(void)state;
	struct jl_err *e = NULL;
	struct img_index x;
	const struct img_descriptor *d;
	/* no platform at all: a single-image layout (umoci, skopeo, docker 25) */
	const char *bare = IDX_ENTRY("{" MT_MAN ",\"digest\":\"" D1 "\",\"size\":1}");
	assert_int_equal(img_index_parse(bare, strlen(bare), "i", &x, &e), 0);
	assert_int_equal(img_index_pick(&x, &d), 0);
	assert_string_equal(d->digest, D1);
	img_index_free(&x);
	/* a platform match beats a bare entry; attestations never match */
	const char *mixed = IDX_ENTRY(
		"{" MT_MAN ",\"digest\":\"" D1 "\",\"size\":1,\"platform\":{\"architecture\":\"unknown\",\"os\":\"unknown\"}},"
		"{\"mediaType\":\"application/vnd.example+json\",\"digest\":\"" D2 "\",\"size\":1},"
		"{" MT_MAN ",\"digest\":\"" D2 "\",\"size\":1},"
		"{" MT_MAN ",\"digest\":\"" D3 "\",\"size\":1,\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}}");
	assert_int_equal(img_index_parse(mixed, strlen(mixed), "i", &x, &e), 0);
	assert_int_equal(img_index_pick(&x, &d), 0);
	assert_string_equal(d->digest, D3);
	img_index_free(&x);
	const char *none = IDX_ENTRY(
		"{" MT_MAN ",\"digest\":\"" D1 "\",\"size\":1,\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\",\"variant\":\"v8\"}},"
		"{" MT_MAN ",\"digest\":\"" D2 "\",\"size\":1,\"platform\":{\"architecture\":\"amd64\",\"os\":\"windows\"}}");
	assert_int_equal(img_index_parse(none, strlen(none), "i", &x, &e), 0);
	assert_int_equal(img_index_pick(&x, &d), -ENOENT);
	struct jl_buf b = {0};
	img_index_describe(&x, &b);
	assert_string_equal(b.data, "linux/arm64/v8, windows/amd64");
	jl_buf_free(&b);
	img_index_free(&x);
	assert_string_equal(img_machine_arch(), "amd64");
}

/* --- writers ---------------------------------------------------------------------------- */

static void test_manifest_round_trip(void **state)
{
	(void)state;
	struct img_descriptor layers[2] = {
		{.media_type = IMG_MT_OCI_LAYER, .digest = D1, .size = 10},
		{.media_type = IMG_MT_OCI_LAYER_ZSTD, .digest = D2, .size = 0},
	};
	struct img_manifest m = {
		.config = {.media_type = IMG_MT_OCI_CONFIG, .digest = DC, .size = 5},
		.layers = layers,
		.n_layers = 2,
	};
	struct jl_buf b = {0};
	img_manifest_write(&m, &b);
	assert_string_equal(
		b.data,
		"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
		"\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" DC
		"\",\"size\":5},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\","
		"\"digest\":\"" D1 "\",\"size\":10},{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+zstd\","
		"\"digest\":\"" D2 "\",\"size\":0}]}");
	struct img_manifest back;
	struct jl_err *e = NULL;
	assert_int_equal(img_manifest_parse(b.data, b.len, "m", &back, &e), 0);
	assert_int_equal(back.n_layers, 2);
	assert_string_equal(back.layers[1].digest, D2);
	img_manifest_free(&back);
	jl_buf_free(&b);
}

static void test_index_write(void **state)
{
	(void)state;
	struct img_descriptor d = {.media_type = IMG_MT_OCI_MANIFEST, .digest = D1, .size = 3,
				   .os = "linux", .arch = "amd64", .ref_name = "v1"};
	struct jl_buf b = {0};
	img_index_write(&d, 1, &b);
	struct img_index x;
	struct jl_err *e = NULL;
	assert_int_equal(img_index_parse(b.data, b.len, "i", &x, &e), 0);
	assert_string_equal(x.manifests[0].ref_name, "v1");
	assert_string_equal(x.manifests[0].arch, "amd64");
	assert_null(x.manifests[0].variant);
	img_index_free(&x);
	jl_buf_free(&b);
}

static void test_config_new(void **state)
{
	(void)state;
	const char *ids[] = {D1};
	struct jl_buf b = {0};
	img_config_write_new(ids, 1, "jaula image import", &b);
	struct img_config_doc d;
	struct jl_err *e = NULL;
	assert_int_equal(img_config_parse_doc(b.data, b.len, "c", &d, &e), 0);
	assert_int_equal(d.n_diff_ids, 1);
	assert_string_equal(d.diff_ids[0], D1);
	assert_string_equal(d.os, "linux");
	assert_string_equal(d.architecture, "amd64");
	assert_non_null(d.created);
	assert_int_equal(d.n_history, 1);
	assert_true(jl_str_has_prefix(d.config.env[0], "PATH="));
	img_config_doc_free(&d);
	jl_buf_free(&b);
}

static void test_config_append(void **state)
{
	(void)state;
	struct jl_buf b = {0};
	struct jl_err *e = NULL;
	assert_int_equal(img_config_append_layer(spec_config, strlen(spec_config), "c", D3,
						 "2030-01-01T00:00:00Z", "commit x", &b, &e),
			 0);
	struct img_config_doc d;
	assert_int_equal(img_config_parse_doc(b.data, b.len, "c", &d, &e), 0);
	assert_int_equal(d.n_diff_ids, 3);
	assert_string_equal(d.diff_ids[2], D3);
	assert_int_equal(d.n_history, 3);
	assert_string_equal(d.created, "2030-01-01T00:00:00Z");
	assert_string_equal(d.config.cmd[0], "--foreground"); /* the rest is kept */
	img_config_doc_free(&d);
	/* fields jaula does not know survive too, numbers keep their text */
	assert_non_null(strstr(b.data, "\"author\":\"Alyssa P. Hacker <alyspdev@example.com>\""));
	assert_non_null(strstr(b.data, "\"empty_layer\":true"));
	assert_non_null(strstr(b.data, "{\"created\":\"2030-01-01T00:00:00Z\",\"created_by\":\"commit x\"}]"));
	jl_buf_free(&b);
	/* a config without history gets one */
	const char *plain = CFG_WITH("\"config\":{}");
	assert_int_equal(img_config_append_layer(plain, strlen(plain), "c", D1, NULL, "x", &b, &e), 0);
	assert_int_equal(img_config_parse_doc(b.data, b.len, "c", &d, &e), 0);
	assert_int_equal(d.n_diff_ids, 1);
	assert_int_equal(d.n_history, 1);
	img_config_doc_free(&d);
	jl_buf_free(&b);
	/* refused: a bad base, a bad diff_id */
	assert_true(img_config_append_layer("{}", 2, "c", D1, NULL, "x", &b, &e) < 0);
	assert_string_equal(e->msg, "c: architecture: missing");
	jl_err_free(&e);
	assert_true(img_config_append_layer(plain, strlen(plain), "c", "sha256:x", NULL, "x", &b,
					    &e) < 0);
	assert_string_equal(e->msg, "c: new layer: diff_id is not a sha256 digest");
	jl_err_free(&e);
	jl_buf_free(&b);
}

/* --- small helpers --------------------------------------------------------------------- */

static void test_media_types(void **state)
{
	(void)state;
	assert_int_equal(img_layer_compression(IMG_MT_OCI_LAYER), 0);
	assert_int_equal(img_layer_compression(IMG_MT_OCI_LAYER_GZIP), 'g');
	assert_int_equal(img_layer_compression(IMG_MT_OCI_LAYER_ZSTD), 'z');
	assert_int_equal(img_layer_compression("application/vnd.docker.image.rootfs.diff.tar.gzip"),
			 'g');
	assert_int_equal(
		img_layer_compression("application/vnd.oci.image.layer.nondistributable.v1.tar+zstd"),
		'z');
	assert_int_equal(img_layer_compression(IMG_MT_OCI_CONFIG), -1);
	assert_int_equal(img_layer_compression(NULL), -1);
	assert_string_equal(img_layer_media_type('g'), IMG_MT_OCI_LAYER_GZIP);
	assert_null(img_layer_media_type('x'));
	char q[IMG_QUOTE_MAX], sh[IMG_DIGEST_SHORT_MAX];
	assert_string_equal(img_quote("a\"b\\c\nd\xc3\xa9", q), "a?b?c?d??");
	char long_name[300];
	memset(long_name, 'n', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	img_quote(long_name, q);
	assert_int_equal(strlen(q), IMG_QUOTE_SHOWN + 3);
	assert_string_equal(q + IMG_QUOTE_SHOWN, "...");
	assert_string_equal(img_digest_short(D1, sh), "sha256:9834876dcfb0");
	assert_string_equal(img_digest_short("sha256:../x", sh), "sha256:../x");
}

static void test_refs(void **state)
{
	(void)state;
	static const char *const good[][2] = {
		{"busybox", "busybox:latest"},
		{"busybox:1.36", "busybox:1.36"},
		{"library/busybox", "library/busybox:latest"},
		{"a.b_c-d/e__f:v1.2_3-X", "a.b_c-d/e__f:v1.2_3-X"},
		{"localhost:5000/app", "localhost:5000/app:latest"},
		{"registry.example.com/team/app:v2", "registry.example.com/team/app:v2"},
		{"busybox@" D1, "busybox@" D1},
		{"x", "x:latest"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		char *out = NULL;
		struct jl_err *e = NULL;
		if (img_ref_normalise(good[i][0], &out, &e) < 0)
			fail_msg("\"%s\": %s", good[i][0], e->msg);
		assert_string_equal(out, good[i][1]);
		free(out);
	}
	static const char *const bad[] = {
		"", "Busybox", "busybox:", ":tag", "a//b", "/a", "a/", "..", "a/../b", "a/./b",
		"-a", "a-", "a..b", "a:.tag", "a:-tag", "a:t@g", "a b", "a\n", "a:b:c",
		"host:99999999/a", "a@sha256:../../x", "a@" D1 "0", "a@sha512:abc",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char *out = NULL;
		struct jl_err *e = NULL;
		if (img_ref_normalise(bad[i], &out, &e) == 0)
			fail_msg("\"%s\" accepted as \"%s\"", bad[i], out);
		assert_non_null(e);
		assert_null(strchr(e->msg, '\n'));
		jl_err_free(&e);
	}
	char *out = NULL;
	struct jl_err *e = NULL;
	/* tags: 128 characters at most; names: 255 */
	char tag[2 + 130] = "a:";
	memset(tag + 2, 'x', 128);
	assert_int_equal(img_ref_normalise(tag, &out, &e), 0);
	free(out);
	tag[2 + 128] = 'x';
	assert_true(img_ref_normalise(tag, &out, &e) < 0);
	jl_err_free(&e);
	char name[260];
	memset(name, 'a', 256);
	name[256] = '\0';
	assert_true(img_ref_normalise(name, &out, &e) < 0);
	jl_err_free(&e);
	name[255] = '\0';
	assert_int_equal(img_ref_normalise(name, &out, &e), 0);
	free(out);
	assert_true(img_ref_normalise("Busybox", &out, &e) < 0);
	assert_string_equal(e->msg, "image reference \"Busybox\": the name must be lowercase [a-z0-9] "
				    "components joined by . _ - and separated by /");
	jl_err_free(&e);
	assert_true(img_ref_normalise("a:-x", &out, &e) < 0);
	assert_string_equal(e->msg, "image reference \"a:-x\": the tag must be 1 to 128 of "
				    "[A-Za-z0-9_.-], not starting with . or -");
	jl_err_free(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_manifest),
		cmocka_unit_test(test_spec_index),
		cmocka_unit_test(test_spec_config),
		cmocka_unit_test(test_docker_spellings),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_nul_and_size),
		cmocka_unit_test(test_pick),
		cmocka_unit_test(test_manifest_round_trip),
		cmocka_unit_test(test_index_write),
		cmocka_unit_test(test_config_new),
		cmocka_unit_test(test_config_append),
		cmocka_unit_test(test_media_types),
		cmocka_unit_test(test_refs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
