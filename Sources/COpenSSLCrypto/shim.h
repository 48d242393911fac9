#ifndef PREVIEWENGINE_COPENSSLCRYPTO_SHIM_H
#define PREVIEWENGINE_COPENSSLCRYPTO_SHIM_H

// Debian's libssl-dev: OpenSSL's libcrypto, for the SHA-256 digests of edit traces
// (EVP_Digest). The system library, rather than swift-crypto, because swift-crypto on
// Linux compiles its own copy of BoringSSL (some 360 C files) into every build
// configuration.
#include <openssl/evp.h>

#endif
