#include "html_parser.h"

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <pthread.h>

static pthread_once_t initialized = PTHREAD_ONCE_INIT;

static void initialize(void) { xmlInitParser(); }

void *previewengine_html_parse(const char *html, size_t length) {
    pthread_once(&initialized, initialize);
    if (length > (size_t)INT32_MAX) return NULL;
    int options = HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET | HTML_PARSE_NODEFDTD;
    return htmlReadMemory(html, (int)length, NULL, "UTF-8", options);
}

void previewengine_html_free(void *document) { if (document) xmlFreeDoc((xmlDocPtr)document); }

void *previewengine_html_root(void *document) { return xmlDocGetRootElement((xmlDocPtr)document); }

int previewengine_html_node_kind(void *node) {
    switch (((xmlNodePtr)node)->type) {
    case XML_ELEMENT_NODE: return PREVIEWENGINE_HTML_ELEMENT;
    case XML_TEXT_NODE: case XML_CDATA_SECTION_NODE: return PREVIEWENGINE_HTML_TEXT;
    case XML_ENTITY_REF_NODE: return PREVIEWENGINE_HTML_ENTITY;
    default: return PREVIEWENGINE_HTML_OTHER;
    }
}

void *previewengine_html_first_child(void *node) { return ((xmlNodePtr)node)->children; }
void *previewengine_html_next(void *node) { return ((xmlNodePtr)node)->next; }
const char *previewengine_html_name(void *node) { return (const char *)((xmlNodePtr)node)->name; }
const char *previewengine_html_content(void *node) { return (const char *)((xmlNodePtr)node)->content; }

void *previewengine_html_first_attribute(void *element) { return ((xmlNodePtr)element)->properties; }
void *previewengine_html_next_attribute(void *attribute) { return ((xmlAttrPtr)attribute)->next; }
const char *previewengine_html_attribute_name(void *attribute) { return (const char *)((xmlAttrPtr)attribute)->name; }

char *previewengine_html_attribute_value(void *element, void *attribute) {
    return (char *)xmlNodeListGetString(((xmlNodePtr)element)->doc, ((xmlAttrPtr)attribute)->children, 1);
}

char *previewengine_html_property(void *element, const char *name) {
    return (char *)xmlGetProp((xmlNodePtr)element, (const xmlChar *)name);
}

void previewengine_html_free_string(char *string) { if (string) xmlFree(string); }
