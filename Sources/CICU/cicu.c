#include "CICU.h"

#include <stdlib.h>
#include <unicode/ubrk.h>
#include <unicode/unorm2.h>
#include <unicode/utypes.h>

struct cicu_word_breaker {
  UBreakIterator *iterator;
};

cicu_word_breaker *cicu_word_breaker_open(const char *locale, int32_t *status) {
  UErrorCode code = U_ZERO_ERROR;
  UBreakIterator *iterator = ubrk_open(UBRK_WORD, locale, NULL, 0, &code);
  *status = (int32_t)code;
  if (U_FAILURE(code)) return NULL;
  cicu_word_breaker *breaker = malloc(sizeof *breaker);
  if (breaker == NULL) {
    ubrk_close(iterator);
    *status = (int32_t)U_MEMORY_ALLOCATION_ERROR;
    return NULL;
  }
  breaker->iterator = iterator;
  return breaker;
}

void cicu_word_breaker_close(cicu_word_breaker *breaker) {
  if (breaker == NULL) return;
  ubrk_close(breaker->iterator);
  free(breaker);
}

int32_t cicu_word_breaker_segment(cicu_word_breaker *breaker, const uint16_t *text,
                                  int32_t length, int32_t *ends, int32_t *statuses,
                                  int32_t *status) {
  UErrorCode code = U_ZERO_ERROR;
  ubrk_setText(breaker->iterator, (const UChar *)text, length, &code);
  *status = (int32_t)code;
  if (U_FAILURE(code)) return -1;
  int32_t count = 0;
  ubrk_first(breaker->iterator);
  for (int32_t end = ubrk_next(breaker->iterator); end != UBRK_DONE && count < length;
       end = ubrk_next(breaker->iterator)) {
    ends[count] = end;
    statuses[count] = ubrk_getRuleStatus(breaker->iterator);
    count++;
  }
  // Detach the iterator from the caller's buffer, which may be freed after we return.
  static const UChar empty[1] = {0};
  ubrk_setText(breaker->iterator, empty, 0, &code);
  return count;
}

int32_t cicu_nfkc_casefold(const uint16_t *src, int32_t length, uint16_t *dst,
                           int32_t capacity, int32_t *status) {
  UErrorCode code = U_ZERO_ERROR;
  const UNormalizer2 *normalizer = unorm2_getNFKCCasefoldInstance(&code);
  if (U_FAILURE(code)) {
    *status = (int32_t)code;
    return -1;
  }
  int32_t n = unorm2_normalize(normalizer, (const UChar *)src, length, (UChar *)dst, capacity,
                               &code);
  if (code == U_BUFFER_OVERFLOW_ERROR) code = U_ZERO_ERROR;
  *status = (int32_t)code;
  return n;
}
