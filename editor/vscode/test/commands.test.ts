import assert from "node:assert/strict";
import { beforeEach, describe, it } from "node:test";
import {
  runAndCompare,
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
