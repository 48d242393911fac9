-- End-to-end test of the plugin when renders fail, against a real `mdpreview stdio`:
--   MDPREVIEW_CMD=/path/to/mdpreview nvim --headless -u NONE -i NONE -c 'luafile Editors/nvim/test/paused.lua'
--
-- A buffer holds a document libcmark-gfm parses in quadratic time; with a 200 ms render
-- deadline its renders fail. Checks: the first failure is announced, the second pauses
-- the preview (announced with the retry time), an edit that empties the buffer renders
-- at once ("renders again"), and the last render is of the new text.
-- Prints "paused: ok" and exits 0, or what went wrong and exits 1.

local setup = dofile(vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':p:h') .. '/setup.lua')
local root, cmd = setup.root, setup.cmd
local api = vim.api
dofile(root .. '/plugin/mdpreview.lua')   -- the user commands (-u NONE loads no plugins)
local mdpreview = require('mdpreview')
local notes = {}
vim.notify = function(message)
  table.insert(notes, message)
end

local function expect(condition, what)
  if not condition then
    error(what .. '\nnotifications: ' .. vim.inspect(notes) .. '\nstderr: ' .. table.concat(mdpreview.stderr, '\n'))
  end
end

local function wait_for(what, condition)
  expect(vim.wait(30000, condition, 10), 'timed out waiting for ' .. what)
end

local ok, err = pcall(function()
  mdpreview.setup({
    cmd = cmd,
    server_args = { '--policy', 'every-keystroke', '--render-timeout-ms', '200', '--render-ms-per-kib', '0' },
  })
  local bufnr = api.nvim_create_buf(true, false)
  api.nvim_set_current_buf(bufnr)
  api.nvim_buf_set_lines(bufnr, 0, -1, true, { string.rep('![[]()', 40000) })
  vim.cmd('MdPreviewStart')
  wait_for('the first failure', function()
    return mdpreview.failures[bufnr] ~= nil
  end)
  expect(mdpreview.failures[bufnr].reason == 'timeout', 'the failure is a timeout')
  api.nvim_buf_set_lines(bufnr, -1, -1, true, { 'more' })
  wait_for('the pause', function()
    return mdpreview.paused[bufnr] ~= nil
  end)
  -- The failure notes, after :MdPreviewStart's own.
  local function failure_notes()
    return vim.tbl_filter(function(note) return not note:find('previewing buffer', 1, true) end, notes)
  end
  wait_for('the notifications', function()
    return #failure_notes() >= 2
  end)
  expect(notes[1]:find('previewing buffer', 1, true) ~= nil, ':MdPreviewStart says what it did')
  expect(failure_notes()[1]:find('render failed (timeout)', 1, true) ~= nil, 'the first failure is announced')
  expect(failure_notes()[2]:find('preview paused after 2 failed renders', 1, true) ~= nil, 'the pause is announced')
  expect(mdpreview.last_render[bufnr] == nil, 'nothing was rendered')
  api.nvim_buf_set_lines(bufnr, 0, -1, true, { '# ok' })   -- the text shrinks: a trial at once
  wait_for('the render after the pause', function()
    return mdpreview.last_render[bufnr] ~= nil
  end)
  expect(mdpreview.last_render[bufnr].html == '<h1>ok</h1>\n', 'the new text is rendered: ' .. mdpreview.last_render[bufnr].html)
  expect(mdpreview.paused[bufnr] == nil and mdpreview.failures[bufnr] == nil, 'the pause is over')
  wait_for('the resumed notification', function()
    return notes[#notes]:find('renders again', 1, true) ~= nil
  end)
  vim.cmd('MdPreviewStop')
end)
if ok then
  io.stdout:write('paused: ok, ' .. #notes .. ' notifications\n')
  vim.cmd('qall!')
else
  io.stdout:write('paused: FAILED: ' .. tostring(err) .. '\n')
  vim.cmd('cquit 1')
end
