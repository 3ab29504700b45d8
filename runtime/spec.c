/* Placeholder so the tree builds until the parser lands. */
#include "runtime/spec.h"
