// The live page's document model and how a block patch changes it, without the DOM:
// the page script keeps its DOM nodes beside this model, and `node --test` checks it
// against the patch vectors the Swift `RenderedDocument` tests read too
// (Fixtures/patch-vectors.json). Same rules as `RenderedDocument.apply`.
const PreviewPatch = (() => {
  'use strict';

  // An empty model: no version yet, no blocks, no footnote section.
  function empty() {
    return { version: null, blocks: [], footnotes: '' };
  }

  // The model after `patch` (a `patch` event's data), or null when the patch does not
  // fit `model` (wrong base version, blocks or update keys); `model` is not changed.
  // Blocks are `{key, lines: [first, last], html}` plus whatever the caller keeps on
  // them (DOM nodes): a block after the patch's range is the same object unless its
  // lines moved (then a copy with the new lines); a block updated in place is a copy
  // with the new HTML. `replaced` lists the blocks removed, `inserted` the new ones
  // (in order), `updated` the indices of blocks whose HTML changed in place.
  function apply(model, patch) {
    const snapshot = patch.base === null;
    if (!snapshot && patch.base !== model.version) return null;
    const blocks = snapshot ? [] : model.blocks;
    const start = patch.start;
    const end = start + patch.remove.length;
    if (!Number.isInteger(start) || start < 0 || end > blocks.length) return null;
    for (let i = 0; i < patch.remove.length; i++) if (blocks[start + i].key !== patch.remove[i]) return null;
    const insertedCount = patch.insert.length;
    const newCount = blocks.length - patch.remove.length + insertedCount;
    const updates = patch.update || [];
    for (const update of updates) {
      // An update names a block that was there before the patch (not an inserted one).
      const old = update.index < start ? update.index
        : update.index >= start + insertedCount ? update.index - insertedCount + patch.remove.length : -1;
      if (!(update.index < newCount) || old < 0 || blocks[old].key !== update.key) return null;
    }
    const inserted = patch.insert.map((block) => ({ key: block.key, lines: [block.lines[0], block.lines[1]], html: block.html }));
    const delta = patch.line_delta || 0;
    const after = blocks.slice(end).map((block) => delta === 0 ? block : { ...block, lines: [block.lines[0] + delta, block.lines[1] + delta] });
    const next = blocks.slice(0, start).concat(inserted, after);
    const updated = [];
    for (const update of updates) {
      next[update.index] = { ...next[update.index], html: update.html };
      updated.push(update.index);
    }
    return {
      model: { version: patch.version, blocks: next, footnotes: patch.footnotes !== undefined ? patch.footnotes : (snapshot ? '' : model.footnotes) },
      replaced: snapshot ? model.blocks.slice() : blocks.slice(start, end),
      inserted,
      updated,
      snapshot,
      footnotesChanged: patch.footnotes !== undefined || (snapshot && model.footnotes !== ''),
    };
  }

  // The whole HTML of `model`: its blocks', then the footnote section.
  function html(model) {
    return model.blocks.map((block) => block.html).join('') + model.footnotes;
  }

  // The index of the block holding source line `line` (0-based): the last block that
  // starts at or before it (0 when none does, -1 for no blocks). O(log blocks).
  function blockAtLine(model, line) {
    let low = 0, high = model.blocks.length - 1, found = -1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if (model.blocks[mid].lines[0] <= line) { found = mid; low = mid + 1; } else { high = mid - 1; }
    }
    return model.blocks.length === 0 ? -1 : Math.max(found, 0);
  }

  return { empty, apply, html, blockAtLine };
})();
if (typeof module !== 'undefined') module.exports = PreviewPatch;
