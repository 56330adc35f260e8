import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  DEFAULT_SETTINGS,
  didChangeConfigurationParams,
  initializationOptions,
  serverSettings,
  type ConfigReader,
} from "../src/settings";

function reader(values: Record<string, unknown>): ConfigReader {
  return { get: <T>(key: string) => values[key] as T | undefined };
}

describe("settings mapping", () => {
  it("sends the contract's defaults when nothing is set", () => {
    assert.deepEqual(serverSettings(reader({})), {
      model: {
        path: "",
        gpuLayers: -1,
        contextSize: 4096,
        threads: 0,
        batchThreads: 0,
        valueGrammar: true,
        lineFlow: true,
        returnFromLocals: true,
        adapter: "",
        host: "",
        endpoint: "",
        endpointModel: "",
        connectTimeout: 5,
        requestTimeout: 120,
        reconnectMaxDelay: 30,
      },
      prediction: { temperature: 0.0, maxFrames: 200, minConfidence: 0.3 },
      features: { inlayHints: true, hover: true, codeLens: true, diagnostics: true, codeActions: true },
    });
  });

  it("maps every cwm.* setting to its place in the server's settings object", () => {
    const settings = serverSettings(
      reader({
        "model.path": " /models/cwm.gguf ",
        "model.gpuLayers": 0,
        "model.contextSize": 8192,
        "model.threads": 4,
        "model.batchThreads": 2,
        "model.valueGrammar": false,
        "model.lineFlow": false,
        "model.returnFromLocals": false,
        "model.adapter": " /models/lora.gguf ",
        "model.host": "inline",
        "model.endpoint": " http://gpu-box:8080 ",
        "model.endpointModel": " qwen-coder ",
        "model.connectTimeout": 2.5,
        "model.requestTimeout": 300,
        "model.reconnectMaxDelay": 0.5,
        "prediction.temperature": 0.7,
        "prediction.maxFrames": 50,
        "features.inlayHints": false,
        "features.hover": false,
        "features.codeLens": false,
        "features.diagnostics": false,
        "features.codeActions": false,
      }),
    );
    assert.deepEqual(settings, {
      model: {
        path: "/models/cwm.gguf",
        gpuLayers: 0,
        contextSize: 8192,
        threads: 4,
        batchThreads: 2,
        valueGrammar: false,
        lineFlow: false,
        returnFromLocals: false,
        adapter: "/models/lora.gguf",
        host: "inline",
        endpoint: "http://gpu-box:8080",
        endpointModel: "qwen-coder",
        connectTimeout: 2.5,
        requestTimeout: 300,
        reconnectMaxDelay: 0.5,
      },
      prediction: { temperature: 0.7, maxFrames: 50, minConfidence: 0.3 },
      features: { inlayHints: false, hover: false, codeLens: false, diagnostics: false, codeActions: false },
    });
  });

  it("replaces values of the wrong type by the defaults", () => {
    const settings = serverSettings(
      reader({ "model.contextSize": "big", "prediction.maxFrames": Number.NaN, "features.hover": "yes" }),
    );
    assert.equal(settings.model.contextSize, DEFAULT_SETTINGS.model.contextSize);
    assert.equal(settings.prediction.maxFrames, DEFAULT_SETTINGS.prediction.maxFrames);
    assert.equal(settings.features.hover, true);
  });

  it("passes each model host through and replaces an unknown one by the default", () => {
    for (const host of ["", "process", "inline"]) {
      assert.equal(serverSettings(reader({ "model.host": host })).model.host, host);
    }
    assert.equal(serverSettings(reader({ "model.host": " process " })).model.host, "process");
    assert.equal(serverSettings(reader({ "model.host": "gpu" })).model.host, "");
    assert.equal(serverSettings(reader({ "model.host": 1 })).model.host, "");
  });

  it("keeps the endpoint's timeouts fractional and replaces ill-typed ones by the defaults", () => {
    const model = serverSettings(
      reader({ "model.connectTimeout": 0.1, "model.requestTimeout": "slow", "model.reconnectMaxDelay": Number.NaN }),
    ).model;
    assert.equal(model.connectTimeout, 0.1);
    assert.equal(model.requestTimeout, DEFAULT_SETTINGS.model.requestTimeout);
    assert.equal(model.reconnectMaxDelay, DEFAULT_SETTINGS.model.reconnectMaxDelay);
  });

  it("sends a changed model host and endpoint model with didChangeConfiguration", () => {
    const params = didChangeConfigurationParams(reader({ "model.host": "inline", "model.endpointModel": "cwm" }));
    assert.equal(params.settings.cwm.model.host, "inline");
    assert.equal(params.settings.cwm.model.endpointModel, "cwm");
  });

  it("turns each decoding switch off on its own and keeps the others on", () => {
    const switches = ["valueGrammar", "lineFlow", "returnFromLocals"] as const;
    for (const name of switches) {
      const model = serverSettings(reader({ [`model.${name}`]: false })).model;
      for (const other of switches) {
        assert.equal(model[other], other !== name, `${other} with model.${name} off`);
      }
    }
  });

  it("keeps decoding switches of the wrong type on", () => {
    const model = serverSettings(reader({ "model.lineFlow": "false", "model.valueGrammar": 0 })).model;
    assert.equal(model.lineFlow, true);
    assert.equal(model.valueGrammar, true);
  });

  it("sends a changed decoding switch with didChangeConfiguration (the server reloads the model)", () => {
    const params = didChangeConfigurationParams(reader({ "model.returnFromLocals": false }));
    assert.equal(params.settings.cwm.model.returnFromLocals, false);
  });

  it("rounds integer settings down to integers", () => {
    assert.equal(serverSettings(reader({ "model.threads": 3.9 })).model.threads, 3);
  });

  it("leaves the client-only interpreter setting out", () => {
    assert.equal("interpreter" in serverSettings(reader({ interpreter: "/x/python" })), false);
  });

  it("adds workspace trust to the initializationOptions", () => {
    assert.equal(initializationOptions(reader({}), false).trusted, false);
    assert.equal(initializationOptions(reader({}), true).trusted, true);
    assert.deepEqual(initializationOptions(reader({}), true).model, DEFAULT_SETTINGS.model);
  });

  it("wraps changed settings as {settings: {cwm: ...}} for didChangeConfiguration", () => {
    const params = didChangeConfigurationParams(reader({ "features.inlayHints": false }));
    assert.equal(params.settings.cwm.features.inlayHints, false);
    assert.deepEqual(Object.keys(params.settings.cwm), ["model", "prediction", "features"]);
  });
});
