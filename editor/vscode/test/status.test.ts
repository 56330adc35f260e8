import assert from "node:assert/strict";
import { beforeEach, describe, it } from "node:test";
import { describeStatus, parseModelStatus, presentStatus, serverFailurePresentation } from "../src/status";
import { ModelStatusBar } from "../src/statusBar";
import { stub, ThemeColor } from "./vscode-stub";

describe("status bar text from cwm/status", () => {
  it("shows loading progress as a percentage", () => {
    assert.equal(presentStatus({ state: "loading", progress: 0.423 }).text, "$(loading~spin) CWM: loading model 42%");
  });

  it("clamps progress outside 0..1", () => {
    assert.equal(presentStatus({ state: "loading", progress: 7 }).text, "$(loading~spin) CWM: loading model 100%");
    assert.equal(presentStatus({ state: "loading" }).text, "$(loading~spin) CWM: loading model 0%");
  });

  it("shows ready with the model file in the tooltip", () => {
    const shown = presentStatus({ state: "ready", model: "/cache/qwen.gguf", format: "generic" });
    assert.equal(shown.text, "$(check) CWM: ready");
    assert.match(shown.tooltip, /qwen\.gguf ready/);
    assert.match(shown.tooltip, /generic format/);
  });

  it("shows busy with tokens per second", () => {
    assert.equal(presentStatus({ state: "busy", tokensPerSecond: 21.96 }).text, "$(sync~spin) CWM: predicting 22.0 tok/s");
    assert.equal(presentStatus({ state: "busy", tokensPerSecond: 0 }).text, "$(sync~spin) CWM: predicting");
  });

  it("shows an error with the server's message", () => {
    const shown = presentStatus({ state: "error", message: "model file truncated: /m.gguf" });
    assert.equal(shown.text, "$(error) CWM: no model");
    assert.equal(shown.severity, "error");
    assert.match(shown.tooltip, /truncated/);
  });

  it("shows starting before the server reports", () => {
    assert.equal(presentStatus(undefined).text, "$(loading~spin) CWM: starting");
    assert.match(presentStatus(undefined).tooltip, /starting/);
  });

  it("shows ready with the speed the server measured", () => {
    assert.equal(presentStatus({ state: "ready", tokensPerSecond: 9.46 }).text, "$(check) CWM: ready 9.5 tok/s");
  });

  it("says every state in words, never with an icon alone", () => {
    const states = [undefined, { state: "loading" as const }, { state: "ready" as const }, { state: "busy" as const }, { state: "error" as const }];
    for (const status of states) {
      assert.match(presentStatus(status).text.replace(/\$\([^)]*\)/g, ""), /CWM: \w+/);
    }
    assert.match(serverFailurePresentation("x").text, /server not running/);
  });

  it("accepts only status objects with a known state", () => {
    assert.deepEqual(parseModelStatus({ state: "busy", tokensPerSecond: 10, extra: 1 }), {
      state: "busy",
      tokensPerSecond: 10,
    });
    assert.equal(parseModelStatus({ state: "sleeping" }), undefined);
    assert.equal(parseModelStatus("ready"), undefined);
    assert.equal(parseModelStatus(null), undefined);
  });

  it("summarises the status for the Show Model Status command", () => {
    const text = describeStatus({ state: "ready", model: "/m.gguf", format: "cwm", tokensPerSecond: 9.5 });
    assert.equal(text, "State: ready\nSpeed: 9.5 tokens/s\nModel: /m.gguf\nFormat: cwm");
  });
});

describe("status bar item", () => {
  beforeEach(() => stub.reset());

  it("is visible, opens the model status on click, and follows updates", () => {
    const bar = new ModelStatusBar();
    const item = stub.statusBarItems[0];
    assert.equal(item.visible, true);
    assert.equal(item.command, "cwm.showModelStatus");
    bar.update({ state: "loading", progress: 0.5 });
    assert.equal(item.text, "$(loading~spin) CWM: loading model 50%");
    bar.update({ state: "error", message: "boom" });
    assert.deepEqual(item.backgroundColor, new ThemeColor("statusBarItem.errorBackground"));
    bar.update({ state: "ready" });
    assert.equal(item.backgroundColor, undefined);
    assert.deepEqual(bar.status, { state: "ready" });
  });

  it("marks a server that did not start as an error", () => {
    const bar = new ModelStatusBar();
    bar.serverFailed("spawn python3 ENOENT");
    assert.equal(stub.statusBarItems[0].text, serverFailurePresentation("x").text);
    assert.match(String(stub.statusBarItems[0].tooltip), /ENOENT/);
  });
});
