/* image-spec documents: descriptors, image manifests and indexes
 * (manifest.md, image-index.md, descriptor.md), with Docker's manifest v2
 * spellings `docker save` and registries still produce.  Everything a
 * digest or size says is checked here, before any of it becomes a path or
 * an allocation: a digest that is not "sha256:" and 64 hex digits is
 * refused by name, so "sha256:../../x" never reaches blobs/. */
#include <string.h>
#include <sys/utsname.h>

#include "image/oci_read.h"

/* --- this machine and media types ------------------------------------------ */

const char *img_machine_arch(void)
{
	/* Go's GOARCH names, which the image-spec's platform.architecture uses. */
	static const char *const map[][2] = {
		{"x86_64", "amd64"},  {"aarch64", "arm64"},   {"i386", "386"},   {"i486", "386"},
		{"i586", "386"},      {"i686", "386"},        {"armv7l", "arm"}, {"armv6l", "arm"},
		{"ppc64le", "ppc64le"}, {"s390x", "s390x"}, {"riscv64", "riscv64"},
	};
	static char machine[sizeof(((struct utsname *)0)->machine)];
	struct utsname u;
	if (uname(&u) < 0)
		return "amd64";
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (!strcmp(u.machine, map[i][0]))
			return map[i][1];
	snprintf(machine, sizeof(machine), "%s", u.machine);
	return machine;
}

int img_layer_compression(const char *mt)
{
	static const struct {
		const char *type;
		int comp;
	} layers[] = {
		{IMG_MT_OCI_LAYER, 0},
		{IMG_MT_OCI_LAYER_GZIP, 'g'},
		{IMG_MT_OCI_LAYER_ZSTD, 'z'},
		/* deprecated in image-spec 1.1, still valid content */
		{"application/vnd.oci.image.layer.nondistributable.v1.tar", 0},
		{"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", 'g'},
		{"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", 'z'},
		{"application/vnd.docker.image.rootfs.diff.tar.gzip", 'g'},
		{"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", 'g'},
		{"application/vnd.docker.image.rootfs.diff.tar", 0},
		{"application/vnd.docker.image.rootfs.diff.tar.zstd", 'z'},
	};
	for (size_t i = 0; mt && i < ARRAY_SIZE(layers); i++)
		if (!strcmp(mt, layers[i].type))
			return layers[i].comp;
	return -1;
}

const char *img_layer_media_type(int compression)
{
	switch (compression) {
	case 0:
		return IMG_MT_OCI_LAYER;
	case 'g':
		return IMG_MT_OCI_LAYER_GZIP;
	case 'z':
		return IMG_MT_OCI_LAYER_ZSTD;
	}
	return NULL;
}

/* --- descriptors ------------------------------------------------------------------- */

void img_descriptor_free(struct img_descriptor *d)
{
	if (!d)
		return;
	free(d->media_type);
	free(d->digest);
	free(d->os);
	free(d->arch);
	free(d->variant);
	free(d->ref_name);
	memset(d, 0, sizeof(*d));
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void img_descriptor_copy(struct img_descriptor *dst, const struct img_descriptor *src)
{
	dst->media_type = dup_or_null(src->media_type);
	dst->digest = dup_or_null(src->digest);
	dst->size = src->size;
	dst->os = dup_or_null(src->os);
	dst->arch = dup_or_null(src->arch);
	dst->variant = dup_or_null(src->variant);
	dst->ref_name = dup_or_null(src->ref_name);
}

static int parse_size(jl_json_val v, const char *what, const char *path, int64_t *out,
		      struct jl_err **err)
{
	char p[256];
	oci_path(p, sizeof(p), path, "size");
	if (jl_json_type(v) == JL_JSON_NONE)
		return jl_err_set(err, 0, "%s: %s: missing", what, p);
	const char *t = jl_json_number_text(v);
	if (!t)
		return oci_type_error(err, what, p, v, "integer");
	int64_t n;
	if (jl_parse_i64(t, 10, &n) < 0)
		return jl_err_set(err, 0, "%s: %s: %s is not an integer of 64 bits", what, p, t);
	if (n < 0)
		return jl_err_set(err, 0, "%s: %s: %s is negative", what, p, t);
	*out = n;
	return 0;
}

static int parse_platform(jl_json_val v, const char *what, const char *path,
			  struct img_descriptor *d, struct jl_err **err)
{
	char p[256];
	oci_path(p, sizeof(p), path, "platform");
	if (jl_json_type(v) == JL_JSON_NONE)
		return 0;
	if (jl_json_type(v) != JL_JSON_OBJECT)
		return oci_type_error(err, what, p, v, "object");
	const char *os, *arch, *variant;
	int r = oci_get_string(v, "os", true, what, p, &os, err);
	if (r == 0)
		r = oci_get_string(v, "architecture", true, what, p, &arch, err);
	if (r == 0)
		r = oci_get_string(v, "variant", false, what, p, &variant, err);
	if (r < 0)
		return r;
	d->os = xstrdup(os);
	d->arch = xstrdup(arch);
	d->variant = dup_or_null(variant);
	return 0;
}

static int parse_annotations(jl_json_val v, const char *what, const char *path,
			     struct img_descriptor *d, struct jl_err **err)
{
	char p[256];
	oci_path(p, sizeof(p), path, "annotations");
	if (jl_json_type(v) == JL_JSON_NONE || jl_json_type(v) == JL_JSON_NULL)
		return 0;
	if (jl_json_type(v) != JL_JSON_OBJECT)
		return oci_type_error(err, what, p, v, "object");
	for (size_t i = 0; i < jl_json_len(v); i++) {
		const char *key = jl_json_key_at(v, i);
		jl_json_val val = jl_json_value_at(v, i);
		if (!jl_json_string(val)) {
			char q[IMG_QUOTE_MAX], pk[400];
			snprintf(pk, sizeof(pk), "%s[\"%s\"]", p, img_quote(key, q));
			return oci_type_error(err, what, pk, val, "string");
		}
		if (!strcmp(key, IMG_ANNOTATION_REF_NAME)) {
			free(d->ref_name);
			d->ref_name = xstrdup(jl_json_string(val));
		}
	}
	return 0;
}

/* One descriptor at `path` (descriptor.md): mediaType, digest and size are
 * required; platform only in an index. */
static int parse_descriptor(jl_json_val v, const char *what, const char *path, bool index,
			    struct img_descriptor *d, struct jl_err **err)
{
	memset(d, 0, sizeof(*d));
	if (jl_json_type(v) != JL_JSON_OBJECT)
		return oci_type_error(err, what, path, v, "object");
	const char *mt, *digest;
	int r = oci_get_string(v, "mediaType", true, what, path, &mt, err);
	if (r == 0)
		r = oci_get_string(v, "digest", true, what, path, &digest, err);
	if (r < 0)
		return r;
	if (!img_digest_valid(digest)) {
		char q[IMG_QUOTE_MAX];
		return jl_err_set(err, 0, "%s: %s.digest: \"%s\" is not a sha256 digest "
				  "(sha256: and 64 lowercase hex digits)",
				  what, path, img_quote(digest, q));
	}
	d->media_type = xstrdup(mt);
	d->digest = xstrdup(digest);
	r = parse_size(jl_json_get(v, "size"), what, path, &d->size, err);
	if (r == 0 && index)
		r = parse_platform(jl_json_get(v, "platform"), what, path, d, err);
	if (r == 0)
		r = parse_annotations(jl_json_get(v, "annotations"), what, path, d, err);
	if (r < 0)
		img_descriptor_free(d);
	return r;
}

/* schemaVersion must be 2 (manifest.md, image-index.md). */
static int check_schema(jl_json_val doc, const char *what, struct jl_err **err)
{
	jl_json_val v = jl_json_get(doc, "schemaVersion");
	if (jl_json_type(v) == JL_JSON_NONE)
		return jl_err_set(err, 0, "%s: schemaVersion: missing", what);
	const char *t = jl_json_number_text(v);
	if (!t)
		return oci_type_error(err, what, "schemaVersion", v, "integer");
	if (strcmp(t, "2"))
		return jl_err_set(err, 0, "%s: schemaVersion: %s is not supported (only 2)", what, t);
	return 0;
}

/* mediaType, when present, must be one of two (OCI's or Docker's). */
static int check_media_type(jl_json_val doc, const char *what, const char *a, const char *b,
			    char **out, struct jl_err **err)
{
	const char *mt;
	int r = oci_get_string(doc, "mediaType", false, what, "", &mt, err);
	if (r < 0)
		return r;
	if (mt && strcmp(mt, a) && strcmp(mt, b)) {
		char q[IMG_QUOTE_MAX];
		return jl_err_set(err, 0, "%s: mediaType: \"%s\" is not %s", what, img_quote(mt, q), a);
	}
	if (out)
		*out = dup_or_null(mt);
	return 0;
}

static int get_array(jl_json_val doc, const char *key, const char *what, size_t max,
		     jl_json_val *out, struct jl_err **err)
{
	jl_json_val v = jl_json_get(doc, key);
	if (jl_json_type(v) == JL_JSON_NONE)
		return jl_err_set(err, 0, "%s: %s: missing", what, key);
	if (jl_json_type(v) != JL_JSON_ARRAY)
		return oci_type_error(err, what, key, v, "array");
	if (jl_json_len(v) > max)
		return jl_err_set(err, E2BIG, "%s: %s: more than %zu entries", what, key, max);
	*out = v;
	return 0;
}

/* --- manifests ------------------------------------------------------------------------ */

void img_manifest_free(struct img_manifest *m)
{
	if (!m)
		return;
	free(m->media_type);
	img_descriptor_free(&m->config);
	for (size_t i = 0; i < m->n_layers; i++)
		img_descriptor_free(&m->layers[i]);
	free(m->layers);
	memset(m, 0, sizeof(*m));
}

static int parse_layers(jl_json_val arr, const char *what, struct img_manifest *m,
			struct jl_err **err)
{
	size_t n = jl_json_len(arr);
	m->layers = xcalloc(n ? n : 1, sizeof(*m->layers));
	for (size_t i = 0; i < n; i++) {
		char p[32];
		snprintf(p, sizeof(p), "layers[%zu]", i);
		int r = parse_descriptor(jl_json_at(arr, i), what, p, false, &m->layers[i], err);
		if (r < 0)
			return r;
		m->n_layers++;
		if (img_layer_compression(m->layers[i].media_type) < 0) {
			char q[IMG_QUOTE_MAX];
			return jl_err_set(err, 0, "%s: %s.mediaType: \"%s\" is not a layer media type",
					  what, p, img_quote(m->layers[i].media_type, q));
		}
	}
	return 0;
}

static int manifest_from_tree(jl_json_val doc, const char *what, struct img_manifest *m,
			      struct jl_err **err)
{
	int r = check_schema(doc, what, err);
	if (r == 0)
		r = check_media_type(doc, what, IMG_MT_OCI_MANIFEST, IMG_MT_DOCKER_MANIFEST,
				     &m->media_type, err);
	if (r < 0)
		return r;
	jl_json_val cfg = jl_json_get(doc, "config");
	if (jl_json_type(cfg) == JL_JSON_NONE)
		return jl_err_set(err, 0, "%s: config: missing", what);
	r = parse_descriptor(cfg, what, "config", false, &m->config, err);
	if (r < 0)
		return r;
	if (strcmp(m->config.media_type, IMG_MT_OCI_CONFIG) &&
	    strcmp(m->config.media_type, IMG_MT_DOCKER_CONFIG)) {
		char q[IMG_QUOTE_MAX];
		return jl_err_set(err, 0, "%s: config.mediaType: \"%s\" is not an image config",
				  what, img_quote(m->config.media_type, q));
	}
	jl_json_val layers;
	r = get_array(doc, "layers", what, OCI_MAX_LAYERS, &layers, err);
	if (r == 0)
		r = parse_layers(layers, what, m, err);
	return r;
}

int img_manifest_parse(const char *text, size_t len, const char *what, struct img_manifest *out,
		       struct jl_err **err)
{
	memset(out, 0, sizeof(*out));
	jl_json_val doc = NULL;
	int r = oci_json_tree(text, len, what, &doc, err);
	if (r < 0)
		return r;
	r = manifest_from_tree(doc, what, out, err);
	jl_json_free(doc);
	if (r < 0)
		img_manifest_free(out);
	return r;
}

/* --- indexes -------------------------------------------------------------------------- */

void img_index_free(struct img_index *x)
{
	if (!x)
		return;
	for (size_t i = 0; i < x->n; i++)
		img_descriptor_free(&x->manifests[i]);
	free(x->manifests);
	memset(x, 0, sizeof(*x));
}

/* An index lists up to one manifest per platform and tag; 4096 is generous. */
#define OCI_MAX_MANIFESTS 4096

int img_index_parse(const char *text, size_t len, const char *what, struct img_index *out,
		    struct jl_err **err)
{
	memset(out, 0, sizeof(*out));
	jl_json_val doc = NULL;
	int r = oci_json_tree(text, len, what, &doc, err);
	if (r < 0)
		return r;
	jl_json_val arr = NULL;
	r = check_schema(doc, what, err);
	if (r == 0)
		r = check_media_type(doc, what, IMG_MT_OCI_INDEX, IMG_MT_DOCKER_LIST, NULL, err);
	if (r == 0)
		r = get_array(doc, "manifests", what, OCI_MAX_MANIFESTS, &arr, err);
	if (r == 0) {
		size_t n = jl_json_len(arr);
		out->manifests = xcalloc(n ? n : 1, sizeof(*out->manifests));
		for (size_t i = 0; i < n && r == 0; i++) {
			char p[32];
			snprintf(p, sizeof(p), "manifests[%zu]", i);
			r = parse_descriptor(jl_json_at(arr, i), what, p, true, &out->manifests[i],
					     err);
			if (r == 0)
				out->n++;
		}
	}
	jl_json_free(doc);
	if (r < 0)
		img_index_free(out);
	return r;
}

static bool is_image_entry(const char *mt)
{
	return !strcmp(mt, IMG_MT_OCI_MANIFEST) || !strcmp(mt, IMG_MT_DOCKER_MANIFEST) ||
	       !strcmp(mt, IMG_MT_OCI_INDEX) || !strcmp(mt, IMG_MT_DOCKER_LIST);
}

/* An entry naming this machine wins; failing that, the first entry with no
 * platform at all (a single-image layout, as umoci, skopeo and docker 25+
 * write them).  Attestations ("unknown/unknown") and artifacts never match. */
int img_index_pick(const struct img_index *x, const struct img_descriptor **out)
{
	const char *arch = img_machine_arch();
	const struct img_descriptor *bare = NULL;
	for (size_t i = 0; i < x->n; i++) {
		const struct img_descriptor *d = &x->manifests[i];
		if (!is_image_entry(d->media_type))
			continue;
		if (!d->os) {
			bare = bare ? bare : d;
			continue;
		}
		if (!strcmp(d->os, "linux") && !strcmp(d->arch, arch)) {
			*out = d;
			return 0;
		}
	}
	if (!bare)
		return -ENOENT;
	*out = bare;
	return 0;
}

void img_index_describe(const struct img_index *x, struct jl_buf *out)
{
	if (x->n == 0)
		jl_buf_puts(out, "no manifests");
	for (size_t i = 0; i < x->n; i++) {
		const struct img_descriptor *d = &x->manifests[i];
		char q1[IMG_QUOTE_MAX], q2[IMG_QUOTE_MAX], q3[IMG_QUOTE_MAX];
		if (i)
			jl_buf_puts(out, ", ");
		if (!is_image_entry(d->media_type))
			jl_buf_printf(out, "%s", img_quote(d->media_type, q1));
		else if (!d->os)
			jl_buf_puts(out, "(no platform)");
		else
			jl_buf_printf(out, "%s/%s%s%s", img_quote(d->os, q1), img_quote(d->arch, q2),
				      d->variant ? "/" : "", d->variant ? img_quote(d->variant, q3) : "");
	}
}
