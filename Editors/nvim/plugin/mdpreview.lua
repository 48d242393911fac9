-- mdpreview: live Markdown preview through `mdpreview stdio`.
-- Commands:
--   :MdPreviewStart   start the server (if needed) and preview the current buffer
--   :MdPreviewStop    close every previewed buffer and shut the server down
--   :MdPreviewRender  render the current buffer now (also after a pause for failed renders)
if vim.g.loaded_mdpreview then
  return
end
vim.g.loaded_mdpreview = 1

vim.api.nvim_create_user_command('MdPreviewStart', function()
  require('mdpreview').start(vim.api.nvim_get_current_buf())
end, { desc = 'Preview the current buffer with mdpreview stdio' })

vim.api.nvim_create_user_command('MdPreviewStop', function()
  require('mdpreview').stop()
end, { desc = 'Stop the mdpreview server' })

vim.api.nvim_create_user_command('MdPreviewRender', function()
  require('mdpreview').render(vim.api.nvim_get_current_buf())
end, { desc = 'Render the current buffer now' })
