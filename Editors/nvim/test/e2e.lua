-- End-to-end test of the plugin against a real `mdpreview stdio`:
--   MDPREVIEW_CMD=/path/to/mdpreview nvim --headless -u NONE -i NONE -c 'luafile Editors/nvim/test/e2e.lua'
-- (MDPREVIEW_CMD defaults to "mdpreview" on PATH.)
--
-- It previews two scratch buffers, edits them the way people do (insert-mode typing,
-- x, dd, o, paste, undo/redo, a visual-block insert, :s, API edits), sometimes waiting
-- for the preview and sometimes not, and finally checks that each buffer's last render
-- is of its latest version and equals `mdpreview render` of the buffer's text. Also
-- checks: `ready` announced protocol 1, no error events, the HTML file option, and a
-- clean shutdown (`bye`).
-- Prints "e2e: ok ..." and exits 0, or prints what went wrong and exits 1.

local setup = dofile(vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':p:h') .. '/setup.lua')
local cmd = setup.cmd
local api = vim.api
local timeout_ms = tonumber(os.getenv('MDPREVIEW_E2E_TIMEOUT_MS') or '') or 20000

local mdpreview = require('mdpreview')

local function diagnostics()
  local lines = {}
  table.insert(lines, 'stats: ' .. vim.inspect(mdpreview.stats, { newline = ' ', indent = '' }))
  for _, event in ipairs(mdpreview.errors) do
    table.insert(lines, 'error event: ' .. vim.json.encode(event))
  end
  for _, line in ipairs(mdpreview.stderr) do
    table.insert(lines, 'server stderr: ' .. line)
  end
  return table.concat(lines, '\n')
end

local function buffer_text(bufnr)
  return table.concat(api.nvim_buf_get_lines(bufnr, 0, -1, true), '\n') .. '\n'
end

local function normal(keys)
  vim.cmd('silent normal! ' .. api.nvim_replace_termcodes(keys, true, false, true))
end

local function type_keys(keys)
  api.nvim_feedkeys(api.nvim_replace_termcodes(keys, true, false, true), 'nx', false)
end

-- Waits until the server has answered everything sent for `bufnr` and rendered the
-- latest version.
local function wait_current(bufnr, what)
  local done = vim.wait(timeout_ms, function()
    return mdpreview.is_current(bufnr)
  end, 10)
  if not done then
    local state = mdpreview.docs[bufnr]
    error(string.format('%s: buffer %d not rendered up to date within %d ms (acked version %s, last render %s)',
      what, bufnr, timeout_ms, tostring(state and state.version),
      tostring(mdpreview.last_render[bufnr] and mdpreview.last_render[bufnr].version)))
  end
end

local function expect_render_matches(bufnr, what)
  wait_current(bufnr, what)
  local text = buffer_text(bufnr)
  local expected = vim.fn.system({ cmd, 'render' }, text)
  if vim.v.shell_error ~= 0 then
    error(what .. ': `' .. cmd .. ' render` failed with status ' .. vim.v.shell_error .. ': ' .. expected)
  end
  local got = mdpreview.last_render[bufnr].html
  if got ~= expected then
    error(string.format('%s: the last render differs from `mdpreview render`\n  text:     %s\n  render:   %s\n  expected: %s',
      what, vim.inspect(text:sub(1, 400)), vim.inspect(got:sub(1, 400)), vim.inspect(expected:sub(1, 400))))
  end
end

local ok, err = pcall(function()
  if vim.fn.executable(cmd) ~= 1 then
    error('MDPREVIEW_CMD is not executable: ' .. cmd)
  end
  local html_file = vim.fn.tempname() .. '-%d.html'
  mdpreview.setup({ cmd = cmd, html_path = html_file })
  vim.cmd('runtime! plugin/mdpreview.lua')
  assert(vim.fn.exists(':MdPreviewStart') == 2, ':MdPreviewStart is not defined')
  assert(vim.fn.exists(':MdPreviewStop') == 2, ':MdPreviewStop is not defined')

  -- Buffer 1: started with the command.
  vim.cmd('enew')
  local buf = api.nvim_get_current_buf()
  vim.bo[buf].buftype = 'nofile'
  api.nvim_buf_set_lines(buf, 0, -1, true, { '# Title', '', 'First paragraph with é and 😀.' })
  vim.cmd('MdPreviewStart')
  assert(mdpreview.server, 'the server did not start')
  expect_render_matches(buf, 'after open')
  assert(mdpreview.server.ready and mdpreview.server.protocol == 1, 'no ready event with protocol 1')

  -- Typing one key at a time with 1 ms between keys, each key its own edit; the
  -- server renders as it likes (coalescing), only the end state is checked.
  normal('G$')
  for _, key in ipairs(vim.fn.split('\n## Section two\n\nSome *emphasis*, `code` and ü€😀.\n', '\\zs')) do
    type_keys('a' .. (key == '\n' and '<CR>' or key == '<' and '<lt>' or key) .. '<Esc>')
    vim.wait(1, function() return false end)
  end
  type_keys('o- item one<CR>item two<CR>item three<Esc>')
  expect_render_matches(buf, 'after typing')

  -- Normal-mode edits, waiting after some of them.
  normal('ggx')
  normal('3Gdd')
  expect_render_matches(buf, 'after x and dd')
  normal('ggyyGp')
  normal('Go| a | b |<CR>|---|---|<CR>| 1 | 2 |<Esc>')
  expect_render_matches(buf, 'after paste and a table')
  normal('u')
  normal('<C-r>')
  normal('gg<C-v>jjI> <Esc>')
  vim.cmd('silent! %s/item/entry/g')
  expect_render_matches(buf, 'after undo, redo, block insert, :s')
  api.nvim_buf_set_text(buf, 0, 0, 0, 0, { '<!-- c -->', '' })
  api.nvim_buf_set_lines(buf, -1, -1, true, { '', '[^1]: a footnote 日本', '', 'See[^1].' })
  normal('GJ')
  expect_render_matches(buf, 'after API edits and a join')

  -- Buffer 2: a second document at the same time, started through the module.
  vim.cmd('enew')
  local buf2 = api.nvim_get_current_buf()
  vim.bo[buf2].buftype = 'nofile'
  api.nvim_buf_set_lines(buf2, 0, -1, true, { 'Second **document**' })
  mdpreview.start(buf2)
  type_keys('A with more text<CR><CR>- [ ] task<CR>- [x] done<Esc>')
  normal('ggdd')
  expect_render_matches(buf2, 'second buffer')
  -- Edit the first buffer again while the second is open.
  vim.cmd('buffer ' .. buf)
  normal('ggdG')
  type_keys('i# Rewritten<CR><CR>Everything was deleted first.<Esc>')
  expect_render_matches(buf, 'after deleting everything')
  expect_render_matches(buf2, 'second buffer unchanged')

  -- The HTML file of the first buffer holds its last render.
  local file = io.open((html_file:gsub('%%d', tostring(buf))), 'r')
  assert(file, 'the HTML file was not written')
  local written = file:read('*a')
  file:close()
  assert(written:find(mdpreview.last_render[buf].html, 1, true), 'the HTML file does not hold the last render')

  if #mdpreview.errors > 0 then
    error('the server sent error events')
  end
  local renders = mdpreview.stats.renders
  local server = mdpreview.server
  vim.cmd('MdPreviewStop')
  assert(server.bye, 'no bye after shutdown')
  assert(mdpreview.server == nil, 'the server is still registered after stop')
  io.stdout:write(string.format('e2e: ok %d requests, %d edit transactions, %d renders, %d resyncs\n',
    mdpreview.stats.requests, mdpreview.stats.edits, renders, mdpreview.stats.resyncs))
end)

if ok then
  vim.cmd('qa!')
else
  io.stderr:write('e2e: FAILED: ' .. tostring(err) .. '\n' .. diagnostics() .. '\n')
  vim.cmd('cq')
end
