#ifndef PREVIEWENGINE_CLIBXML2_SHIM_H
#define PREVIEWENGINE_CLIBXML2_SHIM_H

// Debian's libxml2-dev, for its compiler and linker flags (pkg-config): only
// Sources/CHTMLParser includes libxml2's headers, in C. This module shows Swift nothing
// (libxml2's parser headers include the system's ICU, which clashes with Foundation's).
#include <libxml/xmlversion.h>

#endif
