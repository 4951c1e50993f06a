// A cache prefetch hint, which Swift cannot express: the scorer asks for a passage's field
// lengths (random reads into a table larger than the L2 cache) before it needs them.
static inline void aisearch_prefetch(const void *address) { __builtin_prefetch(address, 0, 3); }

// A spin-wait hint (x86 PAUSE, Arm YIELD): a thread polling for work that is about to come
// lets its sibling run and does not flood the memory bus.
static inline void aisearch_spin_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}
