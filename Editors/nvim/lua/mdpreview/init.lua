-- mdpreview.nvim: live Markdown preview through `mdpreview stdio`.
--
-- The plugin starts one `mdpreview stdio` server, opens each previewed buffer as a
-- document (doc id = the buffer number as a string) and sends every change reported by
-- `nvim_buf_attach`'s `on_bytes` as an edit in UTF-8 byte offsets (`"unit":"utf8"`).
-- The changes of one editor operation (`:s///g`, a paste, a visual-block insert, ...)
-- are sent together as one transaction (`patches`).
--
-- Text model: a buffer's text is its lines joined with "\n" plus a final "\n" (every
-- line ends with a newline), the model `on_bytes` byte offsets count in, whatever
-- 'eol' says.
--
-- Public state, readable by tests and other plugins:
--   require('mdpreview').last_render[bufnr] = { version=, html=, render_ms=, latency_ms= }
--   require('mdpreview').errors             = every `error` event received, in order
--   require('mdpreview').stats              = { requests=, edits=, renders=, resyncs=,
--                                               resync_reasons = { [reason] = count } }
--
-- Resynchronisation: when Neovim's change reports do not add up (its 0.7 `on_bytes`
-- misreports a few operations, e.g. undoing the deletion of every line: the byte sizes
-- then disagree with the buffer), or the server reports an out-of-range edit, the
-- plugin sends the whole text again with `replace` (reasons "size", "error", "server",
-- "reload").
local api = vim.api

local M = {}

local defaults = {
  -- The server command: a string (program) or a list (program and arguments before
  -- "stdio"). Default: vim.g.mdpreview_cmd, else "mdpreview".
  cmd = nil,
  -- Arguments after "stdio", e.g. { '--render-timeout-ms', '2000' } (Docs/PROTOCOL.md,
  -- "Server options").
  server_args = nil,
  -- Render options sent with `open` (see Docs/PROTOCOL.md), e.g. { smart = true }.
  options = nil,
  -- Where to write each render's HTML: nil (nowhere), a path (a "%d" in it becomes
  -- the buffer number) or a function(bufnr) returning a path or nil.
  html_path = nil,
  -- Called as on_render(bufnr, render_event) after each render.
  on_render = nil,
  -- Called as on_error(error_event) for each error; default: vim.notify.
  on_error = nil,
  -- How :MdPreviewOpen shows the live page: a command (string, or list of program and
  -- arguments) run with the URL appended, or function(url). nil: vim.g.mdpreview_browser,
  -- else the URL is printed for you to open.
  browser = nil,
  -- The port of the live page (`--port`); nil or 0: a free one.
  http_port = nil,
  -- For tests: function(handlers) returning { send = function(line), stop = function() }.
  -- handlers.on_line(line) must be called with each line the server writes and
  -- handlers.on_exit(code) when it exits. Default: a `jobstart` transport.
  transport = nil,
}

M.config = vim.deepcopy(defaults)
M.last_render = {}
-- The last renderFailed / previewPaused event per buffer, until it renders again.
M.failures = {}
M.paused = {}
M.errors = {}
M.docs = {}
M.server = nil
M.stats = { requests = 0, edits = 0, renders = 0, resyncs = 0, resync_reasons = {} }
-- The last lines the server wrote to stderr (its log).
M.stderr = {}

-- Error codes after which the server's copy of a document no longer matches the
-- buffer: the plugin then sends the whole text again (`replace`).
local resync_codes = { out_of_range = true, splits_character = true }

--- Sets options; see `defaults` above.
function M.setup(opts)
  M.config = vim.tbl_extend('force', vim.deepcopy(defaults), opts or {})
end

local function notify(message, level)
  vim.schedule(function()
    vim.notify('mdpreview: ' .. message, level or vim.log.levels.WARN)
  end)
end

local function server_argv(http)
  local cmd = M.config.cmd or vim.g.mdpreview_cmd or 'mdpreview'
  local argv = type(cmd) == 'table' and vim.deepcopy(cmd) or { cmd }
  table.insert(argv, 'stdio')
  if http then
    table.insert(argv, '--http')
    if M.config.http_port and M.config.http_port ~= 0 then
      vim.list_extend(argv, { '--port', tostring(M.config.http_port) })
    end
  end
  vim.list_extend(argv, M.config.server_args or {})
  return argv
end

-- The default transport: `mdpreview stdio` as a job, lines on stdin and stdout.
local function job_transport(handlers)
  local pieces = {}
  local argv = server_argv(handlers.http)
  local job = vim.fn.jobstart(argv, {
    -- `data` is the chunk split at "\n": its first item continues the last partial
    -- line, its last item is the start of the next line ("" after a "\n").
    on_stdout = function(_, data)
      for i, chunk in ipairs(data) do
        if i > 1 then
          local line = table.concat(pieces)
          pieces = {}
          if line ~= '' then
            handlers.on_line(line)
          end
        end
        if chunk ~= '' then
          pieces[#pieces + 1] = chunk
        end
      end
    end,
    on_stderr = function(_, data)
      for _, line in ipairs(data) do
        if line ~= '' then
          table.insert(M.stderr, line)
          if #M.stderr > 200 then
            table.remove(M.stderr, 1)
          end
        end
      end
    end,
    on_exit = function(_, code)
      handlers.on_exit(code)
    end,
  })
  if job <= 0 then
    error('cannot start ' .. table.concat(argv, ' ') .. (job == -1 and ' (not executable)' or ' (invalid arguments)'))
  end
  return {
    send = function(line)
      vim.fn.chansend(job, line .. '\n')
    end,
    stop = function()
      pcall(vim.fn.jobstop, job)
    end,
  }
end

local function doc_buffer(doc)
  local bufnr = tonumber(doc)
  if bufnr and M.docs[bufnr] then
    return bufnr, M.docs[bufnr]
  end
  return nil, nil
end

local function html_target(bufnr)
  local target = M.config.html_path
  if type(target) == 'function' then
    return target(bufnr)
  elseif type(target) == 'string' then
    return (target:gsub('%%d', tostring(bufnr)))
  end
  return nil
end

local function write_html(bufnr, html)
  local path = html_target(bufnr)
  if not path then
    return
  end
  local file = io.open(path, 'w')
  if not file then
    notify('cannot write ' .. path)
    return
  end
  file:write('<!DOCTYPE html>\n<meta charset="utf-8">\n', html)
  file:close()
end

local send -- forward declaration

-- The buffer's whole text in the plugin's model: lines joined by "\n", plus "\n".
local function buffer_text(bufnr)
  return table.concat(api.nvim_buf_get_lines(bufnr, 0, -1, true), '\n') .. '\n'
end

-- The model's byte size as Neovim counts it.
local function buffer_size(bufnr)
  local size = api.nvim_buf_get_offset(bufnr, api.nvim_buf_line_count(bufnr))
  local bo = vim.bo[bufnr]
  -- nvim_buf_get_offset leaves out the final newline when it would not be written.
  if (not bo.fixeol or bo.binary) and not bo.eol then
    size = size + 1
  end
  return size
end

-- Sends the whole text again, after a desynchronisation.
local function resync(state, reason)
  if state.detached or not M.server then
    return
  end
  M.stats.resync_reasons[reason] = (M.stats.resync_reasons[reason] or 0) + 1
  state.queue = {}
  local text = buffer_text(state.bufnr)
  state.size = #text
  M.stats.resyncs = M.stats.resyncs + 1
  send({ op = 'replace', doc = state.doc, text = text }, state)
end

local function handle_event(event)
  local kind = event.event
  local server = M.server
  if kind == 'ready' then
    if server then
      server.ready = true
      server.protocol = event.protocol
      server.url = event.url
    end
  elseif kind == 'reveal' then
    -- The page asks to show a line: move the cursor in a window showing the buffer.
    local bufnr = doc_buffer(event.doc)
    if bufnr and type(event.line) == 'number' then
      vim.schedule(function()
        local win = api.nvim_get_current_buf() == bufnr and api.nvim_get_current_win() or vim.fn.bufwinid(bufnr)
        if win and win ~= -1 then
          local line = math.min(event.line + 1, api.nvim_buf_line_count(bufnr))
          api.nvim_win_set_cursor(win, { line, 0 })
        end
      end)
    end
  elseif kind == 'ack' then
    local _, state = doc_buffer(event.doc)
    if server then
      server.pending[event.id] = nil
    end
    if state and type(event.version) == 'number' then
      state.version = event.version
    end
  elseif kind == 'render' then
    local bufnr = doc_buffer(event.doc)
    if not bufnr then
      return
    end
    M.stats.renders = M.stats.renders + 1
    if M.paused[bufnr] then
      notify('the preview renders again', vim.log.levels.INFO)
    end
    M.failures[bufnr] = nil
    M.paused[bufnr] = nil
    M.last_render[bufnr] = {
      version = event.version,
      html = event.html,
      render_ms = event.render_ms,
      latency_ms = event.latency_ms,
    }
    write_html(bufnr, event.html)
    if M.config.on_render then
      M.config.on_render(bufnr, event)
    end
  elseif kind == 'error' then
    table.insert(M.errors, event)
    if server and event.id ~= nil then
      server.pending[event.id] = nil
    end
    local _, state = doc_buffer(event.doc)
    if state and resync_codes[event.code] then
      vim.schedule(function()
        resync(state, 'server')
      end)
    end
    if M.config.on_error then
      M.config.on_error(event)
    else
      notify(string.format('%s: %s', tostring(event.code), tostring(event.message)))
    end
  elseif kind == 'renderFailed' then
    local bufnr = doc_buffer(event.doc)
    if bufnr then
      M.failures[bufnr] = event
    end
    if event.failures == 1 then
      notify(string.format('render failed (%s): %s; the preview shows the last good render', tostring(event.reason), tostring(event.message)))
    end
  elseif kind == 'previewPaused' then
    local bufnr = doc_buffer(event.doc)
    if bufnr then
      M.paused[bufnr] = event
    end
    notify(string.format('preview paused after %d failed renders (%s); retrying in %d s, or now with :MdPreviewRender',
      event.failures or 0, tostring(event.reason), math.floor((event.retry_in_ms or 0) / 1000 + 0.5)))
  elseif kind == 'bye' then
    if server then
      server.bye = true
    end
  end
end

local function on_line(line)
  local ok, event = pcall(vim.json.decode, line)
  if not ok or type(event) ~= 'table' then
    table.insert(M.errors, { event = 'error', code = 'client_invalid_json', message = 'server wrote: ' .. line:sub(1, 200) })
    return
  end
  handle_event(event)
end

local function ensure_server(http)
  if M.server then
    return M.server
  end
  local server = { ready = false, bye = false, exited = false, next_id = 1, pending = {}, http = http or false }
  M.server = server
  local factory = M.config.transport or job_transport
  local ok, transport = pcall(factory, {
    http = http,
    on_line = function(line)
      if M.server == server then
        on_line(line)
      end
    end,
    on_exit = function(code)
      server.exited = true
      server.exit_code = code
      if M.server == server then
        M.server = nil
        for _, state in pairs(M.docs) do
          state.detached = true
        end
        M.docs = {}
        if code ~= 0 then
          notify('server exited with status ' .. tostring(code), vim.log.levels.ERROR)
        end
      end
    end,
  })
  if not ok then
    M.server = nil
    error(transport)
  end
  server.transport = transport
  return server
end

-- Sends one request (a table), with a fresh integer id.
send = function(message, state)
  local server = M.server
  if not server then
    return nil
  end
  local id = server.next_id
  server.next_id = id + 1
  message.id = id
  server.pending[id] = true
  if state then
    state.last_id = id
  end
  M.stats.requests = M.stats.requests + 1
  server.transport.send(vim.json.encode(message))
  return id
end

-- The text from (sr, sc) to (er, ec) in the model, where (line_count, 0) is the
-- position after the final newline.
local function get_text(bufnr, sr, sc, er, ec)
  local count = api.nvim_buf_line_count(bufnr)
  if er < count then
    return table.concat(api.nvim_buf_get_text(bufnr, sr, sc, er, ec, {}), '\n')
  end
  -- The range runs to the end: take up to the end of the last line, then the final
  -- newline.
  local text = ''
  if sr < count then
    local last = api.nvim_buf_get_lines(bufnr, count - 1, count, true)[1]
    text = table.concat(api.nvim_buf_get_text(bufnr, sr, sc, count - 1, #last, {}), '\n')
  end
  return text .. '\n'
end

-- The (row, col) of a byte offset in the model (0-based; (line_count, 0) is the end).
local function offset_position(bufnr, offset)
  local count = api.nvim_buf_line_count(bufnr)
  local low, high = 0, count - 1
  while low < high do
    local middle = math.floor((low + high + 1) / 2)
    if api.nvim_buf_get_offset(bufnr, middle) <= offset then
      low = middle
    else
      high = middle - 1
    end
  end
  local col = offset - api.nvim_buf_get_offset(bufnr, low)
  if low == count - 1 and col > #api.nvim_buf_get_lines(bufnr, low, low + 1, true)[1] then
    return count, 0
  end
  return low, col
end

-- The model's bytes [first, last) of the buffer as it is now.
local function text_between(bufnr, first, last)
  if last <= first then
    return ''
  end
  local sr, sc = offset_position(bufnr, first)
  local er, ec = offset_position(bufnr, last)
  return get_text(bufnr, sr, sc, er, ec)
end

-- How many changes of one operation are checked one by one (quadratic); above that
-- they are sent as one covering patch.
local max_separate_patches = 64

-- The patches for the changes queued since the last flush, with their inserted text
-- read from the buffer as it is now.
--
-- `on_bytes` may run before Neovim has written a change into the buffer (`J` and
-- `:s` do so in 0.7), so the inserted text cannot be read in the callback. Once the
-- operation is over, each change's inserted bytes are where its later changes moved
-- them, unless a later change of the same operation touched them; then the whole
-- operation is sent as one patch covering everything it changed.
local function build_patches(bufnr, queue)
  local regions = {}
  local separate = #queue <= max_separate_patches
  if separate then
    for k, change in ipairs(queue) do
      local first, last = change.pos, change.pos + change.new
      for j = k + 1, #queue do
        local later = queue[j]
        if later.pos + later.del <= first then
          first = first + later.new - later.del
          last = last + later.new - later.del
        elseif later.pos < last then
          separate = false
          break
        end
      end
      if not separate then
        break
      end
      regions[k] = { first, last }
    end
  end
  if separate then
    local patches = {}
    for k, change in ipairs(queue) do
      patches[k] = { pos = change.pos, del = change.del, ins = text_between(bufnr, regions[k][1], regions[k][2]) }
    end
    return patches
  end
  -- One patch covering every change: [low, high_old) of the text before the
  -- operation became [low, high_new) of the text now.
  local low, high_new, high_old
  for _, change in ipairs(queue) do
    if not low then
      low, high_new, high_old = change.pos, change.pos + change.new, change.pos + change.del
    else
      local finish = math.max(high_new, change.pos + change.del)
      high_old = high_old + finish - high_new
      high_new = finish + change.new - change.del
      low = math.min(low, change.pos)
    end
  end
  return { { pos = low, del = high_old - low, ins = text_between(bufnr, low, high_new) } }
end

--- Asks for a render of the buffer now (also ends a pause after failed renders).
function M.render(bufnr)
  bufnr = bufnr or api.nvim_get_current_buf()
  local state = M.docs[bufnr]
  if state then
    M.flush(bufnr)   -- the render covers every edit made so far
    send({ op = 'render', doc = state.doc }, state)
  end
end

--- Sends the changes queued for a buffer as one edit transaction.
function M.flush(bufnr)
  local state = M.docs[bufnr]
  if not state then
    return
  end
  state.flush_scheduled = false
  if state.detached then
    return
  end
  if #state.queue == 0 then
    -- Only on_lines fired: Neovim 0.7 changes 'noeol' buffers without on_bytes at
    -- times (pasting an empty line after the last one). Catch that by the size.
    if buffer_size(bufnr) ~= state.size then
      resync(state, 'size')
    end
    return
  end
  local queue = state.queue
  state.queue = {}
  if state.size == 0 then
    -- Neovim reports a buffer emptied by some operations (nvim_buf_set_lines over all
    -- lines, say) as 0 bytes, though it keeps one empty line, "\n" in the model.
    table.insert(queue, { pos = 0, del = 0, new = 1 })
    state.size = 1
  end
  -- Cheap consistency check: the sizes must agree, else send the whole text again.
  if buffer_size(bufnr) ~= state.size then
    resync(state, 'size')
    return
  end
  local ok, patches = pcall(build_patches, bufnr, queue)
  if not ok then
    resync(state, 'error')
    return
  end
  local message = { op = 'edit', doc = state.doc, unit = 'utf8' }
  if #patches == 1 then
    message.pos, message.del, message.ins = patches[1].pos, patches[1].del, patches[1].ins
  else
    message.patches = patches
  end
  M.stats.edits = M.stats.edits + 1
  send(message, state)
end

-- Flushes once the current operation is over: all its changes go out as one
-- transaction.
local function schedule_flush(state)
  if not state.flush_scheduled then
    state.flush_scheduled = true
    vim.schedule(function()
      M.flush(state.bufnr)
    end)
  end
end

--- Opens `bufnr` (default: the current buffer) as a document and follows its changes.
function M.open_buffer(bufnr)
  if bufnr == nil or bufnr == 0 then
    bufnr = api.nvim_get_current_buf()
  end
  local existing = M.docs[bufnr]
  if existing and not existing.detached then
    return existing
  end
  ensure_server()
  local text = buffer_text(bufnr)
  local state = {
    bufnr = bufnr,
    doc = tostring(bufnr),
    queue = {},
    size = #text,
    flush_scheduled = false,
    detached = false,
    version = nil,
  }
  M.docs[bufnr] = state
  local path = api.nvim_buf_get_name(bufnr)
  send({ op = 'open', doc = state.doc, text = text, options = M.config.options, path = path ~= '' and path or nil }, state)
  local attached = api.nvim_buf_attach(bufnr, false, {
    -- Arguments: "bytes", buffer, changedtick, start row, start col, start byte,
    -- old end row, old end col, old byte length, new end row, new end col, new byte
    -- length; rows and columns are 0-based, the ends relative to the start.
    on_bytes = function(_, _, _, _, _, start_byte, _, _, old_bytes, _, _, new_bytes)
      if state.detached then
        return true
      end
      table.insert(state.queue, { pos = start_byte, del = old_bytes, new = new_bytes })
      state.size = state.size - old_bytes + new_bytes
      schedule_flush(state)
    end,
    on_lines = function()
      if state.detached then
        return true
      end
      schedule_flush(state)
    end,
    on_reload = function()
      if state.detached then
        return true
      end
      vim.schedule(function()
        resync(state, 'reload')
      end)
    end,
    on_detach = function()
      M.close_buffer(bufnr)
    end,
  })
  if not attached then
    M.close_buffer(bufnr)
    error('cannot attach to buffer ' .. bufnr)
  end
  api.nvim_create_autocmd({ 'BufUnload', 'BufWipeout' }, {
    buffer = bufnr,
    once = true,
    callback = function()
      M.close_buffer(bufnr)
    end,
  })
  return state
end

--- Stops previewing `bufnr`: closes its document on the server.
function M.close_buffer(bufnr)
  local state = M.docs[bufnr]
  if not state or state.detached then
    return
  end
  state.detached = true
  M.docs[bufnr] = nil
  if M.server and not M.server.bye then
    send({ op = 'close', doc = state.doc })
  end
end

--- Starts the server if needed and previews `bufnr` (default: the current buffer).
function M.start(bufnr)
  return M.open_buffer(bufnr)
end

-- Sends the cursor's line when it changes, for the live page to follow.
local function follow_cursor(state)
  api.nvim_create_autocmd({ 'CursorMoved', 'CursorMovedI' }, {
    buffer = state.bufnr,
    callback = function()
      if state.detached or not M.server or not M.server.http then
        return true
      end
      local line = api.nvim_win_get_cursor(0)[1] - 1
      if line ~= state.cursor_line then
        state.cursor_line = line
        M.flush(state.bufnr)
        send({ op = 'cursor', doc = state.doc, line = line })
      end
    end,
  })
end

--- Opens the live preview of `bufnr` (default: the current buffer) in the browser:
--- starts `mdpreview stdio --http` (restarting a server started without it), then runs
--- the `browser` command with the page's URL, or prints the URL. Returns the URL.
function M.open(bufnr)
  if bufnr == nil or bufnr == 0 then
    bufnr = api.nvim_get_current_buf()
  end
  if M.server and not M.server.http then
    M.stop()
  end
  local server = ensure_server(true)
  local state = M.open_buffer(bufnr)
  if not state.follows_cursor then
    state.follows_cursor = true
    follow_cursor(state)
  end
  vim.wait(5000, function()
    return server.ready or server.exited
  end, 10)
  local url = server.url
  if not url then
    notify('the server did not start its live page (see :lua print(vim.inspect(require("mdpreview").stderr)))', vim.log.levels.ERROR)
    return nil
  end
  local browser = M.config.browser or vim.g.mdpreview_browser
  if type(browser) == 'function' then
    browser(url)
    notify('opened the live preview: ' .. url, vim.log.levels.INFO)
  elseif browser then
    local argv = type(browser) == 'table' and vim.deepcopy(browser) or { browser }
    table.insert(argv, url)
    local job = vim.fn.jobstart(argv, { detach = true })
    if job > 0 then
      notify('opened the live preview with ' .. argv[1] .. ': ' .. url, vim.log.levels.INFO)
    else
      notify('could not run ' .. argv[1] .. '; open the live preview at ' .. url, vim.log.levels.WARN)
    end
  else
    notify('live preview at ' .. url .. ' (set browser in setup() to open it for you)', vim.log.levels.INFO)
  end
  M.url = url
  return url
end

--- Whether the server has answered every request sent for `bufnr` and its latest
--- render is of the latest version.
function M.is_current(bufnr)
  local state = M.docs[bufnr]
  local server = M.server
  if not state or not server or state.flush_scheduled or #state.queue > 0 then
    return false
  end
  if state.last_id and server.pending[state.last_id] then
    return false
  end
  local render = M.last_render[bufnr]
  return render ~= nil and state.version ~= nil and render.version == state.version
end

--- Sends `shutdown`, waits up to `timeout_ms` (default 3000) for `bye`, then stops
--- the server.
function M.stop(timeout_ms)
  local server = M.server
  if not server then
    return
  end
  for bufnr, state in pairs(M.docs) do
    if not state.detached then
      M.flush(bufnr)
      state.detached = true
    end
  end
  M.docs = {}
  send({ op = 'shutdown' })
  vim.wait(timeout_ms or 3000, function()
    return server.bye or server.exited
  end, 10)
  M.server = nil
  server.transport.stop()
end

api.nvim_create_autocmd('VimLeavePre', {
  callback = function()
    M.stop(1000)
  end,
})

return M
