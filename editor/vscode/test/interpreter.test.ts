import assert from "node:assert/strict";
import * as os from "node:os";
import * as path from "node:path";
import { beforeEach, describe, it } from "node:test";
import { discoverInterpreter, onActivePythonEnvironmentChange, PYTHON_EXTENSION_ID } from "../src/discovery";
import {
  DEFAULT_INTERPRETER,
  debugAdapterCommand,
  expandInterpreterPath,
  findInterpreter,
  serverCommand,
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

describe("interpreter discovery", () => {
  beforeEach(() => stub.reset());

  it("uses the cwm.interpreter setting before anything else", async () => {
    stub.settings.global.set("cwm.interpreter", "/opt/py/bin/python3.12");
    stub.extensions.set(PYTHON_EXTENSION_ID, pythonExtension(activeVenv));
    assert.deepEqual(await discoverInterpreter(), { path: "/opt/py/bin/python3.12", source: "setting" });
  });

  it("uses the Python extension's active environment when the setting is empty", async () => {
    stub.settings.global.set("cwm.interpreter", "  ");
    stub.extensions.set(PYTHON_EXTENSION_ID, pythonExtension(activeVenv));
    assert.deepEqual(await discoverInterpreter(), {
      path: "/proj/.venv/bin/python",
      source: "python-extension",
    });
  });

  it("activates the Python extension when it is not active yet", async () => {
    stub.extensions.set(PYTHON_EXTENSION_ID, pythonExtension(activeVenv, false));
    assert.equal((await discoverInterpreter()).source, "python-extension");
  });

  it("takes the active environment's path when the extension cannot resolve it", async () => {
    stub.extensions.set(
      PYTHON_EXTENSION_ID,
      pythonExtension({ environments: { getActiveEnvironmentPath: () => ({ id: "x", path: "/usr/bin/python3.11" }) } }),
    );
    assert.deepEqual(await discoverInterpreter(), { path: "/usr/bin/python3.11", source: "python-extension" });
  });

  it("falls back to python3 when the Python extension is not installed", async () => {
    assert.deepEqual(await discoverInterpreter(), { path: DEFAULT_INTERPRETER, source: "default" });
  });

  it("falls back to python3 when the Python extension has no environments API", async () => {
    stub.extensions.set(PYTHON_EXTENSION_ID, pythonExtension({}));
    assert.equal((await discoverInterpreter()).source, "default");
  });

  it("falls back to python3 and logs when the Python extension throws", async () => {
    const logged: string[] = [];
    const broken: PythonEnvironmentsApi = {
      environments: {
        getActiveEnvironmentPath: () => {
          throw new Error("not ready");
        },
      },
    };
    const found = await findInterpreter({
      configured: () => "",
      pythonExtension: () => Promise.resolve(broken),
      log: (message) => logged.push(message),
    });
    assert.deepEqual(found, { path: DEFAULT_INTERPRETER, source: "default" });
    assert.match(logged.join("\n"), /not ready/);
  });

  it("does not ask the Python extension when the setting names an interpreter", async () => {
    let asked = false;
    await findInterpreter({
      configured: () => "/usr/bin/python3",
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

  it("starts the server and the standalone adapter as modules of that interpreter", () => {
    assert.deepEqual(serverCommand("/v/bin/python"), { command: "/v/bin/python", args: ["-m", "cwm_lsp", "--stdio"] });
    assert.deepEqual(debugAdapterCommand("/v/bin/python"), { command: "/v/bin/python", args: ["-m", "cwm_lsp", "dap"] });
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
