import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { DEFAULT_SETTINGS, MODEL_HOSTS } from "../src/settings";

interface Manifest {
  main: string;
  engines: { vscode: string };
  capabilities: { untrustedWorkspaces: { supported: string } };
  contributes: {
    commands: { command: string }[];
    configuration: {
      properties: Record<
        string,
        {
          default: unknown;
          markdownDescription?: string;
          enum?: unknown[];
          enumDescriptions?: string[];
          minimum?: number;
          maximum?: number;
        }
      >;
    };
    debuggers: {
      type: string;
      configurationAttributes: { launch: { properties: Record<string, unknown> } };
      configurationSnippets: { body: { type: string; mode: string } }[];
      initialConfigurations: { type: string }[];
    }[];
  };
}

const manifest = JSON.parse(readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8")) as Manifest;

function flatten(value: object, prefix = "cwm"): Record<string, unknown> {
  const flat: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (typeof inner === "object" && inner !== null) {
      Object.assign(flat, flatten(inner, `${prefix}.${key}`));
    } else {
      flat[`${prefix}.${key}`] = inner;
    }
  }
  return flat;
}

describe("package.json contributions", () => {
  it("contributes the five commands", () => {
    assert.deepEqual(
      manifest.contributes.commands.map((command) => command.command).sort(),
      [
        "cwm.restartServer",
        "cwm.runAndCompare",
        "cwm.showModelStatus",
        "cwm.simulateFunctionAtCursor",
        "cwm.togglePredictedValues",
      ],
    );
  });

  it("contributes every server setting with the contract's default, plus cwm.interpreter", () => {
    const expected = { ...flatten(DEFAULT_SETTINGS), "cwm.interpreter": "" };
    const properties = manifest.contributes.configuration.properties;
    assert.deepEqual(Object.keys(properties).sort(), Object.keys(expected).sort());
    for (const [key, value] of Object.entries(expected)) {
      assert.equal(properties[key].default, value, key);
      assert.ok(properties[key].markdownDescription, `${key} has a description`);
    }
  });

  it("offers the server's model hosts for cwm.model.host, each described", () => {
    const host = manifest.contributes.configuration.properties["cwm.model.host"];
    assert.deepEqual(host.enum, [...MODEL_HOSTS]);
    assert.equal(host.enumDescriptions?.length, MODEL_HOSTS.length);
  });

  it("bounds the endpoint's timeouts as the server clamps them", () => {
    const properties = manifest.contributes.configuration.properties;
    const bounds = (key: string) => [properties[key].minimum, properties[key].maximum];
    assert.deepEqual(bounds("cwm.model.connectTimeout"), [0.1, 600]);
    assert.deepEqual(bounds("cwm.model.requestTimeout"), [1, 3600]);
    assert.deepEqual(bounds("cwm.model.reconnectMaxDelay"), [0.5, 3600]);
  });

  it("contributes the cwm debugger with the launch attributes of the contract", () => {
    const [debuggerContribution] = manifest.contributes.debuggers;
    assert.equal(debuggerContribution.type, "cwm");
    assert.deepEqual(
      Object.keys(debuggerContribution.configurationAttributes.launch.properties).sort(),
      ["args", "function", "maxFrames", "mode", "model", "program", "stopOnEntry"],
    );
    assert.deepEqual(
      debuggerContribution.configurationSnippets.map((snippet) => snippet.body.mode),
      ["imagine", "compare"],
    );
    assert.equal(debuggerContribution.initialConfigurations[0].type, "cwm");
  });

  it("supports untrusted workspaces in limited mode, loads the bundle, targets VS Code 1.82+", () => {
    assert.equal(manifest.capabilities.untrustedWorkspaces.supported, "limited");
    assert.equal(manifest.main, "./dist/extension.js");
    assert.equal(manifest.engines.vscode, "^1.82.0");
  });
});
