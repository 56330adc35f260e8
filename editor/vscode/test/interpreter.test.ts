import assert from "node:assert/strict";
import * as os from "node:os";
import * as path from "node:path";
import { beforeEach, describe, it } from "node:test";
import {
  interpreterSettingsScope,
  onActivePythonEnvironmentChange,
  openInterpreterSettings,
  probeCommand,
  PYTHON_EXTENSION_ID,
  vscodeInterpreterSources,
} from "../src/discovery";
import {
  DEFAULT_INTERPRETER,
  cwmLspOnPath,
  debugAdapterCommand,
  expandInterpreterPath,
  findInterpreter,
  interpreterCandidates,
  noServerMessage,
  serverCommand,
  versionCommand,
  type InterpreterSources,
  type ProbeResult,
  type ProcessCommand,
  type PythonEnvironmentsApi,
} from "../src/interpreter";
import { stub } from "./vscode-stub";

function pythonExtension(api: PythonEnvironmentsApi, isActive = true) {
  return { isActive, exports: api, activate: () => Promise.resolve(api) };
}

const activeVenv: PythonEnvironmentsApi = {
  environments: {
    getActiveEnvironmentPath: () => ({ id: "venv", path: "/proj/.venv" }),
    resolveEnvironment: () => Promise.resolve({ executable: { uri: { fsPath: "/proj/.venv/bin/python" } } }),
  },
};

/** Sources over a pretend machine: `files` exist and are executable, `working` answer --version. */
function machine(options: {
  configured?: string;
  python?: PythonEnvironmentsApi;
  folder?: string;
  files?: string[];
  searchPath?: string;
  working?: string[];
}): InterpreterSources & { probed: ProcessCommand[] } {
  const probed: ProcessCommand[] = [];
  return {
    probed,
    configured: () => options.configured,
    pythonExtension: () => Promise.resolve(options.python),
    workspaceFolder: options.folder,
    isExecutable: (file) => (options.files ?? []).includes(file),
    searchPath: options.searchPath,
    platform: "linux",
    probe: (command): Promise<ProbeResult> => {
      probed.push(command);
      return Promise.resolve(
        (options.working ?? []).includes(command.command)
          ? { ok: true, version: "cwm-lsp 0.1.0" }
          : { ok: false, detail: `${command.command}: No module named cwm_lsp` },
      );
    },
  };
}

describe("where the server is looked for", () => {
  beforeEach(() => stub.reset());

  it("takes only the cwm.interpreter setting when it is set: a typo is reported, not hidden", async () => {
    const found = await findInterpreter(
      machine({ configured: "/opt/py/bin/python3.12", python: activeVenv, working: ["/proj/.venv/bin/python"] }),
    );
    assert.equal(found.chosen, undefined);
    assert.deepEqual(
      found.attempts.map((attempt) => attempt.interpreter),
      [{ path: "/opt/py/bin/python3.12", source: "setting" }],
    );
  });

  it("without a setting tries the Python extension, the workspace venv, cwm-lsp on the PATH, then python3", async () => {
    const candidates = await interpreterCandidates(
      machine({
        python: activeVenv,
        folder: "/w",
        files: ["/w/.venv/bin/python", "/home/u/.local/bin/cwm-lsp"],
        searchPath: "/usr/bin:/home/u/.local/bin",
      }),
    );
    assert.deepEqual(candidates, [
      { path: "/proj/.venv/bin/python", source: "python-extension" },
      { path: "/w/.venv/bin/python", source: "workspace-venv" },
      { path: "/home/u/.local/bin/cwm-lsp", source: "path", executable: true },
      { path: DEFAULT_INTERPRETER, source: "default" },
    ]);
  });

  it("starts from the workspace's .venv in a window where no setting reaches it (a remote window)", async () => {
    const sources = machine({ folder: "/w", files: ["/w/.venv/bin/python"], working: ["/w/.venv/bin/python"] });
    const found = await findInterpreter(sources);
    assert.deepEqual(found.chosen, { path: "/w/.venv/bin/python", source: "workspace-venv" });
    assert.equal(found.version, "cwm-lsp 0.1.0");
    assert.deepEqual(sources.probed, [{ command: "/w/.venv/bin/python", args: ["-m", "cwm_lsp", "--version"] }]);
  });

  it("starts the cwm-lsp executable on the PATH when no Python candidate has the package", async () => {
    const sources = machine({
      folder: "/w",
      files: ["/w/venv/bin/python", "/pipx/bin/cwm-lsp"],
      searchPath: "/pipx/bin",
      working: ["/pipx/bin/cwm-lsp"],
    });
    const found = await findInterpreter(sources);
    assert.deepEqual(found.chosen, { path: "/pipx/bin/cwm-lsp", source: "path", executable: true });
    assert.deepEqual(
      sources.probed.map((command) => [command.command, ...command.args].join(" ")),
      ["/w/venv/bin/python -m cwm_lsp --version", "/pipx/bin/cwm-lsp --version"],
    );
  });

  it("names every candidate and what it said when none runs cwm-lsp", async () => {
    const found = await findInterpreter(machine({ folder: "/w", files: ["/w/.venv/bin/python"] }));
    assert.equal(found.chosen, undefined);
    const message = noServerMessage(found.attempts, "Remote");
    assert.match(message, /\/w\/\.venv\/bin\/python \(the workspace's virtual environment\): .*No module named cwm_lsp/);
    assert.match(message, new RegExp(`${DEFAULT_INTERPRETER} \\(the default\\)`));
    assert.match(message, /set cwm.interpreter in the Remote settings/);
  });

  it("finds cwm-lsp on a Windows PATH as cwm-lsp.exe", () => {
    const found = cwmLspOnPath({
      searchPath: "C:\\py\\Scripts;C:\\tools",
      platform: "win32",
      isExecutable: (file) => file === "C:\\tools\\cwm-lsp.exe",
    });
    assert.equal(found, "C:\\tools\\cwm-lsp.exe");
  });

  it("uses the Python extension's environment when the extension can resolve it", async () => {
    stub.extensions.set(PYTHON_EXTENSION_ID, pythonExtension(activeVenv, false));
    const candidates = await interpreterCandidates({ ...vscodeInterpreterSources(), isExecutable: () => false });
    assert.deepEqual(candidates[0], { path: "/proj/.venv/bin/python", source: "python-extension" });
  });

  it("takes the active environment's path when the extension cannot resolve it", async () => {
    const candidates = await interpreterCandidates(
      machine({ python: { environments: { getActiveEnvironmentPath: () => ({ id: "x", path: "/usr/bin/python3.11" }) } } }),
    );
    assert.deepEqual(candidates[0], { path: "/usr/bin/python3.11", source: "python-extension" });
  });

  it("goes on without the Python extension when it throws, and logs why", async () => {
    const logged: string[] = [];
    const broken: PythonEnvironmentsApi = {
      environments: {
        getActiveEnvironmentPath: () => {
          throw new Error("not ready");
        },
      },
    };
    const candidates = await interpreterCandidates({
      ...machine({ python: broken }),
      log: (message) => logged.push(message),
    });
    assert.deepEqual(candidates, [{ path: DEFAULT_INTERPRETER, source: "default" }]);
    assert.match(logged.join("\n"), /not ready/);
  });

  it("does not ask the Python extension when the setting names an interpreter", async () => {
    let asked = false;
    await interpreterCandidates({
      ...machine({ configured: "/usr/bin/python3" }),
      pythonExtension: () => {
        asked = true;
        return Promise.resolve(activeVenv);
      },
    });
    assert.equal(asked, false);
  });

  it("expands ${workspaceFolder} and ~ in the setting", () => {
    assert.equal(expandInterpreterPath("${workspaceFolder}/.venv/bin/python", "/w"), "/w/.venv/bin/python");
    assert.equal(expandInterpreterPath("~/py/bin/python"), path.join(os.homedir(), "py/bin/python"));
  });
});

describe("the commands that start cwm-lsp", () => {
  const python = { path: "/v/bin/python", source: "setting" as const };
  const executable = { path: "/b/cwm-lsp", source: "path" as const, executable: true };

  it("passes --stdio exactly once (the client's stdio transport would add a second)", () => {
    assert.deepEqual(serverCommand(python), { command: "/v/bin/python", args: ["-m", "cwm_lsp", "--stdio"] });
    assert.deepEqual(serverCommand(executable), { command: "/b/cwm-lsp", args: ["--stdio"] });
  });

  it("checks a candidate with --version and starts the standalone adapter with dap", () => {
    assert.deepEqual(versionCommand(python).args, ["-m", "cwm_lsp", "--version"]);
    assert.deepEqual(debugAdapterCommand(python), { command: "/v/bin/python", args: ["-m", "cwm_lsp", "dap"] });
    assert.deepEqual(debugAdapterCommand(executable), { command: "/b/cwm-lsp", args: ["dap"] });
  });

  it("probes a real process: its version line, or its stderr and exit status", async () => {
    const node = process.execPath;
    assert.deepEqual(await probeCommand({ command: node, args: ["-e", "console.log('cwm-lsp 9.9')"] }), {
      ok: true,
      version: "cwm-lsp 9.9",
    });
    const failed = await probeCommand({ command: node, args: ["-e", "console.error('No module named cwm_lsp'); process.exit(1)"] });
    assert.equal(failed.ok, false);
    assert.match(failed.ok ? "" : failed.detail, /No module named cwm_lsp/);
    const missing = await probeCommand({ command: "/no/such/python", args: ["--version"] });
    assert.match(missing.ok ? "" : missing.detail, /ENOENT/);
  });
});

describe("where cwm.interpreter is read", () => {
  beforeEach(() => stub.reset());

  it("is the Remote settings in a remote window (code-server, SSH, WSL, containers), else User", () => {
    assert.equal(interpreterSettingsScope("ssh-remote+box"), "Remote");
    assert.equal(interpreterSettingsScope(undefined), "User");
  });

  it("is the tab that Open Settings opens, filtered to the setting", async () => {
    stub.remoteName = "127.0.0.1:8080";
    await openInterpreterSettings();
    stub.remoteName = undefined;
    await openInterpreterSettings();
    assert.deepEqual(stub.executedCommands, [
      { command: "workbench.action.openRemoteSettings", args: [{ query: "cwm.interpreter" }] },
      { command: "workbench.action.openSettings", args: ["cwm.interpreter"] },
    ]);
  });
});

describe("following the Python extension's environment", () => {
  beforeEach(() => stub.reset());

  it("subscribes to active environment changes when the extension offers them", async () => {
    let listener: (() => unknown) | undefined;
    stub.extensions.set(
      PYTHON_EXTENSION_ID,
      pythonExtension({
        environments: {
          getActiveEnvironmentPath: () => ({ id: "a", path: "/a/python" }),
          onDidChangeActiveEnvironmentPath: (callback) => {
            listener = callback;
            return { dispose: () => (listener = undefined) };
          },
        },
      }),
    );
    let changes = 0;
    const subscription = await onActivePythonEnvironmentChange(() => changes++);
    listener?.();
    assert.equal(changes, 1);
    subscription?.dispose();
    assert.equal(listener, undefined);
  });

  it("offers no subscription without the Python extension", async () => {
    assert.equal(await onActivePythonEnvironmentChange(() => undefined), undefined);
  });
});
