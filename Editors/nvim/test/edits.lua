-- Checks the plugin's edit computation without a server:
--   nvim --headless -u NONE -i NONE -c 'luafile Editors/nvim/test/edits.lua'
-- A fake transport captures every request. Each request is replayed on a Lua string (a
-- replica of the server's document, in UTF-8 bytes as "unit":"utf8" says) and, after
-- every editor operation, the replica must equal the buffer's text (lines joined by
-- "\n" plus a final "\n"). Operations: normal-mode commands, Ex commands, insert mode
-- typed with feedkeys, undo/redo, and many random API edits with multi-byte text.
-- Prints "edits: ok ..." and exits 0, or prints the first mismatch and exits 1.

local script = debug.getinfo(1, 'S').source:sub(2)
local root = vim.fn.fnamemodify(script, ':p:h:h')
vim.opt.runtimepath:prepend(root)
package.path = root .. '/lua/?.lua;' .. root .. '/lua/?/init.lua;' .. package.path

local function fail(message)
  io.stderr:write('edits: FAILED: ' .. message .. '\n')
  vim.cmd('cq')
end

local ok, err = pcall(function()
  local mdpreview = require('mdpreview')
  local sent = {}
  mdpreview.setup({
    transport = function(_)
      return {
        send = function(line)
          table.insert(sent, line)
        end,
        stop = function() end,
      }
    end,
  })

  local api = vim.api
  local replicas = {}
  local applied = 0
  local edits = 0
  local transactions = 0

  local function apply(text, pos, del, ins, where)
    assert(type(pos) == 'number' and type(del) == 'number' and type(ins) == 'string', where .. ': bad patch')
    assert(pos >= 0 and del >= 0 and pos + del <= #text,
      string.format('%s: patch pos=%d del=%d outside text of %d bytes', where, pos, del, #text))
    edits = edits + 1
    return text:sub(1, pos) .. ins .. text:sub(pos + del + 1)
  end

  -- Replays the requests sent since the last call.
  local function replay()
    while applied < #sent do
      applied = applied + 1
      local line = sent[applied]
      assert(not line:find('\n'), 'a request spans several lines')
      local message = vim.json.decode(line)
      assert(type(message.id) == 'number', 'request without id: ' .. line)
      if message.op == 'open' then
        replicas[message.doc] = message.text
      elseif message.op == 'edit' then
        assert(message.unit == 'utf8', 'edit not in utf8: ' .. line)
        local text = assert(replicas[message.doc], 'edit of an unopened doc')
        transactions = transactions + 1
        if message.patches then
          assert(message.pos == nil, 'patches and pos together')
          assert(#message.patches > 1, 'patches with one patch')
          for i, patch in ipairs(message.patches) do
            text = apply(text, patch.pos, patch.del, patch.ins, 'patch ' .. i)
          end
        else
          text = apply(text, message.pos, message.del, message.ins, 'edit')
        end
        replicas[message.doc] = text
      elseif message.op == 'replace' then
        -- Only after Neovim misreported sizes (checked in step()).
        replicas[message.doc] = message.text
      elseif message.op == 'close' or message.op == 'shutdown' then
        replicas[message.doc or ''] = nil
      else
        error('unexpected request ' .. line:sub(1, 200))
      end
    end
  end

  local function buffer_text(bufnr)
    return table.concat(api.nvim_buf_get_lines(bufnr, 0, -1, true), '\n') .. '\n'
  end

  local function show(text)
    return vim.inspect(text:sub(1, 300))
  end

  local steps = 0
  local resyncs_seen = 0
  local resync_steps = {}
  -- Runs `action`, lets the scheduled flush run, and compares.
  -- Every on_bytes report of the current step, for the failure message.
  local reports = {}
  local history = {}
  local function step(name, bufnr, action)
    local text_before = buffer_text(bufnr)
    reports = {}
    local description = action()
    if description then
      name = name .. ' [' .. description .. ']'
    end
    table.insert(history, name)
    steps = steps + 1
    local state = mdpreview.docs[bufnr]
    assert(state, name .. ': buffer not previewed')
    vim.wait(1000, function()
      return not state.flush_scheduled
    end, 1)
    assert(not state.flush_scheduled, name .. ': flush did not run')
    local replayed, problem = pcall(replay)
    if not replayed then
      error(name .. ': ' .. tostring(problem))
    end
    local expected = buffer_text(bufnr)
    local got = replicas[state.doc]
    if got ~= expected then
      error(string.format('%s: replica differs from the buffer\n  before:  %s\n  buffer:  %s\n  replica: %s\n  on_bytes: %s\n  sent: %s\n  register: %s\n  previous steps: %s',
        name, show(text_before), show(expected), show(got or '<nil>'), table.concat(reports, ' '), sent[#sent]:sub(1, 300), vim.inspect(vim.fn.getreginfo('"')),
        table.concat(history, '; ', math.max(1, #history - 5), #history - 1)))
    end
    local reasons = mdpreview.stats.resync_reasons
    for reason, count in pairs(reasons) do
      if reason ~= 'size' and count > 0 then
        error(name .. ': the plugin resynchronised for reason ' .. reason)
      end
    end
    if mdpreview.stats.resyncs > resyncs_seen then
      resyncs_seen = mdpreview.stats.resyncs
      table.insert(resync_steps, name)
    end
  end

  local function normal(keys)
    vim.cmd('silent normal! ' .. api.nvim_replace_termcodes(keys, true, false, true))
  end

  local function feed(keys)
    api.nvim_feedkeys(api.nvim_replace_termcodes(keys, true, false, true), 'nx', false)
  end

  -- 1. Scripted operations on a buffer with some text.
  local buf = api.nvim_create_buf(true, true)
  api.nvim_set_current_buf(buf)
  api.nvim_buf_set_lines(buf, 0, -1, true, { '# Title', '', 'Some text with é and 😀.', 'last line' })
  mdpreview.start(buf)
  api.nvim_buf_attach(buf, false, {
    on_bytes = function(...)
      table.insert(reports, vim.inspect({ select(4, ...) }))
    end,
  })
  replay()
  assert(replicas[tostring(buf)] == buffer_text(buf), 'open text differs')

  local scripted = {
    { 'insert at start', function() normal('ggiHello ') end },
    { 'insert multibyte mid-line', function() normal('3G5|ié€😀日本') end },
    { 'x on multibyte', function() normal('3G0fé x') end },
    { 'x several', function() normal('3G03x') end },
    { 'o new line', function() normal('ggo- item *one*') end },
    { 'O above first', function() normal('ggOfront matter') end },
    { 'dd middle', function() normal('3Gdd') end },
    { 'yyp', function() normal('2Gyyp') end },
    { 'P line above', function() normal('yyP') end },
    { 'J join', function() normal('ggJ') end },
    { '3J join', function() normal('gg3J') end },
    { 'undo', function() normal('u') end },
    { 'redo', function() normal('<C-r>') end },
    { 'substitute g', function() vim.cmd('silent! %s/e/E/g') end },
    { 'substitute multibyte to ascii', function() vim.cmd('silent! %s/😀/:)/g') end },
    { 'substitute with newline', function() vim.cmd([[silent! %s/ /\r/]]) end },
    { 'indent', function() normal('gg>>') end },
    { 'indent range', function() vim.cmd('1,3>') end },
    { 'dedent', function() normal('gg<<') end },
    { 'sort', function() vim.cmd('sort') end },
    { 'g delete', function() vim.cmd('silent! g/^\\s*$/d') end },
    { 'move to top', function() vim.cmd('$m 0') end },
    { 'copy line', function() vim.cmd('1t$') end },
    { 'visual block insert', function() normal('gg<C-v>jjI> <Esc>') end },
    { 'visual block delete', function() normal('gg<C-v>jjlld') end },
    { 'visual block append $', function() normal('gg<C-v>j$A;<Esc>') end },
    { 'tilde', function() normal('gg0~~~') end },
    { 'gUU', function() normal('2GgUU') end },
    { 'replace char with multibyte', function() normal('gg0rß') end },
    { 'R mode', function() normal('2G0Rüber<Esc>') end },
    { 'cw', function() normal('gg0cwchanged<Esc>') end },
    { 'xp transpose', function() normal('gg0xp') end },
    { 'dot repeat', function() normal('2G0cwagain<Esc>j.') end },
    { 'A at end of last line', function() normal('GAend') end },
    { 'ddp on last line', function() normal('Gkddp') end },
    { 'dd last line', function() normal('Gdd') end },
    { 'put after last line', function() vim.cmd([[$put ='appended é']]) end },
    { 'put before first line', function() vim.cmd([[0put ='prepended']]) end },
    { 'join range', function() vim.cmd('1,2join') end },
    { 'insert mode typing', function() feed('Go typed in insert mode<CR>second line<Esc>') end },
    { 'insert backspace across lines', function() feed('GA<BS><BS><BS><BS><BS><BS><BS><BS><BS><BS><BS><BS><BS><Esc>') end },
    { 'insert CR mid-line', function() feed('gg0wi<CR><Esc>') end },
    { 'insert C-w', function() feed('ggA two words<C-w><C-w><Esc>') end },
    { 'dap', function() normal('ggdap') end },
    { 'undo several', function() normal('uuu') end },
    { 'redo several', function() normal('<C-r><C-r>') end },
    { 'set_lines replace all', function() api.nvim_buf_set_lines(buf, 0, -1, true, { 'a', 'bé', 'c' }) end },
    { 'set_lines insert at end', function() api.nvim_buf_set_lines(buf, -1, -1, true, { 'x', 'y' }) end },
    { 'set_lines delete middle', function() api.nvim_buf_set_lines(buf, 1, 3, true, {}) end },
    { 'set_text multi-line', function() api.nvim_buf_set_text(buf, 0, 1, 1, 0, { 'X', 'Y', 'Z' }) end },
    { 'put charwise', function() api.nvim_put({ 'p1', 'p2' }, 'c', true, false) end },
    { 'put linewise', function() api.nvim_put({ 'line put' }, 'l', true, false) end },
    { 'put blockwise', function() api.nvim_put({ 'b1', 'b2' }, 'b', false, false) end },
    { 'delete everything', function() normal('ggdG') end },
    { 'type into empty buffer', function() normal('ifresh') end },
    { 'delete all with :%d', function() vim.cmd('%d') end },
    { 'o in empty buffer', function() normal('oline two') end },
    { 'undo to the start', function() vim.cmd('silent! undo 0') end },
    { 'redo all', function() vim.cmd('silent! redo') end },
    -- One operation whose later changes touch the text an earlier one inserted: sent
    -- as one covering patch.
    { 'overlapping changes in one operation', function() normal('ggixyz<BS><BS>w<Esc>') end, 'single' },
    -- Later changes before earlier ones move their inserted text.
    { 'insert at end, then delete before it', function() normal('gg$ahello é<Esc>0xx') end, 3 },
    { 'insert at end, then replace before it', function() normal('gg$a tail<Esc>0cwΩ<Esc>') end, 3 },
    { 'empty the buffer through the API', function() api.nvim_buf_set_lines(buf, 0, -1, true, {}) end },
    { 'type after emptying through the API', function() normal('ifilled') end },
    { 'many lines', function()
      local lines = {}
      for i = 1, 100 do
        lines[i] = 'a é a ' .. i
      end
      api.nvim_buf_set_lines(buf, 0, -1, true, lines)
    end },
    -- More changes than are checked one by one: one covering patch.
    { 'substitute 200 matches', function() vim.cmd('silent! %s/a/bb/g') end, 'single' },
    { 'substitute sparse matches', function() vim.cmd('silent! %s/9$/nine/') end, 10 },
  }
  for _, item in ipairs(scripted) do
    step(item[1], buf, item[2])
    local shape = item[3]
    if shape then
      local message = vim.json.decode(sent[#sent])
      if shape == 'single' then
        assert(message.op == 'edit' and message.pos ~= nil, item[1] .. ': expected one covering patch, got ' .. sent[#sent]:sub(1, 200))
      else
        assert(message.patches and #message.patches >= shape, item[1] .. ': expected at least ' .. shape .. ' patches, got ' .. sent[#sent]:sub(1, 200))
      end
    end
  end

  -- 2. 'noeol' buffers: the model still ends with "\n".
  step('noeol set', buf, function()
    vim.bo[buf].eol = false
    vim.bo[buf].fixeol = false
    api.nvim_buf_set_lines(buf, 0, -1, true, { 'no', 'eol' })
  end)
  step('noeol append at end', buf, function() normal('GAmore') end)
  step('noeol new last line', buf, function() normal('Go+') end)
  step('noeol delete last line', buf, function() normal('Gdd') end)
  vim.bo[buf].eol = true
  vim.bo[buf].fixeol = true
  -- None of the scripted operations needs a resynchronisation.
  assert(#resync_steps == 0, 'resynchronised in scripted steps: ' .. table.concat(resync_steps, '; '))

  -- 3. Random edits through the API at character boundaries, with multi-byte text.
  local seed = tonumber(os.getenv('MDPREVIEW_EDITS_SEED') or '') or 12345
  local state = seed
  local function random(n)
    -- A small LCG, reproducible across LuaJIT versions.
    state = (state * 1103515245 + 12345) % 2147483648
    return state % n
  end
  local pieces = { 'a', 'bc', ' ', 'é', '€', '😀', '日本', '\n', '# ', '*', '\n\n', '`code`', 'ß', 'x\ny' }
  local function random_text()
    local parts = {}
    for _ = 1, 1 + random(4) do
      parts[#parts + 1] = pieces[random(#pieces) + 1]
    end
    return table.concat(parts)
  end
  local function random_position()
    local count = api.nvim_buf_line_count(buf)
    local row = random(count)
    local line = api.nvim_buf_get_lines(buf, row, row + 1, true)[1]
    local chars = vim.fn.strchars(line)
    local col = vim.fn.byteidx(line, random(chars + 1))
    return row, col
  end
  local function before(r1, c1, r2, c2)
    return r1 < r2 or (r1 == r2 and c1 <= c2)
  end
  local random_steps = tonumber(os.getenv('MDPREVIEW_EDITS_STEPS') or '') or 400
  local function random_run(label, count)
    api.nvim_buf_set_lines(buf, 0, -1, true, { 'start é', 'of 😀 the', 'random part' })
    step(label .. ' seed text', buf, function() end)
    for i = 1, count do
      step(label .. ' random edit ' .. i .. ' (seed ' .. seed .. ')', buf, function()
        local kind = random(10)
        if kind < 6 then
          local r1, c1 = random_position()
          local r2, c2 = random_position()
          if not before(r1, c1, r2, c2) then
            r1, c1, r2, c2 = r2, c2, r1, c1
          end
          if random(3) == 0 then
            r2, c2 = r1, c1
          end
          local text = random_text()
          api.nvim_buf_set_text(buf, r1, c1, r2, c2, vim.split(text, '\n', { plain = true }))
          return string.format('set_text %d,%d-%d,%d %s', r1, c1, r2, c2, vim.inspect(text))
        elseif kind < 8 then
          local count = api.nvim_buf_line_count(buf)
          local a = random(count + 1)
          local b = a + random(math.min(3, count - a) + 1)
          local lines = random(4) == 0 and {} or vim.split(random_text(), '\n', { plain = true })
          api.nvim_buf_set_lines(buf, a, b, true, lines)
          return string.format('set_lines %d-%d %s', a, b, vim.inspect(lines))
        else
          local commands = { 'x', 'dd', 'J', 'p', 'P', 'u', '<C-r>', 'o+<Esc>', '~', 'D', 'yyp', 'X', 'r!', '3J', 'ddu' }
          local row, col = random_position()
          api.nvim_win_set_cursor(0, { row + 1, col })
          local command = commands[random(#commands) + 1]
          normal(command)
          return string.format('normal %s at %d,%d', command, row, col)
        end
      end)
    end
  end
  random_run('eol', random_steps)
  vim.bo[buf].eol = false
  vim.bo[buf].fixeol = false
  random_run('noeol', math.floor(random_steps / 4))
  vim.bo[buf].eol = true
  vim.bo[buf].fixeol = true

  -- 4. Several changes in one operation go out as one transaction.
  local before_transactions = transactions
  step('one transaction for :s///g over lines', buf, function()
    api.nvim_buf_set_lines(buf, 0, -1, true, { 'a a a', 'a b a', 'c' })
  end)
  step('substitute all', buf, function() vim.cmd('silent! %s/a/xyz/g') end)
  assert(transactions - before_transactions == 2, 'the substitution was not one transaction')

  -- 5. Closing sends close; later changes are not sent.
  local count_before = #sent
  mdpreview.close_buffer(buf)
  replay()
  api.nvim_buf_set_lines(buf, 0, -1, true, { 'after close' })
  vim.wait(50)
  assert(#sent == count_before + 1, 'changes after close were sent')
  assert(vim.json.decode(sent[#sent]).op == 'close', 'close_buffer did not send close')

  -- 6. stop sends shutdown (the fake server never answers; do not wait).
  mdpreview.stop(0)
  assert(vim.json.decode(sent[#sent]).op == 'shutdown', 'stop did not send shutdown')
  assert(mdpreview.server == nil, 'stop left the server registered')

  -- Resynchronisations are for Neovim's misreports only: few, and never in the
  -- scripted part that does not undo whole-buffer deletions.
  assert(#resync_steps <= steps / 20, 'too many resynchronisations: ' .. table.concat(resync_steps, '; '))
  io.stdout:write(string.format('edits: ok %d steps, %d transactions, %d patches replayed, %d resyncs after Neovim misreports%s\n',
    steps, transactions, edits, #resync_steps, #resync_steps > 0 and (' (' .. table.concat(resync_steps, '; ') .. ')') or ''))
end)

if not ok then
  fail(tostring(err))
else
  vim.cmd('qa!')
end
