#ifndef PREVIEWENGINE_HTML_PARSER_H
#define PREVIEWENGINE_HTML_PARSER_H

#include <stddef.h>

// libxml2's HTML parser behind opaque handles, for the github profile's sanitizer.
// libxml2's own headers stay in html_parser.c: they include the system's ICU headers,
// which clash with Foundation's copy of ICU in any Swift module that sees both.

/// Parses `length` bytes of UTF-8 HTML (errors and warnings off, no network); NULL on
/// failure. Free with previewengine_html_free.
void *previewengine_html_parse(const char *html, size_t length);
/// Frees a parsed document.
void previewengine_html_free(void *document);
/// The document's root element, or NULL.
void *previewengine_html_root(void *document);

/// What a node is.
enum previewengine_html_node_kind { PREVIEWENGINE_HTML_ELEMENT = 1, PREVIEWENGINE_HTML_TEXT = 2, PREVIEWENGINE_HTML_ENTITY = 3, PREVIEWENGINE_HTML_OTHER = 4 };

int previewengine_html_node_kind(void *node);
void *previewengine_html_first_child(void *node);
void *previewengine_html_next(void *node);
/// An element's or an entity reference's name (owned by the document), or NULL.
const char *previewengine_html_name(void *node);
/// A text node's content (owned by the document), or NULL.
const char *previewengine_html_content(void *node);

void *previewengine_html_first_attribute(void *element);
void *previewengine_html_next_attribute(void *attribute);
/// An attribute's name (owned by the document).
const char *previewengine_html_attribute_name(void *attribute);
/// An attribute's value, entities decoded; free with previewengine_html_free_string.
char *previewengine_html_attribute_value(void *element, void *attribute);
/// The value of the element's attribute `name`, or NULL; free with previewengine_html_free_string.
char *previewengine_html_property(void *element, const char *name);
void previewengine_html_free_string(char *string);

#endif
