import assert from "node:assert/strict";
import { beforeEach, describe, it } from "node:test";
import {
  enclosingFunction,
  resolveLaunchConfiguration,
  simulateAtCursorConfiguration,
  UNTRUSTED_COMPARE_MESSAGE,
  type EditorSnapshot,
  type ResolutionContext,
} from "../src/debugConfig";
import { CwmDebugAdapterFactory, CwmDebugConfigurationProvider, revealDebugView } from "../src/debugProvider";
import { DEFAULT_SETTINGS } from "../src/settings";
import { DebugAdapterExecutable, stub } from "./vscode-stub";

const SOURCE = [
  "import math", //                       0
  "", //                                  1
  "def outer(xs):", //                    2
  "    total = 0", //                     3
  "    def inner(y):", //                 4
  "        return y * 2", //              5
  "", //                                  6
  "    for x in xs:", //                  7
  "        total += inner(x)", //         8
  "    return total", //                  9
  "", //                                  10
  "class Box:", //                        11
  "    async def get(self, key):", //     12
  "        # comment", //                 13
  "        return key", //                14
  "", //                                  15
  "print(outer([1]))", //                 16
].join("\n");

const LINES = SOURCE.split("\n");
const lineAt = (line: number) => LINES[line] ?? "";

function editorAt(line: number, languageId = "python"): EditorSnapshot {
  return { fileName: "/proj/demo.py", languageId, cursorLine: line, lineAt };
}

function context(overrides: Partial<ResolutionContext> = {}): ResolutionContext {
  return { editor: editorAt(8), trusted: true, settings: DEFAULT_SETTINGS, ...overrides };
}

describe("enclosing function at the cursor", () => {
  it("finds the def a body line belongs to", () => {
    assert.equal(enclosingFunction(lineAt, 3), "outer");
    assert.equal(enclosingFunction(lineAt, 9), "outer");
  });

  it("skips a nested def that ended above the cursor", () => {
    assert.equal(enclosingFunction(lineAt, 8), "outer");
  });

  it("finds the innermost def", () => {
    assert.equal(enclosingFunction(lineAt, 5), "inner");
  });

  it("counts the def line itself", () => {
    assert.equal(enclosingFunction(lineAt, 2), "outer");
  });

  it("finds async methods and skips comments", () => {
    assert.equal(enclosingFunction(lineAt, 14), "get");
    assert.equal(enclosingFunction(lineAt, 13), "get");
  });

  it("finds nothing at module level", () => {
    assert.equal(enclosingFunction(lineAt, 0), undefined);
    assert.equal(enclosingFunction(lineAt, 16), undefined);
    assert.equal(enclosingFunction(lineAt, 11), undefined);
  });
});

describe("debug configuration resolution", () => {
  it("fills program from the active editor and function from the cursor", () => {
    const result = resolveLaunchConfiguration({ type: "cwm", request: "launch", name: "x" }, context());
    assert.equal(result.ok, true);
    assert.ok(result.ok);
    assert.equal(result.config.program, "/proj/demo.py");
    assert.equal(result.config.function, "outer");
  });

  it("turns an empty configuration (F5 without launch.json) into simulate-at-cursor", () => {
    const result = resolveLaunchConfiguration({}, context({ editor: editorAt(5) }));
    assert.ok(result.ok);
    assert.equal(result.config.type, "cwm");
    assert.equal(result.config.request, "launch");
    assert.equal(result.config.function, "inner");
    assert.equal(result.config.mode, "imagine");
  });

  it("keeps what the configuration sets", () => {
    const result = resolveLaunchConfiguration(
      { type: "cwm", request: "launch", name: "x", program: "/other.py", function: "f", args: "(1,)", maxFrames: 5, stopOnEntry: false },
      context(),
    );
    assert.ok(result.ok);
    assert.deepEqual(
      [result.config.program, result.config.function, result.config.args, result.config.maxFrames, result.config.stopOnEntry],
      ["/other.py", "f", "(1,)", 5, false],
    );
  });

  it("takes the function from the cursor when program is ${file}", () => {
    const result = resolveLaunchConfiguration({ program: "${file}" }, context());
    assert.ok(result.ok);
    assert.equal(result.config.program, "${file}");
    assert.equal(result.config.function, "outer");
  });

  it("does not guess the function of a program other than the active editor's", () => {
    const result = resolveLaunchConfiguration({ program: "/proj/other.py" }, context());
    assert.equal(result.ok, false);
  });

  it("applies maxFrames and model from the settings, stopOnEntry true", () => {
    const settings = { ...DEFAULT_SETTINGS, model: { ...DEFAULT_SETTINGS.model, path: "/m.gguf" }, prediction: { ...DEFAULT_SETTINGS.prediction, temperature: 0, maxFrames: 33 } };
    const result = resolveLaunchConfiguration({}, context({ settings }));
    assert.ok(result.ok);
    assert.equal(result.config.maxFrames, 33);
    assert.equal(result.config.model, "/m.gguf");
    assert.equal(result.config.stopOnEntry, true);
  });

  it("refuses compare mode in an untrusted workspace", () => {
    const result = resolveLaunchConfiguration({ mode: "compare" }, context({ trusted: false }));
    assert.deepEqual(result, { ok: false, message: UNTRUSTED_COMPARE_MESSAGE });
  });

  it("allows imagine mode in an untrusted workspace", () => {
    const result = resolveLaunchConfiguration({ mode: "imagine" }, context({ trusted: false }));
    assert.equal(result.ok, true);
  });

  it("allows compare mode in a trusted workspace", () => {
    const result = resolveLaunchConfiguration({ mode: "compare" }, context());
    assert.ok(result.ok);
    assert.equal(result.config.mode, "compare");
  });

  it("rejects an unknown mode and an attach request", () => {
    assert.equal(resolveLaunchConfiguration({ mode: "replay" as never }, context()).ok, false);
    assert.equal(resolveLaunchConfiguration({ request: "attach" }, context()).ok, false);
  });

  it("asks for a Python file when there is no program and no Python editor", () => {
    const none = resolveLaunchConfiguration({}, context({ editor: undefined }));
    const text = resolveLaunchConfiguration({}, context({ editor: editorAt(8, "plaintext") }));
    assert.ok(!none.ok && /open a Python file/.test(none.message));
    assert.equal(text.ok, false);
  });

  it("asks for a function when the cursor is at module level", () => {
    const result = resolveLaunchConfiguration({}, context({ editor: editorAt(16) }));
    assert.ok(!result.ok && /inside a function/.test(result.message));
  });

  it("builds the simulate-at-cursor session for the function at the cursor", () => {
    const result = simulateAtCursorConfiguration(editorAt(14));
    assert.ok(result.ok);
    assert.deepEqual(result.config, {
      type: "cwm",
      request: "launch",
      name: "CWM: simulate get",
      program: "/proj/demo.py",
      function: "get",
      mode: "imagine",
      stopOnEntry: true,
    });
  });
});

describe("debug configuration provider (VS Code glue)", () => {
  beforeEach(() => stub.reset());

  it("resolves against the active editor and the cwm settings", () => {
    stub.activeTextEditor = stub.editor("/proj/demo.py", SOURCE, 5);
    stub.settings.global.set("cwm.prediction.maxFrames", 12);
    const config = new CwmDebugConfigurationProvider().resolveDebugConfiguration(undefined, {
      type: "cwm",
      request: "launch",
      name: "n",
    }) as Record<string, unknown>;
    assert.equal(config.function, "inner");
    assert.equal(config.program, "/proj/demo.py");
    assert.equal(config.maxFrames, 12);
  });

  it("aborts compare mode in an untrusted workspace and says why", () => {
    stub.trusted = false;
    stub.activeTextEditor = stub.editor("/proj/demo.py", SOURCE, 5);
    const config = new CwmDebugConfigurationProvider().resolveDebugConfiguration(undefined, {
      type: "cwm",
      request: "launch",
      name: "n",
      mode: "compare",
    });
    assert.equal(config, undefined);
    assert.deepEqual(stub.messages, [{ severity: "error", message: UNTRUSTED_COMPARE_MESSAGE }]);
  });
});

describe("debug adapter descriptor", () => {
  beforeEach(() => stub.reset());

  it("starts `<python> -m cwm_lsp dap` when the server has no endpoint", async () => {
    const logged: string[] = [];
    const factory = new CwmDebugAdapterFactory({
      dapEndpoint: () => Promise.reject(new Error("the cwm-lsp language server is not running")),
      interpreter: () => Promise.resolve({ path: "/v/bin/python", source: "setting" as const }),
      log: (message) => logged.push(message),
    });
    const descriptor = await factory.createDebugAdapterDescriptor({ name: "s" } as never);
    assert.ok(descriptor instanceof DebugAdapterExecutable);
    assert.equal(descriptor.command, "/v/bin/python");
    assert.deepEqual(descriptor.args, ["-m", "cwm_lsp", "dap"]);
    assert.match(logged.join("\n"), /not running/);
  });

  it("starts `cwm-lsp dap` when the server was found as the cwm-lsp executable on the PATH", async () => {
    const factory = new CwmDebugAdapterFactory({
      dapEndpoint: () => Promise.reject(new Error("not running")),
      interpreter: () => Promise.resolve({ path: "/usr/local/bin/cwm-lsp", source: "path" as const, executable: true }),
      log: () => undefined,
    });
    const descriptor = await factory.createDebugAdapterDescriptor({ name: "s" } as never);
    assert.ok(descriptor instanceof DebugAdapterExecutable);
    assert.equal(descriptor.command, "/usr/local/bin/cwm-lsp");
    assert.deepEqual(descriptor.args, ["dap"]);
  });

  it("falls back as well when the endpoint reply is malformed", async () => {
    const factory = new CwmDebugAdapterFactory({
      dapEndpoint: () => Promise.resolve({ transport: "carrier-pigeon", token: "t" }),
      interpreter: () => Promise.resolve({ path: "python3", source: "default" as const }),
      log: () => undefined,
    });
    assert.ok((await factory.createDebugAdapterDescriptor({ name: "s" } as never)) instanceof DebugAdapterExecutable);
  });
});

describe("the Run and Debug view", () => {
  beforeEach(() => stub.reset());

  it("opens when a cwm session starts, however it was started", async () => {
    assert.equal(await revealDebugView({ type: "cwm" }), true);
    assert.deepEqual(stub.executedCommands, [{ command: "workbench.view.debug", args: [] }]);
  });

  it("stays as it is for other debuggers, and when debug.openDebug is neverOpen", async () => {
    assert.equal(await revealDebugView({ type: "debugpy" }), false);
    stub.settings.global.set("debug.openDebug", "neverOpen");
    assert.equal(await revealDebugView({ type: "cwm" }), false);
    assert.deepEqual(stub.executedCommands, []);
  });
});
