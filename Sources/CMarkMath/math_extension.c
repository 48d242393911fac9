// A libcmark-gfm syntax extension for math spans, with the rules GitHub documents:
//
//   $x$        inline: the opening `$` is not followed by a space, tab or newline,
//              the closing `$` is not preceded by one, nor followed by an ASCII digit,
//              and is not half of a `$$`;
//   $`x`$      inline, for TeX that holds dollars: a backtick run right after `$`,
//              closed by the same run right before a `$`;
//   $$x$$      display, closed by the next `$$` (a paragraph may hold it over lines).
//
// Inside math a backslash escapes the next character for finding the end (`\$` does
// not close), and the TeX is kept exactly as written: no emphasis, no escapes, no
// entities. A `\$` outside math is the inline parser's escape and never reaches us.
// Math never crosses a blank line because a paragraph (the inline parser's chunk)
// cannot hold one. A `$` that opens nothing is literal text.
//
// Linear time: the search for a closer remembers its answer for the rest of the
// chunk, so a line of 10,000 unclosed `$a` openers is scanned once, not once each.
// The memo is process-global; parses with this extension never run at the same time
// (callers hold a parse lock), and it is cleared at the end of every parse.

#include <string.h>
#include <stdlib.h>
#include <stdint.h>
#include <cmark-gfm.h>
#include <cmark-gfm-extension_api.h>
#include <cmark-gfm/chunk.h>
#include <cmark-gfm/buffer.h>
#include <cmark-gfm/houdini.h>
#include <cmark-gfm/render.h>
#include <cmark-gfm/node.h>
#include "cmark_math.h"

/// The last closer search of one chunk: from `from`, the first closer is at `found`
/// (-1: none to the end of the chunk).
typedef struct {
  const void *parent;
  const unsigned char *data;
  bufsize_t length;
  bufsize_t from;
  bufsize_t found;
} closer_memo;

static closer_memo inline_memo;
static closer_memo display_memo;
static cmark_syntax_extension *math_extension;

static int is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static int memo_answer(const closer_memo *memo, const void *parent, const cmark_chunk *chunk, bufsize_t from, bufsize_t *found) {
  if (memo->parent != parent || memo->data != chunk->data || memo->length != chunk->len) return 0;
  if (from < memo->from || (memo->found >= 0 && memo->found < from)) return 0;
  *found = memo->found;
  return 1;
}

static void memo_store(closer_memo *memo, const void *parent, const cmark_chunk *chunk, bufsize_t from, bufsize_t found) {
  memo->parent = parent;
  memo->data = chunk->data;
  memo->length = chunk->len;
  memo->from = from;
  memo->found = found;
}

/// The first `$` at or after `from` that closes inline math, or -1.
static bufsize_t inline_closer(const void *parent, const cmark_chunk *chunk, bufsize_t from) {
  bufsize_t found;
  if (memo_answer(&inline_memo, parent, chunk, from, &found)) return found;
  found = -1;
  for (bufsize_t i = from; i < chunk->len; i++) {
    unsigned char c = chunk->data[i];
    if (c == '\\') { i++; continue; }
    if (c != '$') continue;
    // `$$` opens or closes display math, never inline math.
    if (i + 1 < chunk->len && chunk->data[i + 1] == '$') { i++; continue; }
    if (is_space(chunk->data[i - 1])) continue;
    if (i + 1 < chunk->len && chunk->data[i + 1] >= '0' && chunk->data[i + 1] <= '9') continue;
    found = i;
    break;
  }
  memo_store(&inline_memo, parent, chunk, from, found);
  return found;
}

/// The first `$$` at or after `from` (not escaped), or -1.
static bufsize_t display_closer(const void *parent, const cmark_chunk *chunk, bufsize_t from) {
  bufsize_t found;
  if (memo_answer(&display_memo, parent, chunk, from, &found)) return found;
  found = -1;
  for (bufsize_t i = from; i + 1 < chunk->len; i++) {
    unsigned char c = chunk->data[i];
    if (c == '\\') { i++; continue; }
    if (c == '$' && chunk->data[i + 1] == '$') { found = i; break; }
  }
  memo_store(&display_memo, parent, chunk, from, found);
  return found;
}

/// A math node holding `chunk[start ..< end]`.
static cmark_node *math_node(cmark_syntax_extension *self, const cmark_chunk *chunk, bufsize_t start, bufsize_t end, int display,
                             cmark_inline_parser *inline_parser) {
  size_t length = (size_t)(end - start);
  char *tex = malloc(length + 1);
  if (!tex) return NULL;
  memcpy(tex, chunk->data + start, length);
  tex[length] = 0;
  cmark_node *node = cmark_node_new_with_mem_and_ext(CMARK_NODE_CODE, cmark_get_default_mem_allocator(), self);
  cmark_node_set_literal(node, tex);
  free(tex);
  cmark_node_set_user_data(node, display ? (void *)(uintptr_t)1 : NULL);
  int line = cmark_inline_parser_get_line(inline_parser);
  int column = cmark_inline_parser_get_column(inline_parser);
  node->start_line = node->end_line = line;
  node->start_column = column;
  node->end_column = column + (int)(end - start);
  return node;
}

static cmark_node *match(cmark_syntax_extension *self, cmark_parser *parser, cmark_node *parent, unsigned char character,
                         cmark_inline_parser *inline_parser) {
  (void)parser;
  if (character != '$') return NULL;
  cmark_chunk *chunk = cmark_inline_parser_get_chunk(inline_parser);
  bufsize_t open = cmark_inline_parser_get_offset(inline_parser);
  if (open < 0 || open >= chunk->len || chunk->data[open] != '$') return NULL;
  bufsize_t next = open + 1;

  if (next < chunk->len && chunk->data[next] == '$') {
    // $$ … $$
    bufsize_t close = display_closer(parent, chunk, open + 2);
    if (close < 0) return NULL;
    bufsize_t start = open + 2, end = close;
    bufsize_t trimmed_start = start, trimmed_end = end;
    while (trimmed_start < trimmed_end && is_space(chunk->data[trimmed_start])) trimmed_start++;
    while (trimmed_end > trimmed_start && is_space(chunk->data[trimmed_end - 1])) trimmed_end--;
    if (trimmed_start == trimmed_end) return NULL;
    cmark_node *node = math_node(self, chunk, trimmed_start, trimmed_end, 1, inline_parser);
    if (node) cmark_inline_parser_set_offset(inline_parser, close + 2);
    return node;
  }

  if (next < chunk->len && chunk->data[next] == '`') {
    // $` … `$ with a backtick run of the same length on both sides.
    bufsize_t run = 0;
    while (next + run < chunk->len && chunk->data[next + run] == '`') run++;
    bufsize_t start = next + run;
    for (bufsize_t i = start; i + run < chunk->len; i++) {
      if (chunk->data[i] != '`') continue;
      bufsize_t length = 0;
      while (i + length < chunk->len && chunk->data[i + length] == '`') length++;
      if (length == run && i + length < chunk->len && chunk->data[i + length] == '$' && i > start) {
        cmark_node *node = math_node(self, chunk, start, i, 0, inline_parser);
        if (node) cmark_inline_parser_set_offset(inline_parser, i + length + 1);
        return node;
      }
      i += length - 1;
    }
    // No closing run: the backticks are parsed as usual (a code span, or text).
    return NULL;
  }

  if (next >= chunk->len || is_space(chunk->data[next])) return NULL;
  bufsize_t close = inline_closer(parent, chunk, next);
  if (close < 0) return NULL;
  cmark_node *node = math_node(self, chunk, next, close, 0, inline_parser);
  if (node) cmark_inline_parser_set_offset(inline_parser, close + 1);
  return node;
}

static void render_html(cmark_syntax_extension *self, struct cmark_html_renderer *renderer, cmark_node *node, cmark_event_type event,
                        int options) {
  (void)self;
  (void)options;
  if (event != CMARK_EVENT_ENTER) return;
  int display = cmark_node_get_user_data(node) != NULL;
  const char *tex = cmark_node_get_literal(node);
  cmark_strbuf_puts(renderer->html, display ? "<span class=\"math math-display\">" : "<span class=\"math math-inline\">");
  houdini_escape_html0(renderer->html, (const uint8_t *)tex, (bufsize_t)strlen(tex), 0);
  cmark_strbuf_puts(renderer->html, "</span>");
}

static const char *type_string(cmark_syntax_extension *self, cmark_node *node) {
  (void)self;
  (void)node;
  return "math";
}

static cmark_node *postprocess(cmark_syntax_extension *self, cmark_parser *parser, cmark_node *root) {
  (void)self;
  (void)parser;
  memset(&inline_memo, 0, sizeof inline_memo);
  memset(&display_memo, 0, sizeof display_memo);
  return root;
}

void *previewengine_math_extension_new(void) {
  if (math_extension) return math_extension;
  cmark_syntax_extension *extension = cmark_syntax_extension_new("math");
  cmark_syntax_extension_set_match_inline_func(extension, match);
  cmark_syntax_extension_set_html_render_func(extension, render_html);
  cmark_syntax_extension_set_get_type_string_func(extension, type_string);
  cmark_syntax_extension_set_postprocess_func(extension, postprocess);
  cmark_mem *mem = cmark_get_default_mem_allocator();
  cmark_llist *special = cmark_llist_append(mem, NULL, (void *)(uintptr_t)'$');
  cmark_syntax_extension_set_special_inline_chars(extension, special);
  math_extension = extension;
  return extension;
}
