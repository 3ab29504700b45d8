/* The store's own state, shared by store.c, store_layers.c and
 * store_names.c only. */
#ifndef JAULA_IMAGE_STORE_PRIVATE_H
#define JAULA_IMAGE_STORE_PRIVATE_H

#include "image/store_internal.h"

struct img_store {
	char *path;  /* absolute */
	int fd;      /* the store directory */
	int lock_fd; /* <store>/lock */
	int lock_depth;
	int gc_fd;   /* <store>/gc.lock */
	int gc_depth;
	bool gc_exclusive;
};

#endif
