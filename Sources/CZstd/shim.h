// ZSTD_createDDict_byReference (a dictionary read in place from the mapped file) is in the
// "static linking only" part of the API; Debian's libzstd exports it.
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>
#include <zdict.h>
