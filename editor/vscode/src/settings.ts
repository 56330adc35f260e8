/**
 * Maps VS Code's `cwm.*` settings to the server's settings object
 * (docs/CONTRACTS.md "Server settings"). Pure: the caller hands in a reader
 * over `workspace.getConfiguration("cwm")`.
 */

/** The part of `vscode.WorkspaceConfiguration` this module reads. */
export interface ConfigReader {
  get<T>(section: string): T | undefined;
}

/** Values of `cwm.model.host` (the server's `model.host`). */
export const MODEL_HOSTS = ["", "process", "inline"] as const;
export type ModelHost = (typeof MODEL_HOSTS)[number];

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
    /** Where the model runs: a model host child process, or inline in the server; "": `$CWM_LSP_MODEL_HOST`, else "process". */
    host: ModelHost;
    /** URL of a server hosting the model (llama-server); "": `$CWM_LSP_ENDPOINT`, else in-process. */
    endpoint: string;
    /** The model's name on a server that hosts several; "": the server's own. */
    endpointModel: string;
    /** Seconds to connect to the endpoint. */
    connectTimeout: number;
    /** Seconds to wait for each read of the endpoint's answer. */
    requestTimeout: number;
    /** Seconds: the longest wait between tries to reach an endpoint that is not up (0.5 s, doubling up to this). */
    reconnectMaxDelay: number;
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
    host: "",
    endpoint: "",
    endpointModel: "",
    connectTimeout: 5,
    requestTimeout: 120,
    reconnectMaxDelay: 30,
  },
  prediction: { temperature: 0.0, maxFrames: 200, minConfidence: 0.3 },
  features: { inlayHints: true, hover: true, codeLens: true, diagnostics: true, codeActions: true },
};

function readString(config: ConfigReader, key: string, fallback: string): string {
  const value = config.get<unknown>(key);
  return typeof value === "string" ? value.trim() : fallback;
}

function readChoice<T extends string>(
  config: ConfigReader,
  key: string,
  choices: readonly T[],
  fallback: T,
): T {
  const value = readString(config, key, fallback);
  return (choices as readonly string[]).includes(value) ? (value as T) : fallback;
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
      host: readChoice(config, "model.host", MODEL_HOSTS, d.model.host),
      endpoint: readString(config, "model.endpoint", d.model.endpoint),
      endpointModel: readString(config, "model.endpointModel", d.model.endpointModel),
      connectTimeout: readNumber(config, "model.connectTimeout", d.model.connectTimeout),
      requestTimeout: readNumber(config, "model.requestTimeout", d.model.requestTimeout),
      reconnectMaxDelay: readNumber(config, "model.reconnectMaxDelay", d.model.reconnectMaxDelay),
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
