/**
 * Maps VS Code's `cwm.*` settings to the server's settings object
 * (docs/CONTRACTS.md "Server settings"). Pure: the caller hands in a reader
 * over `workspace.getConfiguration("cwm")`.
 */

/** The part of `vscode.WorkspaceConfiguration` this module reads. */
export interface ConfigReader {
  get<T>(section: string): T | undefined;
}

export interface ServerSettings {
  model: {
    path: string;
    gpuLayers: number;
    contextSize: number;
    threads: number;
    /** Threads for batches (the prompt, forced tokens); 0: every logical CPU. */
    batchThreads: number;
    /** Generic (non-CWM) models: values decoded under a grammar of Python reprs. */
    valueGrammar: boolean;
    /** Generic models: only lines that can run next, only locals the line can change. */
    lineFlow: boolean;
    /** Generic models: `return name` returns the local's current value. */
    returnFromLocals: boolean;
    /** A GGUF LoRA adapter; "": the default model's shipped one (if any), "none": none. */
    adapter: string;
    /** URL of a server hosting the model (llama-server); "": `$CWM_LSP_ENDPOINT`, else in-process. */
    endpoint: string;
  };
  prediction: { temperature: number; maxFrames: number; minConfidence: number };
  features: {
    inlayHints: boolean;
    hover: boolean;
    codeLens: boolean;
    diagnostics: boolean;
    codeActions: boolean;
  };
}

export interface InitializationOptions extends ServerSettings {
  /** `vscode.workspace.isTrusted`: the server refuses real execution when false. */
  trusted: boolean;
}

export const DEFAULT_SETTINGS: ServerSettings = {
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
    endpoint: "",
  },
  prediction: { temperature: 0.0, maxFrames: 200, minConfidence: 0.3 },
  features: { inlayHints: true, hover: true, codeLens: true, diagnostics: true, codeActions: true },
};

function readString(config: ConfigReader, key: string, fallback: string): string {
  const value = config.get<unknown>(key);
  return typeof value === "string" ? value.trim() : fallback;
}

function readInteger(config: ConfigReader, key: string, fallback: number): number {
  const value = config.get<unknown>(key);
  return typeof value === "number" && Number.isFinite(value) ? Math.trunc(value) : fallback;
}

function readNumber(config: ConfigReader, key: string, fallback: number): number {
  const value = config.get<unknown>(key);
  return typeof value === "number" && Number.isFinite(value) ? value : fallback;
}

function readBoolean(config: ConfigReader, key: string, fallback: boolean): boolean {
  const value = config.get<unknown>(key);
  return typeof value === "boolean" ? value : fallback;
}

/** The server's `cwm` settings section; values of the wrong type fall back to the defaults. */
export function serverSettings(config: ConfigReader): ServerSettings {
  const d = DEFAULT_SETTINGS;
  return {
    model: {
      path: readString(config, "model.path", d.model.path),
      gpuLayers: readInteger(config, "model.gpuLayers", d.model.gpuLayers),
      contextSize: readInteger(config, "model.contextSize", d.model.contextSize),
      threads: readInteger(config, "model.threads", d.model.threads),
      batchThreads: readInteger(config, "model.batchThreads", d.model.batchThreads),
      valueGrammar: readBoolean(config, "model.valueGrammar", d.model.valueGrammar),
      lineFlow: readBoolean(config, "model.lineFlow", d.model.lineFlow),
      returnFromLocals: readBoolean(config, "model.returnFromLocals", d.model.returnFromLocals),
      adapter: readString(config, "model.adapter", d.model.adapter),
      endpoint: readString(config, "model.endpoint", d.model.endpoint),
    },
    prediction: {
      temperature: readNumber(config, "prediction.temperature", d.prediction.temperature),
      maxFrames: readInteger(config, "prediction.maxFrames", d.prediction.maxFrames),
      minConfidence: readNumber(config, "prediction.minConfidence", d.prediction.minConfidence),
    },
    features: {
      inlayHints: readBoolean(config, "features.inlayHints", d.features.inlayHints),
      hover: readBoolean(config, "features.hover", d.features.hover),
      codeLens: readBoolean(config, "features.codeLens", d.features.codeLens),
      diagnostics: readBoolean(config, "features.diagnostics", d.features.diagnostics),
      codeActions: readBoolean(config, "features.codeActions", d.features.codeActions),
    },
  };
}

/** `initialize` request's initializationOptions: the settings plus workspace trust. */
export function initializationOptions(config: ConfigReader, trusted: boolean): InitializationOptions {
  return { ...serverSettings(config), trusted };
}

/** Params of `workspace/didChangeConfiguration` after a `cwm.*` setting changed. */
export function didChangeConfigurationParams(config: ConfigReader): { settings: { cwm: ServerSettings } } {
  return { settings: { cwm: serverSettings(config) } };
}
