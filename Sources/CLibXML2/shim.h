#ifndef PREVIEWENGINE_CLIBXML2_SHIM_H
#define PREVIEWENGINE_CLIBXML2_SHIM_H

// Debian's libxml2-dev: its HTML parser, for the github profile's raw-HTML sanitizer.
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <libxml/parser.h>

// xmlFree is a global function pointer: called through this function, Swift's strict
// concurrency need not touch the variable.
static inline void previewengine_xml_free(void *pointer) { xmlFree(pointer); }

#endif
