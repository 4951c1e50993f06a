// ZSTD_createDDict_byReference (a dictionary read in place from the mapped file) and
// ZDICT_trainFromBuffer_fastCover with parameters of our own are in the "static linking
// only" parts of the API; Debian's libzstd exports both.
#define ZSTD_STATIC_LINKING_ONLY
#define ZDICT_STATIC_LINKING_ONLY
#include <zstd.h>
#include <zdict.h>
