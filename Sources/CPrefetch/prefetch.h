// A cache prefetch hint, which Swift cannot express: the scorer asks for a passage's field
// lengths (random reads into a table larger than the L2 cache) before it needs them.
static inline void aisearch_prefetch(const void *address) { __builtin_prefetch(address, 0, 3); }
