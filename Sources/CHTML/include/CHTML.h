// HTML → text through libxml2's HTML parser (a real, error-tolerant HTML5-era parser), kept
// behind a header of <stdint.h> types like CICU, so Swift never sees libxml2's headers.
#ifndef CHTML_H
#define CHTML_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// What `chtml_extract` reports, in document order.
enum {
  CHTML_TEXT = 0,   ///< text of the body on source line `line` (1-based), UTF-8
  CHTML_BREAK = 1,  ///< a block element starts or ends on `line`: a word boundary
  CHTML_TITLE = 2,  ///< the text of <title>, UTF-8
};

typedef void (*chtml_emit)(void *context, int32_t kind, int32_t line, const uint8_t *text,
                           int32_t length);

/// Parses `html` (UTF-8) and calls `emit` for
/// each piece of visible text, with the source line it sits on. <script>, <style>,
/// <noscript>, <template> and comments are skipped. Returns 0, or -1 if nothing could be
/// parsed.
int32_t chtml_extract(const uint8_t *html, int32_t length, chtml_emit emit, void *context);

#ifdef __cplusplus
}
#endif

#endif
