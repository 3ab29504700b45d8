/* Reading helpers shared by the image-spec parsers (oci.c, oci_config.c,
 * oci_write.c): text to a checked tree, and typed field readers whose
 * errors name the document and the field path
 * ("manifest sha256:ab12..: layers[2].digest: expected string, got number"). */
#ifndef JAULA_IMAGE_OCI_READ_H
#define JAULA_IMAGE_OCI_READ_H

#include "image/oci_internal.h"
#include "runtime/json.h"

/* Deepest nesting accepted: yajl frees its tree recursively (a million '['
 * would overflow the stack), and the JSON writer keeps 64 levels. Real
 * image documents nest five or six levels. */
#define OCI_MAX_DEPTH 48
/* Largest document parsed (a config with a long history is ~100 KiB). */
#define OCI_MAX_BYTES (4u << 20)
/* overlayfs stacks at most 500 lower layers. */
#define OCI_MAX_LAYERS 500

/* Parse text of len bytes (need not be NUL-terminated) into *tree, refusing
 * NUL bytes, "\u0000" in strings (a C string would end early), excessive
 * nesting, and anything but an object at the top. */
int oci_json_tree(const char *text, size_t len, const char *what, jl_json_val *tree,
		  struct jl_err **err);

/* The same checks, any JSON value at the top (docker's manifest.json is an
 * array). */
int oci_json_value(const char *text, size_t len, const char *what, jl_json_val *tree,
		   struct jl_err **err);

/* "<what>: <path>: expected <want>, got <type>". */
int oci_type_error(struct jl_err **err, const char *what, const char *path, jl_json_val v,
		   const char *want);

/* A string member: absent or null gives NULL (an error when required). */
int oci_get_string(jl_json_val obj, const char *key, bool required, const char *what,
		   const char *path, const char **out, struct jl_err **err);
/* An array of strings (absent or null: *out NULL), NULL-terminated copy. */
int oci_get_strv(jl_json_val obj, const char *key, const char *what, const char *path,
		 char ***out, struct jl_err **err);

/* "<path>.<key>" or "<key>" when path is empty. */
void oci_path(char *buf, size_t size, const char *path, const char *key);

void oci_strv_free(char **v);

#endif
