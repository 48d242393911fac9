// The live page's task panel (PreviewTasks): the running and queued tasks, and those
// that ended in the last 30 s, each with its destination, state, a progress bar, its
// message, its error or (for a completed export) what it wrote, and a Cancel button that
// sends DELETE /api/tasks/{id}. It polls GET /api/tasks: every 500 ms while a task is
// active, every 5 s otherwise and while the page is hidden. window.previewTasks exposes
// what it shows, for tests.
(() => {
  'use strict';
  const panel = document.getElementById('tasks');
  const token = new URLSearchParams(location.search).get('token');
  const withToken = (url) => token ? url + (url.includes('?') ? '&' : '?') + 'token=' + encodeURIComponent(token) : url;
  const nodes = new Map();
  const model = { shown: [], polls: 0 };
  window.previewTasks = model;
  let timer = null;
  const active = (task) => task.state === 'queued' || task.state === 'running';
  const endedAt = (task) => task.timings.submitted_at + (task.timings.queued_ms + (task.timings.running_ms || 0)) / 1000;

  async function poll() {
    clearTimeout(timer);
    let next = 5000;
    try {
      const response = await fetch(withToken('/api/tasks'), { cache: 'no-store' });
      if (response.ok) {
        const tasks = (await response.json()).tasks;
        const now = Date.now() / 1000;
        show(tasks.filter((task) => active(task) || now - endedAt(task) < 30));
        if (tasks.some(active)) next = 500;
      } else if (response.status === 401) {
        next = 30000;
      }
    } catch (error) {
      next = 5000;
    }
    model.polls++;
    timer = setTimeout(poll, document.hidden ? Math.max(next, 5000) : next);
  }

  function show(tasks) {
    panel.hidden = tasks.length === 0;
    const ids = new Set(tasks.map((task) => task.id));
    for (const [id, node] of nodes) if (!ids.has(id)) { node.remove(); nodes.delete(id); }
    for (const task of tasks) {
      let node = nodes.get(task.id);
      if (!node) { node = create(task.id); nodes.set(task.id, node); panel.appendChild(node); }
      update(node, task);
    }
    model.shown = tasks.map((task) => ({ id: task.id, state: task.state, fraction: task.progress.fraction ?? null, message: task.progress.message ?? null }));
  }

  function create(id) {
    const node = document.createElement('div');
    node.className = 'task';
    node.dataset.id = id;
    const title = document.createElement('div');
    title.className = 'task-title';
    const bar = document.createElement('progress');
    bar.max = 1;
    const message = document.createElement('div');
    message.className = 'task-message';
    const cancel = document.createElement('button');
    cancel.type = 'button';
    cancel.textContent = 'Cancel';
    cancel.addEventListener('click', async () => {
      cancel.disabled = true;
      try { await fetch(withToken('/api/tasks/' + encodeURIComponent(id)), { method: 'DELETE' }); } catch (error) {}
      poll();
    });
    node.append(title, bar, message, cancel);
    return node;
  }

  // A completed export's result in a few words.
  function summary(task) {
    const result = task.state === 'completed' ? task.result : null;
    if (!result || typeof result.pages !== 'number') return null;
    const failed = result.failures && result.failures.length ? ', ' + result.failures.length + ' left out' : '';
    return result.pages + ' pages, ' + result.assets + ' other files' + failed;
  }

  function update(node, task) {
    const [title, bar, message, cancel] = node.children;
    const destination = (task.parameters.destination || '').split('/').pop();
    title.textContent = task.kind + (destination ? ' → ' + destination : '') + ' · ' + task.state.replace('_', ' ');
    if (task.progress.fraction != null) bar.value = task.progress.fraction; else bar.removeAttribute('value');
    message.textContent = task.error || summary(task) || task.progress.message || '';
    cancel.hidden = !active(task);
    node.dataset.state = task.state;
  }

  document.addEventListener('visibilitychange', () => { if (!document.hidden) poll(); });
  poll();
})();
