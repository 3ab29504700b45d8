/* The bottom layer of the config.json parser: the parse context, JSON paths
 * for error messages, and typed readers over the yajl tree.  It knows value
 * types (string, integer, bool, arrays, maps, "NAME=value" lists, id
 * mappings), never a section of the config: every section parser
 * (spec_internal.h) reads through these, and nothing here calls back up.
 * Private to runtime/spec*.c.
 *
 * Conventions every reader follows:
 *  - a member that is absent or JSON null counts as absent (Go's decoder,
 *    which wrote most configs in the wild, treats null the same way);
 *  - an optional string member that is "" counts as absent too, as Go's
 *    `omitempty` makes them the same thing for the tools that write configs;
 *  - a member the parser does not know is ignored (config.md,
 *    Extensibility: an unknown property MUST NOT be an error): readers
 *    look members up by name and never walk an object's keys, except in
 *    the maps whose keys are the user's (sp_kvv, sp_map);
 *  - readers of an object member return 1 when it was present, 0 when
 *    absent, < 0 on error, and leave *out alone when absent;
 *  - string arrays carry a NULL after the last entry (argv, envp);
 *  - errors read "NAME: PATH: what is wrong", one line. */
#ifndef JAULA_SPEC_READ_H
#define JAULA_SPEC_READ_H

#include "runtime/spec.h"

/* Where a value sits in the document: a chain of frames on the C stack,
 * formatted only when an error is reported.  The root frame is NULL. */
struct sp_path {
	const struct sp_path *up;
	const char *key; /* object member; NULL for an array element */
	size_t index;
	bool map_key; /* a key the user chose (annotations, sysctl): printed ["k"] */
};

static inline struct sp_path sp_key(const struct sp_path *up, const char *key)
{
	return (struct sp_path){.up = up, .key = key};
}
static inline struct sp_path sp_index(const struct sp_path *up, size_t i)
{
	return (struct sp_path){.up = up, .index = i};
}
static inline struct sp_path sp_map_key(const struct sp_path *up, const char *key)
{
	return (struct sp_path){.up = up, .key = key, .map_key = true};
}

struct sp_ctx {
	const char *name; /* error prefix: "config.json" */
	struct jl_arena *arena;
	struct jl_err **err;
};

enum sp_need { SP_OPTIONAL, SP_REQUIRED };

/* --- errors ----------------------------------------------------------------- */

int sp_fail(struct sp_ctx *c, const struct sp_path *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A user string made safe for a one-line message: quoted, escaped, cut at
 * 64 bytes.  Lives in the arena. */
const char *sp_quote(struct sp_ctx *c, const char *s);

/* --- values ------------------------------------------------------------------ */

int sp_expect(struct sp_ctx *c, jl_json_val v, const struct sp_path *at, enum jl_json_type t);
/* obj.key, or NULL when absent or null. */
jl_json_val sp_member(jl_json_val obj, const char *key);
/* obj.key into *v: 1 present, 0 absent (an error when need is SP_REQUIRED). */
int sp_field(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at, const char *key,
	     enum sp_need need, jl_json_val *v);

int sp_value_string(struct sp_ctx *c, jl_json_val v, const struct sp_path *at, const char **out);
int sp_value_u64(struct sp_ctx *c, jl_json_val v, const struct sp_path *at, uint64_t max,
		 uint64_t *out);
int sp_value_i64(struct sp_ctx *c, jl_json_val v, const struct sp_path *at, int64_t min,
		 int64_t max, int64_t *out);

/* --- object members ------------------------------------------------------- */

int sp_string(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at, const char *key,
	      enum sp_need need, const char **out);
int sp_bool(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at, const char *key,
	    enum sp_need need, bool *out, bool *has);
int sp_u64(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at, const char *key,
	   enum sp_need need, uint64_t max, uint64_t *out, bool *has);
int sp_u32(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at, const char *key,
	   enum sp_need need, uint32_t *out, bool *has);
int sp_i64(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at, const char *key,
	   enum sp_need need, int64_t min, int64_t max, int64_t *out, bool *has);
int sp_int(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at, const char *key,
	   enum sp_need need, int min, int max, int *out, bool *has);
/* A string that must be one of `allowed` (NULL-terminated); `what` names
 * the kind in the error: "unknown WHAT \"value\"". */
int sp_enum(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at, const char *key,
	    enum sp_need need, const char *const *allowed, const char *what, const char **out);

/* --- arrays and maps ----------------------------------------------------- */

/* An array of strings. */
int sp_strv(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at, const char *key,
	    enum sp_need need, struct spec_strv *out);
/* An optional array of strings, each one of `allowed`. */
int sp_enum_strv(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at, const char *key,
		 const char *const *allowed, const char *what, struct spec_strv *out);
/* An object of string values, in document order (a repeated key appears
 * twice; consumers that apply entries in order end with the last, as Go's
 * decoder would). */
int sp_kvv(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at, const char *key,
	   struct spec_kvv *out);

/* Arrays and maps of structured items: allocate n items of `size` bytes in
 * the arena and call fn on each with its path.  *items is NULL when n == 0. */
typedef int (*sp_item_fn)(struct sp_ctx *c, jl_json_val v, const struct sp_path *at,
			  void *item);
typedef int (*sp_entry_fn)(struct sp_ctx *c, const char *key, jl_json_val v,
			   const struct sp_path *at, void *item);
int sp_array(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at, const char *key,
	     size_t size, sp_item_fn fn, void **items, size_t *n);
int sp_map(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at, const char *key,
	   size_t size, sp_entry_fn fn, void **items, size_t *n);

/* --- values several sections share (spec_read_shared.c) ----------------------- */

int sp_absolute(struct sp_ctx *c, const struct sp_path *at, const char *path);
/* Each entry "NAME=value" with a non-empty NAME (process.env, hooks[].env). */
int sp_env(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at, const char *key,
	   struct spec_strv *out);
/* uidMappings / gidMappings (linux.* and mounts[]). */
int sp_id_maps(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at, const char *key,
	       struct spec_id_maps *out);
/* A name used as one path component (a cgroup file, a resctrl group). */
bool sp_is_file_name(const char *s);
/* A network interface name as the kernel accepts it (dev_valid_name). */
bool sp_is_ifname(const char *s);

#endif
