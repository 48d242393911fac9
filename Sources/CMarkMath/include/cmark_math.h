#ifndef PREVIEWENGINE_CMARK_MATH_H
#define PREVIEWENGINE_CMARK_MATH_H

// The pointer is libcmark-gfm's `cmark_syntax_extension *`, spelled `void *` so that this module does not declare
// libcmark-gfm's types a second time beside the CCmarkGFM module.

/// Creates the `math` syntax extension (inline `$…$`, `` $`…`$ `` and `$$…$$`) the
/// first time, and returns the same one after. Not thread-safe: call it once, before
/// any parse, and attach the result with `cmark_parser_attach_syntax_extension`.
/// Parses that use it must not run at the same time (libcmark-gfm's inline tables are
/// process globals anyway).
void *previewengine_math_extension_new(void);

#endif
