import assert from "node:assert/strict";
import { beforeEach, describe, it } from "node:test";
import {
  parseSimulateReply,
  runAndCompare,
  showModelStatus,
  simulateFunctionAtCursor,
  togglePredictedValues,
  UNTRUSTED_RUN_MESSAGE,
  type CommandHost,
} from "../src/commands";
import { commandsLeftToClient } from "../src/serverCommands";
import { ConfigurationTarget, stub } from "./vscode-stub";

const SOURCE = "def square(n):\n    return n * n\n\nprint(square(3))\n";

function recordingHost() {
  const calls: { command: string; args?: unknown[] }[] = [];
  const host: CommandHost = {
    executeCommand: (command, args) => {
      calls.push({ command, args });
      return Promise.resolve(null);
    },
    modelStatus: () => Promise.resolve(undefined),
    lastStatus: () => undefined,
    restart: () => Promise.resolve(),
  };
  return { host, calls };
}

describe("run and compare", () => {
  beforeEach(() => stub.reset());

  it("refuses in an untrusted workspace without asking the server", async () => {
    stub.trusted = false;
    stub.activeTextEditor = stub.editor("/p/sq.py", SOURCE, 1);
    const { host, calls } = recordingHost();
    assert.equal(await runAndCompare(host), false);
    assert.deepEqual(calls, []);
    assert.deepEqual(stub.messages, [{ severity: "warning", message: UNTRUSTED_RUN_MESSAGE }]);
  });

  it("asks the server to run the function at the cursor", async () => {
    stub.activeTextEditor = stub.editor("/p/sq.py", SOURCE, 1);
    const { host, calls } = recordingHost();
    assert.equal(await runAndCompare(host), true);
    assert.deepEqual(calls, [{ command: "cwm.runAndCompare", args: ["file:///p/sq.py", "square"] }]);
  });

  it("passes on the uri and function a code lens gives", async () => {
    const { host, calls } = recordingHost();
    await runAndCompare(host, "file:///p/other.py", "cube");
    assert.deepEqual(calls, [{ command: "cwm.runAndCompare", args: ["file:///p/other.py", "cube"] }]);
  });

  it("says so when the cursor is outside a function", async () => {
    stub.activeTextEditor = stub.editor("/p/sq.py", SOURCE, 3);
    const { host, calls } = recordingHost();
    assert.equal(await runAndCompare(host), false);
    assert.deepEqual(calls, []);
    assert.equal(stub.messages[0].severity, "warning");
  });

  it("shows the server's error", async () => {
    stub.activeTextEditor = stub.editor("/p/sq.py", SOURCE, 1);
    const { host } = recordingHost();
    host.executeCommand = () => Promise.reject(new Error("tracer timed out"));
    assert.equal(await runAndCompare(host), false);
    assert.match(stub.messages[0].message, /tracer timed out/);
  });

  it("is kept from vscode-languageclient's automatic registration of server commands", () => {
    assert.deepEqual(commandsLeftToClient(["cwm.simulateAgain", "cwm.runAndCompare", "cwm.dapEndpoint"]), [
      "cwm.simulateAgain",
      "cwm.dapEndpoint",
    ]);
  });
});

describe("simulate the function at the cursor", () => {
  beforeEach(() => stub.reset());

  it("starts an imagine-mode cwm debug session for that function", async () => {
    stub.activeTextEditor = stub.editor("/p/sq.py", SOURCE, 1);
    assert.equal(await simulateFunctionAtCursor(), true);
    assert.deepEqual(stub.startedDebugging.map((started) => started.config), [
      {
        type: "cwm",
        request: "launch",
        name: "CWM: simulate square",
        program: "/p/sq.py",
        function: "square",
        mode: "imagine",
        stopOnEntry: true,
      },
    ]);
  });

  it("uses the inputs the code lens uses, asked of the server for the cursor's position", async () => {
    stub.activeTextEditor = stub.editor("/p/sq.py", "# cwm: square(4)\n" + SOURCE, 2);
    const { host, calls } = recordingHost();
    host.executeCommand = (command, args) => {
      calls.push({ command, args });
      return Promise.resolve({ function: "square", cached: true, args: "4" });
    };
    assert.equal(await simulateFunctionAtCursor(host), true);
    assert.deepEqual(calls, [{ command: "cwm.simulateAtCursor", args: ["file:///p/sq.py", { line: 2, character: 0 }] }]);
    assert.equal(stub.startedDebugging[0].config.args, "4");
  });

  it("lets the model invent inputs when the server has none, or is not running", async () => {
    stub.activeTextEditor = stub.editor("/p/sq.py", SOURCE, 1);
    const { host } = recordingHost();
    host.executeCommand = () => Promise.resolve({ function: "square", cached: false, args: null });
    await simulateFunctionAtCursor(host);
    host.executeCommand = () => Promise.reject(new Error("the cwm-lsp language server is not running"));
    await simulateFunctionAtCursor(host);
    assert.deepEqual(stub.startedDebugging.map((started) => "args" in started.config), [false, false]);
  });

  it("works in an untrusted workspace (nothing runs)", async () => {
    stub.trusted = false;
    stub.activeTextEditor = stub.editor("/p/sq.py", SOURCE, 0);
    assert.equal(await simulateFunctionAtCursor(), true);
  });

  it("starts nothing without a Python editor", async () => {
    stub.activeTextEditor = stub.editor("/p/notes.txt", SOURCE, 1, "plaintext");
    assert.equal(await simulateFunctionAtCursor(), false);
    assert.deepEqual(stub.startedDebugging, []);
    assert.equal(stub.messages.length, 1);
  });
});

describe("the server's reply to cwm.simulateAtCursor", () => {
  it("keeps the function and non-empty inputs, and nothing that is not a string", () => {
    assert.deepEqual(parseSimulateReply({ function: "f", cached: true, args: "1, [2]" }), { function: "f", args: "1, [2]" });
    assert.deepEqual(parseSimulateReply({ function: "f", args: " " }), { function: "f", args: undefined });
    assert.deepEqual(parseSimulateReply(null), {});
  });
});

describe("show model status", () => {
  beforeEach(() => stub.reset());

  it("says which server runs and where it was found", async () => {
    const { host } = recordingHost();
    host.modelStatus = () => Promise.resolve({ state: "ready", model: "/m.gguf" });
    host.serverDescription = () => "/home/u/.local/bin/cwm-lsp (cwm-lsp on the PATH)";
    await showModelStatus(host);
    assert.match(stub.messages[0].detail ?? "", /^State: ready\nModel: \/m\.gguf\nServer: \/home\/u\/\.local\/bin\/cwm-lsp \(cwm-lsp on the PATH\)$/);
  });

  it("opens the Remote settings in a remote window, where the cwm settings are read", async () => {
    stub.remoteName = "ssh-remote+box";
    stub.nextChoice = "Open Settings";
    const { host } = recordingHost();
    await showModelStatus(host);
    assert.match(stub.messages[0].detail ?? "", /Server: not found/);
    assert.deepEqual(stub.executedCommands, [{ command: "workbench.action.openRemoteSettings", args: [{ query: "cwm." }] }]);
  });
});

describe("toggle predicted values", () => {
  beforeEach(() => stub.reset());

  it("turns inlay hints off in the user settings, then on again", async () => {
    assert.equal(await togglePredictedValues(), false);
    assert.equal(stub.settings.global.get("cwm.features.inlayHints"), false);
    assert.equal(await togglePredictedValues(), true);
    assert.equal(stub.settings.global.get("cwm.features.inlayHints"), true);
  });

  it("flips the workspace value where the workspace sets one", async () => {
    stub.settings.workspace.set("cwm.features.inlayHints", false);
    assert.equal(await togglePredictedValues(), true);
    assert.equal(stub.settings.workspace.get("cwm.features.inlayHints"), true);
    assert.equal(stub.settings.global.has("cwm.features.inlayHints"), false);
    assert.equal(ConfigurationTarget.Workspace, 2);
  });
});
