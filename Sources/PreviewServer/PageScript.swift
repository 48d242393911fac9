/// The live page's scripts, from `Page/patch.js` (the document model and how a patch
/// changes it, without the DOM: `PreviewPatch`) and `Page/page.js` (the DOM beside it),
/// embedded by `./dev page-scripts` in `PageScriptSources.swift` (see `Docs/LIVE_PREVIEW.md`).
///
/// - Each block's HTML becomes its own DOM nodes; a patch removes and inserts nodes only
///   for the blocks it names, so the nodes of unchanged blocks (their `img`, `iframe`,
///   `video` and `details` elements among them) are never replaced.
/// - A patch that does not fit (wrong base, wrong keys) reconnects without
///   `Last-Event-ID`, which brings a snapshot; the browser's own reconnects send it and
///   resume with the missing patches.
/// - The element at the top of the viewport stays in place when blocks above it change;
///   a `cursor` event scrolls the block holding the editor's line into view; a double
///   click asks the editor to show a block's line.
/// - With raw HTML allowed, the document is parsed whole on each version instead.
/// - `window.previewEngine` exposes the version shown and when each version reached the
///   DOM (`painted`: [version, epoch milliseconds]), for tests and latency benchmarks.
enum PageScript {}
