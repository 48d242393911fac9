-- Shared set-up of the plugin's headless tests: the plugin on the runtime path and the
-- server command from MDPREVIEW_CMD (default "mdpreview" on PATH).
--   local setup = dofile(vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':p:h') .. '/setup.lua')
local root = vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':p:h:h')
vim.opt.runtimepath:prepend(root)
package.path = root .. '/lua/?.lua;' .. root .. '/lua/?/init.lua;' .. package.path

local cmd = os.getenv('MDPREVIEW_CMD')
if cmd == nil or cmd == '' then
  cmd = 'mdpreview'
end
return { root = root, cmd = cmd }
