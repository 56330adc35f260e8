-- cwm-lsp for Neovim 0.11+: imagined values as inlay hints, hover tables,
-- code lenses, diagnostics and `??` hole fills.
--
-- Use it from your init.lua:
--
--   dofile("/path/to/cwm-lsp/editor/nvim/cwm.lua").setup({
--     -- everything below is optional
--     cmd = { "cwm-lsp", "--stdio" },
--     settings = { model = { path = "" }, prediction = { temperature = 0.0, maxFrames = 200 } },
--   })
--
-- Commands: :CwmSimulateAgain, :CwmSimulateWithInputs {args}, :CwmRunAndCompare,
-- :CwmStatus.  The server speaks plain LSP; nothing here is required for hints.

local M = {}

local function enclosing_function(bufnr)
  -- the code lens row of the function holding the cursor gives its name
  local row = vim.api.nvim_win_get_cursor(0)[1] - 1
  local best
  for _, lens in ipairs(vim.lsp.codelens.get(bufnr)) do
    local cmd = lens.command
    if cmd and cmd.arguments and lens.range.start.line <= row then
      if not best or lens.range.start.line > best.range.start.line then
        best = lens
      end
    end
  end
  return best and best.command.arguments[2]
end

local function execute(bufnr, command, arguments)
  local client = vim.lsp.get_clients({ bufnr = bufnr, name = "cwm" })[1]
  if not client then
    vim.notify("cwm: the language server is not attached", vim.log.levels.WARN)
    return
  end
  client:exec_cmd({ title = command, command = command, arguments = arguments }, { bufnr = bufnr })
end

local function with_function(fn)
  return function(opts)
    local bufnr = vim.api.nvim_get_current_buf()
    local name = enclosing_function(bufnr)
    if not name then
      vim.notify("cwm: put the cursor in a function", vim.log.levels.WARN)
      return
    end
    fn(bufnr, vim.uri_from_bufnr(bufnr), name, opts)
  end
end

M.defaults = {
  name = "cwm",
  cmd = { "cwm-lsp", "--stdio" },
  filetypes = { "python" },
  root_markers = { "pyproject.toml", "setup.py", ".git" },
  settings = {
    model = { path = "", gpuLayers = -1, contextSize = 4096, threads = 0 },
    prediction = { temperature = 0.0, maxFrames = 200 },
    features = { inlayHints = true, hover = true, codeLens = true, diagnostics = true, codeActions = true },
  },
  inlay_hints = true,
  code_lens = true,
}

function M.setup(opts)
  local o = vim.tbl_deep_extend("force", M.defaults, opts or {})

  -- "simulate with other inputs" asks for the inputs here, then runs on the server
  vim.lsp.commands["cwm.simulateWithInputs"] = function(command, ctx)
    local args = command.arguments or {}
    if args[3] then
      execute(ctx.bufnr, command.command, args)
      return
    end
    vim.ui.input({ prompt = "inputs for " .. tostring(args[2]) .. ": " }, function(input)
      if input and input ~= "" then
        execute(ctx.bufnr, command.command, { args[1], args[2], input })
      end
    end)
  end

  vim.lsp.config(o.name, {
    cmd = o.cmd,
    filetypes = o.filetypes,
    root_markers = o.root_markers,
    init_options = vim.tbl_extend("force", o.settings, { trusted = o.trusted ~= false }),
    settings = { cwm = o.settings },
    handlers = {
      ["cwm/status"] = function(_, status)
        M.status = status
        if status and status.state == "error" then
          vim.notify("cwm: " .. tostring(status.message), vim.log.levels.ERROR)
        end
      end,
    },
  })

  local group = vim.api.nvim_create_augroup("cwm-lsp", { clear = true })
  vim.api.nvim_create_autocmd("LspAttach", {
    group = group,
    callback = function(args)
      local client = vim.lsp.get_client_by_id(args.data.client_id)
      if not client or client.name ~= o.name then
        return
      end
      if o.inlay_hints then
        vim.lsp.inlay_hint.enable(true, { bufnr = args.buf })
      end
      if o.code_lens then
        vim.lsp.codelens.refresh({ bufnr = args.buf })
        vim.api.nvim_create_autocmd({ "BufEnter", "InsertLeave", "BufWritePost" }, {
          group = group,
          buffer = args.buf,
          callback = function()
            vim.lsp.codelens.refresh({ bufnr = args.buf })
          end,
        })
      end
    end,
  })

  vim.api.nvim_create_user_command("CwmSimulateAgain", with_function(function(bufnr, uri, name)
    execute(bufnr, "cwm.simulateAgain", { uri, name })
  end), {})
  vim.api.nvim_create_user_command("CwmSimulateWithInputs", with_function(function(bufnr, uri, name, cmd)
    vim.lsp.commands["cwm.simulateWithInputs"](
      { command = "cwm.simulateWithInputs", arguments = { uri, name, cmd.args ~= "" and cmd.args or nil } },
      { bufnr = bufnr }
    )
  end), { nargs = "?" })
  vim.api.nvim_create_user_command("CwmRunAndCompare", with_function(function(bufnr, uri, name)
    execute(bufnr, "cwm.runAndCompare", { uri, name })
  end), {})
  vim.api.nvim_create_user_command("CwmStatus", function()
    vim.print(M.status or "cwm: no status yet")
  end, {})

  vim.lsp.enable(o.name)
  return o
end

return M
