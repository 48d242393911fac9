-- End-to-end test of :MdPreviewOpen against a real `mdpreview stdio --http`:
--   MDPREVIEW_CMD=/path/to/mdpreview nvim --headless -u NONE -i NONE -c 'luafile Editors/nvim/test/http.lua'
--
-- Opens a Markdown file, runs :MdPreviewOpen with no browser set (the URL is printed),
-- then with a browser command, reads the live page's HTML over HTTP (with the token),
-- types, checks the page follows, moves the cursor (a `cursor` request), asks the
-- editor to show a line from the page's side (POST .../reveal) and checks the cursor
-- moved, and stops with :MdPreviewStop.
-- Prints "http: ok ..." and exits 0, or prints what went wrong and exits 1.

local setup = dofile(vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':p:h') .. '/setup.lua')
local api = vim.api
local uv = vim.loop
local timeout_ms = tonumber(os.getenv('MDPREVIEW_E2E_TIMEOUT_MS') or '') or 20000

vim.cmd('runtime plugin/mdpreview.lua')
local mdpreview = require('mdpreview')
mdpreview.setup({ cmd = setup.cmd })

local notes = {}
vim.notify = function(message)
  table.insert(notes, message)
end

-- One HTTP/1.1 request over loopback; returns status and body.
local function http(method, port, path, body)
  local done, status, response = false, nil, ''
  local client = uv.new_tcp()
  client:connect('127.0.0.1', port, function(err)
    assert(not err, err)
    local request = method .. ' ' .. path .. ' HTTP/1.1\r\nHost: 127.0.0.1:' .. port .. '\r\nConnection: close\r\n'
    if body then
      request = request .. 'Content-Type: application/json\r\nContent-Length: ' .. #body .. '\r\n\r\n' .. body
    else
      request = request .. '\r\n'
    end
    client:write(request)
    client:read_start(function(read_err, chunk)
      assert(not read_err, read_err)
      if chunk then
        response = response .. chunk
      else
        client:close()
        done = true
      end
    end)
  end)
  assert(vim.wait(timeout_ms, function() return done end, 10), 'no HTTP response for ' .. path)
  status = tonumber(response:match('^HTTP/1%.1 (%d+)'))
  local payload = response:match('\r\n\r\n(.*)$') or ''
  if response:lower():find('transfer%-encoding: chunked') then
    local out, rest = {}, payload
    while true do
      local size, after = rest:match('^(%x+)\r\n(.*)$')
      if not size or tonumber(size, 16) == 0 then break end
      table.insert(out, after:sub(1, tonumber(size, 16)))
      rest = after:sub(tonumber(size, 16) + 3)
    end
    payload = table.concat(out)
  end
  return status, payload
end

local function fail(message)
  print('http: FAILED: ' .. message)
  for _, line in ipairs(mdpreview.stderr) do print('server stderr: ' .. line) end
  for _, event in ipairs(mdpreview.errors) do print('error event: ' .. vim.json.encode(event)) end
  vim.cmd('cquit 1')
end

local ok, err = pcall(function()
  local folder = vim.fn.tempname()
  vim.fn.mkdir(folder, 'p')
  local file = folder .. '/notes.md'
  vim.fn.writefile({ '# Notes', '', 'first paragraph', '', '- a', '- b' }, file)
  vim.cmd('edit ' .. file)
  local bufnr = api.nvim_get_current_buf()

  -- No browser configured: the URL is printed.
  vim.cmd('MdPreviewOpen')
  local url = mdpreview.url
  assert(url and url:match('^http://127%.0%.0%.1:%d+/%?token=%x+$'), 'no URL: ' .. tostring(url))
  assert(vim.wait(timeout_ms, function()
    return vim.tbl_contains(notes, 'mdpreview: live preview at ' .. url .. ' (set browser in setup() to open it for you)')
  end, 10), 'the URL was not printed: ' .. vim.inspect(notes))
  local port = tonumber(url:match(':(%d+)/'))
  local token = url:match('token=(%x+)')

  local function page_html()
    local status, body = http('GET', port, '/api/documents/1/html?token=' .. token)
    assert(status == 200, 'html route answered ' .. tostring(status))
    return body
  end
  local function expected()
    local text = table.concat(api.nvim_buf_get_lines(bufnr, 0, -1, true), '\n') .. '\n'
    return vim.fn.system({ setup.cmd, 'render', '--profile', 'github' }, text)
  end
  local function wait_page(what)
    local want
    local matched = vim.wait(timeout_ms, function()
      if not mdpreview.is_current(bufnr) then return false end
      want = want or expected()
      return page_html() == want
    end, 20)
    assert(matched, what .. ': the page never showed the buffer; page: ' .. page_html() .. ' expected: ' .. tostring(want))
  end
  wait_page('first render')

  -- The page lists the document under the file's name.
  local status, list = http('GET', port, '/api/documents?token=' .. token)
  assert(status == 200 and list:find('notes.md', 1, true), 'document list: ' .. tostring(status) .. ' ' .. list)
  -- Without the token, nothing.
  assert(http('GET', port, '/api/documents/1/html') == 401, 'the html route answered without the token')

  -- Typing reaches the page.
  api.nvim_win_set_cursor(0, { 3, 0 })
  api.nvim_feedkeys(api.nvim_replace_termcodes('A, typed in Neovim<Esc>', true, false, true), 'nx', false)
  api.nvim_feedkeys(api.nvim_replace_termcodes('Go<CR>## Added heading<Esc>', true, false, true), 'nx', false)
  wait_page('after typing')

  -- The page asks the editor to show line 6 (0-based 5): the cursor goes there.
  api.nvim_win_set_cursor(0, { 1, 0 })
  local reveal_status = http('POST', port, '/api/documents/1/reveal?token=' .. token, '{"line":5}')
  assert(reveal_status == 204, 'reveal answered ' .. tostring(reveal_status))
  assert(vim.wait(timeout_ms, function() return api.nvim_win_get_cursor(0)[1] == 6 end, 10),
    'the cursor did not move to line 6: ' .. vim.inspect(api.nvim_win_get_cursor(0)))

  -- A browser command gets the URL.
  local marker = folder .. '/opened'
  mdpreview.setup({ cmd = setup.cmd, browser = { 'sh', '-c', 'echo "$0" > ' .. marker } })
  vim.cmd('MdPreviewOpen')
  assert(vim.wait(timeout_ms, function() return vim.fn.filereadable(marker) == 1 and #vim.fn.readfile(marker) > 0 end, 10),
    'the browser command did not run')
  assert(vim.fn.readfile(marker)[1] == url, 'the browser command got ' .. vim.inspect(vim.fn.readfile(marker)))

  assert(#mdpreview.errors == 0, 'error events: ' .. vim.json.encode(mdpreview.errors))
  local server = mdpreview.server
  vim.cmd('MdPreviewStop')
  assert(server.bye, 'no bye after :MdPreviewStop')
  print('http: ok (' .. url:gsub('token=%x+', 'token=…') .. ')')
end)

if not ok then
  fail(tostring(err))
else
  vim.cmd('qall!')
end
