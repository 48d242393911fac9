// The page's document model (Sources/PreviewServer/Page/patch.js) against the patch
// vectors Swift's RenderedDocument is checked with (Fixtures/patch-vectors.json):
//   node --test Tests/PageScripts
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const PreviewPatch = require('../../Sources/PreviewServer/Page/patch.js');

const vectors = JSON.parse(fs.readFileSync(path.join(__dirname, '../../Fixtures/patch-vectors.json'), 'utf8'));

for (const testCase of vectors.cases) {
  test(testCase.name, () => {
    let model = PreviewPatch.empty();
    testCase.steps.forEach((step, index) => {
      const patch = JSON.parse(step.event);
      const before = JSON.stringify(model);
      const result = PreviewPatch.apply(model, patch);
      if (step.html === null) {
        assert.equal(result, null, `step ${index} must be refused`);
        assert.equal(JSON.stringify(model), before, `step ${index}: a refused patch changed the model`);
        return;
      }
      assert.notEqual(result, null, `step ${index} must apply`);
      assert.equal(JSON.stringify(model), before, `step ${index}: apply changed its input`);
      assert.equal(PreviewPatch.html(result.model), step.html, `step ${index}`);
      assert.equal(result.model.version, patch.version);
      model = result.model;
    });
  });
}

test('a block after the patch keeps its object (and so its DOM nodes) unless its lines move', () => {
  const start = { version: 1, blocks: [{ key: 1, lines: [0, 0], html: 'a', nodes: ['A'] }, { key: 2, lines: [2, 2], html: 'b', nodes: ['B'] }], footnotes: '' };
  const same = PreviewPatch.apply(start, { base: 1, version: 2, start: 0, remove: [1], insert: [{ key: 3, lines: [0, 0], html: 'c' }], line_delta: 0 });
  assert.equal(same.model.blocks[1], start.blocks[1]);
  assert.deepEqual(same.replaced.map((block) => block.key), [1]);
  assert.deepEqual(same.inserted.map((block) => block.key), [3]);
  const moved = PreviewPatch.apply(start, { base: 1, version: 2, start: 1, remove: [], insert: [{ key: 4, lines: [2, 3], html: 'd' }], line_delta: 2 });
  assert.notEqual(moved.model.blocks[2], start.blocks[1]);
  assert.deepEqual(moved.model.blocks[2].lines, [4, 4]);
  assert.deepEqual(moved.model.blocks[2].nodes, ['B'], 'a moved block carries its nodes');
  assert.deepEqual(start.blocks[1].lines, [2, 2], 'the input is not changed');
});

test('blockAtLine finds the block holding a source line', () => {
  const model = { version: 1, blocks: [{ key: 1, lines: [0, 1], html: '' }, { key: 2, lines: [3, 5], html: '' }, { key: 3, lines: [7, 7], html: '' }], footnotes: '' };
  assert.deepEqual([0, 1, 2, 3, 6, 7, 100].map((line) => PreviewPatch.blockAtLine(model, line)), [0, 0, 0, 1, 1, 2, 2]);
  assert.equal(PreviewPatch.blockAtLine(PreviewPatch.empty(), 4), -1);
});
