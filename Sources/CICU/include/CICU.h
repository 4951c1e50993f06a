// The one door to ICU. This header uses only <stdint.h> types on purpose: Swift's
// Foundation on Linux ships its own ICU headers (_FoundationICU), and a Swift module that
// sees both copies fails to compile. ICU's headers are included by cicu.c only.
#ifndef CICU_H
#define CICU_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Status codes are ICU's UErrorCode: > 0 is a failure, <= 0 success (negative values are warnings,
/// e.g. U_USING_DEFAULT_WARNING when the locale falls back to root).

/// An ICU word break iterator (UBRK_WORD) owned by the caller.
typedef struct cicu_word_breaker cicu_word_breaker;

/// Opens a word break iterator for `locale` (e.g. "zh"). NULL on failure, with *status set.
cicu_word_breaker *cicu_word_breaker_open(const char *locale, int32_t *status);
void cicu_word_breaker_close(cicu_word_breaker *breaker);

/// Segments `text` (UTF-16, `length` units). For every segment i, writes its end offset to
/// ends[i] and ICU's rule status (UBRK_WORD_NONE 0-99, NUMBER 100-199, LETTER 200-299,
/// KANA 300-399, IDEO 400-499) to statuses[i]. Both arrays must hold `length` entries.
/// Returns the number of segments, or -1 with *status set on failure.
int32_t cicu_word_breaker_segment(cicu_word_breaker *breaker, const uint16_t *text,
                                  int32_t length, int32_t *ends, int32_t *statuses,
                                  int32_t *status);

/// NFKC_Casefold of `src` into `dst` (capacity `capacity` units). Returns the length of the
/// result; if it exceeds `capacity`, nothing useful is written and the caller retries with
/// a larger buffer.
int32_t cicu_nfkc_casefold(const uint16_t *src, int32_t length, uint16_t *dst,
                           int32_t capacity, int32_t *status);

/// An ICU transliterator (e.g. "Traditional-Simplified") owned by the caller.
typedef struct cicu_transliterator cicu_transliterator;

/// Opens the transliterator named `id` (ASCII). NULL on failure, with *status set.
cicu_transliterator *cicu_transliterator_open(const char *id, int32_t *status);
void cicu_transliterator_close(cicu_transliterator *transliterator);

/// Transliterates `text` (UTF-16, `length` units, room for `capacity`) in place and returns
/// the new length; -1 with *status set on failure (including a result over `capacity`).
int32_t cicu_transliterate(cicu_transliterator *transliterator, uint16_t *text, int32_t length,
                           int32_t capacity, int32_t *status);

/// Guesses the charset of `bytes` with ICU's detector. Writes its canonical name
/// (NUL-terminated, truncated to `name_capacity`) and returns the confidence 0-100, or -1
/// when nothing matched or on failure.
int32_t cicu_detect_charset(const uint8_t *bytes, int32_t length, char *name,
                            int32_t name_capacity, int32_t *status);

/// Converts `bytes` in `charset` to UTF-16 in `dst`; invalid sequences become U+FFFD.
/// Returns the length of the result (which may exceed `capacity`: retry with more room).
/// `*substitutions` is set to 1 when some input could not be converted.
int32_t cicu_convert_to_utf16(const char *charset, const uint8_t *bytes, int32_t length,
                              uint16_t *dst, int32_t capacity, int32_t *substitutions,
                              int32_t *status);

#ifdef __cplusplus
}
#endif

#endif
