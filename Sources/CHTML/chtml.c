#include "CHTML.h"

#include <string.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

static int chtml_is(const xmlNode *node, const char *name) {
  return node->name != NULL && strcmp((const char *)node->name, name) == 0;
}

static int chtml_skipped(const xmlNode *node) {
  return chtml_is(node, "script") || chtml_is(node, "style") || chtml_is(node, "noscript") ||
         chtml_is(node, "template") || chtml_is(node, "head");
}

static int chtml_block(const xmlNode *node) {
  static const char *const blocks[] = {
      "p",  "div", "br", "li",  "ul",  "ol",  "tr",  "td",  "th",   "table", "h1",
      "h2", "h3",  "h4", "h5",  "h6",  "pre", "dt",  "dd",  "dl",   "hr",    "blockquote",
      "section", "article", "header", "footer", "nav", "aside", "main", "figure",
      "figcaption", "caption", "tbody", "thead", "form", "address", NULL};
  for (int i = 0; blocks[i] != NULL; i++)
    if (chtml_is(node, blocks[i])) return 1;
  return 0;
}

// libxml2's HTML parser stamps a text node with the line it has reached when the node is
// complete, i.e. the line the text ends on; the start is that minus the newlines inside.
// A text spanning lines is reported line by line.
static void chtml_text(const xmlNode *node, chtml_emit emit, void *context) {
  const char *text = (const char *)node->content;
  if (text == NULL) return;
  int32_t newlines = 0;
  for (const char *p = text; *p != 0; p++)
    if (*p == '\n') newlines++;
  int32_t line = (int32_t)xmlGetLineNo(node) - newlines;
  if (line < 1) line = 1;
  const char *start = text;
  for (const char *p = text;; p++) {
    if (*p == '\n' || *p == 0) {
      if (p > start) emit(context, CHTML_TEXT, line, (const uint8_t *)start, (int32_t)(p - start));
      if (*p == 0) break;
      line++;
      start = p + 1;
    }
  }
}

static void chtml_walk(const xmlNode *node, chtml_emit emit, void *context) {
  for (; node != NULL; node = node->next) {
    if (node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE) {
      chtml_text(node, emit, context);
    } else if (node->type == XML_ELEMENT_NODE) {
      if (chtml_skipped(node)) continue;
      int block = chtml_block(node);
      int32_t line = (int32_t)xmlGetLineNo(node);
      if (block) emit(context, CHTML_BREAK, line, NULL, 0);
      chtml_walk(node->children, emit, context);
      if (block) emit(context, CHTML_BREAK, line, NULL, 0);
    }
  }
}

static const xmlNode *chtml_find(const xmlNode *node, const char *name) {
  for (; node != NULL; node = node->next) {
    if (node->type == XML_ELEMENT_NODE && chtml_is(node, name)) return node;
    const xmlNode *found = chtml_find(node->children, name);
    if (found != NULL) return found;
  }
  return NULL;
}

int32_t chtml_extract(const uint8_t *html, int32_t length, chtml_emit emit, void *context) {
  // The caller has already decoded the file (TextDecoder), so the bytes are UTF-8 whatever
  // a <meta charset> says. XML_PARSE_HUGE: past 256 levels of nesting libxml2 otherwise
  // returns no document at all, and the file would be indexed as empty.
  htmlDocPtr doc = htmlReadMemory((const char *)html, length, NULL, "UTF-8",
                                  HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                      HTML_PARSE_NONET | XML_PARSE_HUGE);
  if (doc == NULL) return -1;
  const xmlNode *root = xmlDocGetRootElement(doc);
  const xmlNode *title = chtml_find(root, "title");
  if (title != NULL) {
    xmlChar *text = xmlNodeGetContent(title);
    if (text != NULL) {
      emit(context, CHTML_TITLE, (int32_t)xmlGetLineNo(title), text, (int32_t)strlen((const char *)text));
      xmlFree(text);
    }
  }
  chtml_walk(root, emit, context);
  xmlFreeDoc(doc);
  return 0;
}
