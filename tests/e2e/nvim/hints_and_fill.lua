-- Headless Neovim: start cwm-lsp with the user config (editor/nvim/cwm.lua),
-- open a file, wait for inlay hints, write them to JSON, apply the hole-filling
-- code action the server offers, write the buffer.
--
-- Environment: CWM_REPO, CWM_FILE, CWM_OUT (JSON result), CWM_SERVER_CMD (JSON
-- array), CWM_SETTINGS (JSON), CWM_HINT_LINE and CWM_HOLE_LINE (0-based),
-- CWM_TIMEOUT (ms).

local env = vim.env
local result = { hints = {}, actions = {}, errors = {} }
local timeout = tonumber(env.CWM_TIMEOUT or "240000")

local function finish(code)
  local f = assert(io.open(env.CWM_OUT, "w"))
  f:write(vim.json.encode(result))
  f:close()
  vim.cmd((code == 0) and "qa!" or ("cquit " .. code))
end

local function main()
  vim.cmd("filetype on")
  local cwm = dofile(env.CWM_REPO .. "/editor/nvim/cwm.lua")
  cwm.setup({
    cmd = vim.json.decode(env.CWM_SERVER_CMD),
    settings = vim.json.decode(env.CWM_SETTINGS or "{}"),
    root_markers = { ".git", "pyproject.toml" },
  })
  vim.cmd.edit(env.CWM_FILE)
  local bufnr = vim.api.nvim_get_current_buf()

  assert(vim.wait(30000, function()
    return #vim.lsp.get_clients({ bufnr = bufnr, name = "cwm" }) > 0
  end, 50), "cwm-lsp did not attach")
  local client = vim.lsp.get_clients({ bufnr = bufnr, name = "cwm" })[1]
  result.inlay_hints_enabled = vim.lsp.inlay_hint.is_enabled({ bufnr = bufnr })

  -- hints come in through workspace/inlayHint/refresh once the model has predicted
  local hint_line = tonumber(env.CWM_HINT_LINE or "1")
  local ok = vim.wait(timeout, function()
    for _, item in ipairs(vim.lsp.inlay_hint.get({ bufnr = bufnr })) do
      if item.inlay_hint.position.line == hint_line then
        return true
      end
    end
    return false
  end, 200)
  for _, item in ipairs(vim.lsp.inlay_hint.get({ bufnr = bufnr })) do
    local h = item.inlay_hint
    local label = h.label
    if type(label) == "table" then
      local parts = {}
      for _, p in ipairs(label) do
        table.insert(parts, p.value)
      end
      label = table.concat(parts)
    end
    table.insert(result.hints, { line = h.position.line, character = h.position.character, label = label })
  end
  if not ok then
    table.insert(result.errors, "no inlay hint on line " .. hint_line)
  end

  -- the hole's fills: ask until the server has them (it never waits for the model)
  local hole_line = tonumber(env.CWM_HOLE_LINE or "-1")
  if hole_line >= 0 then
    vim.api.nvim_win_set_cursor(0, { hole_line + 1, 0 })
    local params = vim.lsp.util.make_range_params(0, client.offset_encoding)
    params.range = { start = { line = hole_line, character = 0 }, ["end"] = { line = hole_line, character = 200 } }
    params.context = { diagnostics = {} }
    local actions = {}
    vim.wait(timeout, function()
      local response = client:request_sync("textDocument/codeAction", params, 5000, bufnr)
      actions = (response and response.result) or {}
      return #actions > 0
    end, 500)
    for _, a in ipairs(actions) do
      table.insert(result.actions, { title = a.title, preferred = a.isPreferred == true })
    end
    if #actions == 0 then
      table.insert(result.errors, "no code action for the hole")
    else
      -- what a user does: pick the preferred fix through Neovim's own code action UI
      local before = vim.api.nvim_buf_get_changedtick(bufnr)
      vim.lsp.buf.code_action({
        apply = true,
        filter = function(a)
          return a.isPreferred == true
        end,
        range = { start = { hole_line + 1, 0 }, ["end"] = { hole_line + 1, 200 } },
      })
      if not vim.wait(30000, function()
        return vim.api.nvim_buf_get_changedtick(bufnr) ~= before
      end, 50) then
        table.insert(result.errors, "the code action did not change the buffer")
      end
      vim.cmd("write")
    end
  end
  result.lines = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
end

local ok, err = pcall(main)
if not ok then
  table.insert(result.errors, tostring(err))
end
finish(#result.errors == 0 and 0 or 1)
