#include "CICU.h"

#include <stdlib.h>
#include <unicode/ubrk.h>
#include <unicode/unorm2.h>
#include <unicode/ucnv.h>
#include <unicode/ucsdet.h>
#include <unicode/utrans.h>
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

struct cicu_transliterator {
  UTransliterator *handle;
};

cicu_transliterator *cicu_transliterator_open(const char *id, int32_t *status) {
  UChar wide[64];
  int32_t n = 0;
  for (; id[n] != 0 && n < 63; n++) wide[n] = (UChar)(unsigned char)id[n];
  UErrorCode code = U_ZERO_ERROR;
  UParseError parse;
  UTransliterator *handle = utrans_openU(wide, n, UTRANS_FORWARD, NULL, 0, &parse, &code);
  *status = (int32_t)code;
  if (U_FAILURE(code)) return NULL;
  cicu_transliterator *t = malloc(sizeof *t);
  if (t == NULL) {
    utrans_close(handle);
    *status = (int32_t)U_MEMORY_ALLOCATION_ERROR;
    return NULL;
  }
  t->handle = handle;
  return t;
}

void cicu_transliterator_close(cicu_transliterator *transliterator) {
  if (transliterator == NULL) return;
  utrans_close(transliterator->handle);
  free(transliterator);
}

int32_t cicu_transliterate(cicu_transliterator *transliterator, uint16_t *text, int32_t length,
                           int32_t capacity, int32_t *status) {
  UErrorCode code = U_ZERO_ERROR;
  int32_t textLength = length;
  int32_t limit = length;
  utrans_transUChars(transliterator->handle, (UChar *)text, &textLength, capacity, 0, &limit,
                     &code);
  *status = (int32_t)code;
  if (U_FAILURE(code)) return -1;
  return textLength;
}

int32_t cicu_detect_charset(const uint8_t *bytes, int32_t length, char *name,
                            int32_t name_capacity, int32_t *status) {
  UErrorCode code = U_ZERO_ERROR;
  UCharsetDetector *detector = ucsdet_open(&code);
  if (U_FAILURE(code)) {
    *status = (int32_t)code;
    return -1;
  }
  ucsdet_setText(detector, (const char *)bytes, length, &code);
  const UCharsetMatch *match = ucsdet_detect(detector, &code);
  int32_t confidence = -1;
  if (U_SUCCESS(code) && match != NULL) {
    const char *found = ucsdet_getName(match, &code);
    confidence = ucsdet_getConfidence(match, &code);
    if (U_SUCCESS(code) && found != NULL && name_capacity > 0) {
      int32_t i = 0;
      for (; found[i] != 0 && i < name_capacity - 1; i++) name[i] = found[i];
      name[i] = 0;
    } else {
      confidence = -1;
    }
  }
  ucsdet_close(detector);
  *status = (int32_t)code;
  return U_FAILURE(code) ? -1 : confidence;
}

static void cicu_note_substitution(const void *context, UConverterToUnicodeArgs *args,
                                   const char *codeUnits, int32_t length,
                                   UConverterCallbackReason reason, UErrorCode *code) {
  if (reason <= UCNV_IRREGULAR) *(int32_t *)context = 1;
  UCNV_TO_U_CALLBACK_SUBSTITUTE(NULL, args, codeUnits, length, reason, code);
}

int32_t cicu_convert_to_utf16(const char *charset, const uint8_t *bytes, int32_t length,
                              uint16_t *dst, int32_t capacity, int32_t *substitutions,
                              int32_t *status) {
  UErrorCode code = U_ZERO_ERROR;
  *substitutions = 0;
  UConverter *converter = ucnv_open(charset, &code);
  if (U_FAILURE(code)) {
    *status = (int32_t)code;
    return -1;
  }
  ucnv_setToUCallBack(converter, cicu_note_substitution, substitutions, NULL, NULL, &code);
  int32_t n = ucnv_toUChars(converter, (UChar *)dst, capacity, (const char *)bytes, length, &code);
  ucnv_close(converter);
  if (code == U_BUFFER_OVERFLOW_ERROR || code == U_STRING_NOT_TERMINATED_WARNING) code = U_ZERO_ERROR;
  *status = (int32_t)code;
  return U_FAILURE(code) ? -1 : n;
}
