-- mdpreview: live Markdown preview through `mdpreview stdio`.
-- Commands:
--   :MdPreviewOpen    the live preview of the current buffer in the browser
--   :MdPreviewStart   start the server (if needed) and preview the current buffer
--   :MdPreviewStop    close every previewed buffer and shut the server down
--   :MdPreviewRender  render the current buffer now (also after a pause for failed renders)
if vim.g.loaded_mdpreview then
  return
end
vim.g.loaded_mdpreview = 1

vim.api.nvim_create_user_command('MdPreviewOpen', function()
  require('mdpreview').open(vim.api.nvim_get_current_buf())
end, { desc = 'Open the live preview of the current buffer in the browser' })

vim.api.nvim_create_user_command('MdPreviewStart', function()
  local bufnr = vim.api.nvim_get_current_buf()
  require('mdpreview').start(bufnr)
  vim.notify('mdpreview: previewing buffer ' .. bufnr .. ' (no page; :MdPreviewOpen shows it in the browser)', vim.log.levels.INFO)
end, { desc = 'Preview the current buffer with mdpreview stdio' })

vim.api.nvim_create_user_command('MdPreviewStop', function()
  require('mdpreview').stop()
end, { desc = 'Stop the mdpreview server' })

vim.api.nvim_create_user_command('MdPreviewRender', function()
  require('mdpreview').render(vim.api.nvim_get_current_buf())
end, { desc = 'Render the current buffer now' })
