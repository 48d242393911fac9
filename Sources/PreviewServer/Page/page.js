// The live page's script: follows a document's event stream and applies its block
// patches to the DOM (Docs/LIVE_PREVIEW.md). The model and the patch rules are
// PreviewPatch's (patch.js, loaded before this script); this file keeps the DOM beside
// them.
//
// - Each block's HTML becomes its own DOM nodes; a patch removes and inserts nodes only
//   for the blocks it names, so the nodes of unchanged blocks (their img, iframe, video
//   and details elements among them) are never replaced.
// - A patch that does not fit (wrong base, wrong keys) reconnects without
//   Last-Event-ID, which brings a snapshot; the browser's own reconnects send it and
//   resume with the missing patches.
// - The element at the top of the viewport stays in place when blocks above it change;
//   a cursor event scrolls the block holding the editor's line into view; a double
//   click asks the editor to show a block's line.
// - With raw HTML allowed, the document is parsed whole on each version instead.
// - window.previewEngine exposes the version shown and when each version reached the
//   DOM (painted: [version, epoch milliseconds]), for tests and latency benchmarks.
(() => {
  'use strict';
  const root = document.getElementById('preview');
  const status = document.getElementById('preview-status');
  let rawHTML = false;
  const fixedDocument = root.dataset.document || null;
  const token = new URLSearchParams(location.search).get('token');
  // Which block (by key) a top-level node belongs to.
  const owner = new WeakMap();
  // The page's state: PreviewPatch's model (its blocks also carry their DOM nodes), the
  // version shown, the footnote section's nodes, and when each version reached the DOM.
  const state = { documentID: null, model: PreviewPatch.empty(), get version() { return this.model.version; }, footnotes: [], painted: [], patches: 0, snapshots: 0, connections: 0, connected: false };
  window.previewEngine = state;
  let source = null;
  let retry = null;

  function withToken(url) {
    return token ? url + (url.includes('?') ? '&' : '?') + 'token=' + encodeURIComponent(token) : url;
  }

  function headers() {
    const h = { 'Content-Type': 'application/json' };
    if (token) h.Authorization = 'Bearer ' + token;
    return h;
  }

  function setStatus(text, kind) {
    status.textContent = text;
    status.dataset.kind = kind;
  }

  function parseNodes(html) {
    const template = document.createElement('template');
    template.innerHTML = html;
    return Array.from(template.content.childNodes);
  }

  function firstElement(block) {
    for (const node of block.nodes || []) if (node.nodeType === Node.ELEMENT_NODE) return node;
    return null;
  }

  // The last node of the blocks before `index`, or null.
  function lastNodeBefore(blocks, index) {
    for (let i = index - 1; i >= 0; i--) {
      const nodes = blocks[i].nodes || [];
      if (nodes.length) return nodes[nodes.length - 1];
    }
    return null;
  }

  // The first block whose element is (partly) below the top of the viewport, found by
  // binary search (blocks are in vertical order), with its offset from the top.
  function scrollAnchor() {
    const blocks = state.model.blocks;
    let low = 0, high = blocks.length - 1, found = null;
    while (low <= high) {
      const mid = (low + high) >> 1;
      let index = mid, element = null;
      while (index <= high && !(element = firstElement(blocks[index]))) index++;
      if (!element) { high = mid - 1; continue; }
      const rect = element.getBoundingClientRect();
      if (rect.bottom > 0) { found = { element, top: rect.top }; high = mid - 1; } else { low = index + 1; }
    }
    return found;
  }

  // Math spans and blocks (the github profile's) typeset by KaTeX; a TeX error shows
  // the source in red instead (throwOnError: false).
  function typeset(nodes) {
    if (!window.katex) return;
    for (const node of nodes) {
      if (node.nodeType !== Node.ELEMENT_NODE) continue;
      const maths = node.matches('.math') ? [node] : node.querySelectorAll('.math');
      for (const math of maths) {
        try {
          window.katex.render(math.textContent, math, { displayMode: math.classList.contains('math-display'), throwOnError: false });
        } catch (error) {
          math.classList.add('math-error');
        }
      }
    }
  }

  function highlight(nodes) {
    if (!window.hljs) return;
    for (const node of nodes) {
      if (node.nodeType !== Node.ELEMENT_NODE) continue;
      const codes = node.matches('pre') ? node.querySelectorAll('code[class*="language-"]') : node.querySelectorAll('pre code[class*="language-"]');
      for (const code of codes) window.hljs.highlightBlock(code);
    }
  }

  // Applies one patch; false when it does not fit the page (the page then asks for a
  // snapshot), and then nothing has changed.
  function apply(patch) {
    const result = PreviewPatch.apply(state.model, patch);
    if (!result) return false;
    const anchor = result.snapshot ? null : scrollAnchor();
    const blocks = result.model.blocks;
    // A removed block that comes back with the same key and HTML keeps its nodes (its
    // images do not reload); nodes already in place are not moved (iframes would reload).
    const reusable = new Map(result.replaced.map((block) => [block.key, block]));
    for (const block of result.inserted) {
      const old = reusable.get(block.key);
      if (old && old.html === block.html && !rawHTML) {
        reusable.delete(block.key);
        block.nodes = old.nodes;
        block.reused = true;
      } else {
        block.nodes = rawHTML ? [] : parseNodes(block.html);
      }
    }
    let newNodes = result.inserted.filter((block) => !block.reused).flatMap((block) => block.nodes);
    if (!rawHTML) {
      for (const block of reusable.values()) for (const node of block.nodes || []) node.remove();
      let cursor = lastNodeBefore(blocks, patch.start);
      for (const block of result.inserted) {
        for (const node of block.nodes) {
          const next = cursor ? cursor.nextSibling : root.firstChild;
          if (node !== next) root.insertBefore(node, next);
          owner.set(node, block.key);
          cursor = node;
        }
      }
      // Blocks elsewhere whose HTML changed in place (renumbered heading ids).
      for (const index of result.updated) {
        const block = blocks[index];
        const nodes = parseNodes(block.html);
        const cursor = lastNodeBefore(blocks, index);
        const next = block.nodes.length ? block.nodes[0] : (cursor ? cursor.nextSibling : root.firstChild);
        for (const node of nodes) { root.insertBefore(node, next); owner.set(node, block.key); }
        for (const node of block.nodes) node.remove();
        block.nodes = nodes;
        newNodes = newNodes.concat(nodes);
      }
      if (result.footnotesChanged) {
        for (const node of state.footnotes) node.remove();
        state.footnotes = parseNodes(result.model.footnotes);
        for (const node of state.footnotes) root.appendChild(node);
        newNodes = newNodes.concat(state.footnotes);
      }
    } else {
      // Raw HTML may open in one block and close in another: the document is parsed whole.
      root.innerHTML = PreviewPatch.html(result.model);
      newNodes = Array.from(root.childNodes);
    }
    state.model = result.model;
    if (result.snapshot) state.snapshots++;
    highlight(newNodes);
    typeset(newNodes);
    // A front matter title names the page.
    const first = root.firstElementChild;
    if (first && first.matches('table.front-matter[data-title]')) document.title = first.dataset.title + ' — mdpreview';
    if (anchor && anchor.element.isConnected) {
      const moved = anchor.element.getBoundingClientRect().top - anchor.top;
      if (moved !== 0) window.scrollBy(0, moved);
    }
    state.patches++;
    if (patch.base === null && location.hash && !state.scrolledToHash) {
      state.scrolledToHash = true;
      scrollToFragment(location.hash.slice(1));
    }
    const version = patch.version;
    requestAnimationFrame(() => {
      if (state.painted.length >= 100000) state.painted.shift();
      state.painted.push([version, performance.timeOrigin + performance.now()]);
    });
    return true;
  }

  // Scrolls the block holding source line `line` (0-based) into view when it is not.
  function revealLine(line) {
    const blocks = state.model.blocks;
    for (let i = PreviewPatch.blockAtLine(state.model, line); i >= 0 && i < blocks.length; i++) {
      const element = firstElement(blocks[i]);
      if (!element) continue;
      const rect = element.getBoundingClientRect();
      const height = window.innerHeight;
      if (rect.top < height * 0.1 || rect.top > height * 0.8) window.scrollTo({ top: window.scrollY + rect.top - height * 0.3 });
      return;
    }
  }

  function connect(resync) {
    if (source) source.close();
    const id = state.documentID;
    source = new EventSource(withToken('/api/documents/' + encodeURIComponent(id) + '/stream'));
    source.addEventListener('open', () => { state.connections++; state.connected = true; setStatus('live', 'live'); });
    source.addEventListener('error', () => { state.connected = false; setStatus('reconnecting…', 'waiting'); });
    source.addEventListener('patch', (event) => {
      if (!apply(JSON.parse(event.data))) connect(true);
    });
    source.addEventListener('cursor', (event) => revealLine(JSON.parse(event.data).line));
    source.addEventListener('closed', () => {
      source.close();
      source = null;
      setStatus('document closed', 'closed');
      if (!fixedDocument) { state.documentID = null; retry = setTimeout(findDocument, 500); }
    });
    if (resync) setStatus('resynchronizing…', 'waiting');
  }

  async function findDocument() {
    try {
      const response = await fetch(withToken('/api/documents'), { headers: headers() });
      if (response.status === 401) { setStatus('open the URL mdpreview printed: it carries the access token', 'closed'); return; }
      const documents = (await response.json()).documents;
      const chosen = fixedDocument ? documents.find((d) => d.id === fixedDocument) : documents[0];
      if (!chosen) {
        setStatus(fixedDocument ? 'no such document' : 'waiting for a document…', 'waiting');
        retry = setTimeout(findDocument, 500);
        return;
      }
      state.documentID = chosen.id;
      rawHTML = chosen.raw_html;
      document.title = chosen.title + ' — mdpreview';
      let base = document.querySelector('base');
      if (!base) { base = document.createElement('base'); document.head.appendChild(base); }
      base.href = '/documents/' + encodeURIComponent(chosen.id) + '/files/';
      connect(false);
    } catch (error) {
      setStatus('server unreachable; retrying…', 'waiting');
      retry = setTimeout(findDocument, 1000);
    }
  }

  // Scrolls to the element with id `fragment` (percent-encoded or not), or to raw
  // HTML's element of that id or name; false when there is none.
  function scrollToFragment(fragment) {
    let id = fragment;
    try { id = decodeURIComponent(fragment); } catch (error) { /* not encoded */ }
    // Raw HTML's ids and names carry GitHub's "user-content-" prefix.
    const prefixed = 'user-content-' + id;
    const target = document.getElementById(id) || document.getElementById(fragment) || document.getElementById(prefixed)
      || Array.from(document.getElementsByName(prefixed)).find((element) => root.contains(element));
    if (!target) return false;
    target.scrollIntoView();
    return true;
  }

  // Links within the page (footnotes, headings) scroll instead of following <base>,
  // and never navigate away, whether or not their target exists; the address keeps
  // the page and gets the fragment, so it can be copied. A double click asks the
  // editor to show the block's source line.
  root.addEventListener('click', (event) => {
    const link = event.target.closest && event.target.closest('a[href^="#"]');
    if (!link) return;
    event.preventDefault();
    const fragment = link.getAttribute('href').slice(1);
    if (scrollToFragment(fragment)) history.replaceState(null, '', location.pathname + location.search + '#' + fragment);
    else setStatus('no “#' + fragment + '” on this page', 'waiting');
  });
  root.addEventListener('dblclick', (event) => {
    let node = event.target;
    while (node && node.parentNode !== root) node = node.parentNode;
    const key = node && owner.get(node);
    const block = key === undefined ? null : state.model.blocks.find((candidate) => candidate.key === key);
    if (!block || !state.documentID) return;
    fetch(withToken('/api/documents/' + encodeURIComponent(state.documentID) + '/reveal'), {
      method: 'POST', headers: headers(), body: JSON.stringify({ line: block.lines[0] }),
    });
  });

  findDocument();
})();
