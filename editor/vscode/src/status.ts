/**
 * The model's state (`cwm/status` notification and `cwm.modelStatus`, see
 * docs/CONTRACTS.md) as status bar text. Pure: no vscode import.
 */

export type ModelState = "loading" | "ready" | "busy" | "error";

export interface ModelStatus {
  state: ModelState;
  progress?: number;
  message?: string;
  model?: string;
  format?: "cwm" | "generic" | string;
  tokensPerSecond?: number;
}

export type StatusSeverity = "normal" | "warning" | "error";

export interface StatusPresentation {
  text: string;
  tooltip: string;
  severity: StatusSeverity;
}

const STATES: readonly string[] = ["loading", "ready", "busy", "error"];

/** Validates a status object from the server; undefined when it is not one. */
export function parseModelStatus(raw: unknown): ModelStatus | undefined {
  if (typeof raw !== "object" || raw === null) {
    return undefined;
  }
  const value = raw as Record<string, unknown>;
  if (typeof value.state !== "string" || !STATES.includes(value.state)) {
    return undefined;
  }
  const status: ModelStatus = { state: value.state as ModelState };
  if (typeof value.progress === "number" && Number.isFinite(value.progress)) {
    status.progress = value.progress;
  }
  if (typeof value.message === "string") {
    status.message = value.message;
  }
  if (typeof value.model === "string") {
    status.model = value.model;
  }
  if (typeof value.format === "string") {
    status.format = value.format;
  }
  if (typeof value.tokensPerSecond === "number" && Number.isFinite(value.tokensPerSecond)) {
    status.tokensPerSecond = value.tokensPerSecond;
  }
  return status;
}

function percent(progress: number | undefined): string {
  const clamped = Math.min(1, Math.max(0, progress ?? 0));
  return `${Math.round(clamped * 100)}%`;
}

function modelName(model: string | undefined): string | undefined {
  if (!model) {
    return undefined;
  }
  const parts = model.split(/[\\/]/);
  return parts[parts.length - 1] || model;
}

function tooltipFor(status: ModelStatus, headline: string): string {
  const lines = [headline];
  if (status.message) {
    lines.push(status.message);
  }
  if (status.model) {
    lines.push(`Model: ${status.model}${status.format ? ` (${status.format} format)` : ""}`);
  }
  lines.push("Click for details.");
  return lines.join("\n");
}

/** " 22.0 tok/s" when the server has measured a speed, else "". */
function speedText(status: ModelStatus): string {
  return status.tokensPerSecond !== undefined && status.tokensPerSecond > 0
    ? ` ${status.tokensPerSecond.toFixed(1)} tok/s`
    : "";
}

/** The status bar item: state in words (never an icon alone), tooltip with details. */
export function presentStatus(status: ModelStatus | undefined): StatusPresentation {
  if (!status) {
    return {
      text: "$(loading~spin) CWM: starting",
      tooltip: "cwm-lsp: starting the language server…",
      severity: "normal",
    };
  }
  const name = modelName(status.model);
  switch (status.state) {
    case "loading":
      return {
        text: `$(loading~spin) CWM: loading model ${percent(status.progress)}`,
        tooltip: tooltipFor(status, `cwm-lsp: loading the model (${percent(status.progress)})`),
        severity: "normal",
      };
    case "ready":
      return {
        text: `$(check) CWM: ready${speedText(status)}`,
        tooltip: tooltipFor(status, `cwm-lsp: ${name ?? "model"} ready`),
        severity: "normal",
      };
    case "busy": {
      const speed = speedText(status);
      return {
        text: `$(sync~spin) CWM: predicting${speed}`,
        tooltip: tooltipFor(status, `cwm-lsp: predicting${speed ? ` at${speed}` : ""}`),
        severity: "normal",
      };
    }
    case "error":
      return {
        text: "$(error) CWM: no model",
        tooltip: tooltipFor(status, "cwm-lsp: the model is not available"),
        severity: "error",
      };
  }
}

/** Presentation when the language server itself could not start. */
export function serverFailurePresentation(message: string): StatusPresentation {
  return {
    text: "$(error) CWM: server not running",
    tooltip: `cwm-lsp: the language server is not running.\n${message}\nClick for details.`,
    severity: "error",
  };
}

/** Multi-line summary for the "Show Model Status" command. */
export function describeStatus(status: ModelStatus | undefined): string {
  if (!status) {
    return "The language server has not reported the model's state yet.";
  }
  const parts = [`State: ${status.state}`];
  if (status.state === "loading") {
    parts.push(`Progress: ${percent(status.progress)}`);
  }
  if (status.tokensPerSecond !== undefined && status.tokensPerSecond > 0) {
    parts.push(`Speed: ${status.tokensPerSecond.toFixed(1)} tokens/s`);
  }
  if (status.model) {
    parts.push(`Model: ${status.model}`);
  }
  if (status.format) {
    parts.push(`Format: ${status.format}`);
  }
  if (status.message) {
    parts.push(status.message);
  }
  return parts.join("\n");
}
