/** The extension's commands (package.json `contributes.commands`). */
import * as vscode from "vscode";
import { enclosingFunction, simulateAtCursorConfiguration } from "./debugConfig";
import { interpreterSettingsScope } from "./discovery";
import { snapshotOf } from "./editorSnapshot";
import { describeStatus, type ModelStatus } from "./status";

export const UNTRUSTED_RUN_MESSAGE =
  "cwm-lsp: Run and Compare executes your code, and this workspace is not trusted. " +
  "Trust the workspace to run it; predictions still work without running anything.";

/** What the commands need from the language server. */
export interface CommandHost {
  executeCommand(command: string, args?: unknown[]): Promise<unknown>;
  modelStatus(): Promise<ModelStatus | undefined>;
  lastStatus(): ModelStatus | undefined;
  restart(): Promise<void>;
  /** Which cwm-lsp runs, and where it was found; undefined before one was found. */
  serverDescription?(): string | undefined;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** What the server's `cwm.simulateAtCursor` answers: the function and the inputs its prediction uses. */
export interface SimulateAtCursorReply {
  function?: string;
  /** The call's arguments the code lens and the inlay hints use; absent: the model invents them. */
  args?: string;
}

export function parseSimulateReply(raw: unknown): SimulateAtCursorReply {
  if (typeof raw !== "object" || raw === null) {
    return {};
  }
  const value = raw as Record<string, unknown>;
  return {
    function: typeof value.function === "string" ? value.function : undefined,
    args: typeof value.args === "string" && value.args.trim() ? value.args : undefined,
  };
}

/** Waits at most `ms` for `promise`; undefined after that or when it rejects. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  try {
    return await Promise.race([promise.catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Starts a `cwm` debug session on the function at the cursor, with the inputs
 * that the code lens and the inlay hints use (a `# cwm:` comment, a doctest,
 * a call site, or the inputs the model invented for the hints), asked of the
 * server. (The Run and Debug view opens with the session: revealDebugView.)
 */
export async function simulateFunctionAtCursor(host?: Pick<CommandHost, "executeCommand">): Promise<boolean> {
  const editor = vscode.window.activeTextEditor;
  const snapshot = snapshotOf(editor);
  if (!editor || !snapshot) {
    void vscode.window.showWarningMessage("cwm-lsp: open a Python file and put the cursor inside a function.");
    return false;
  }
  const resolution = simulateAtCursorConfiguration(snapshot);
  if (!resolution.ok) {
    void vscode.window.showWarningMessage(resolution.message);
    return false;
  }
  const config = resolution.config;
  if (host) {
    const position = editor.selection.active;
    const reply = parseSimulateReply(
      await within(
        host.executeCommand("cwm.simulateAtCursor", [
          editor.document.uri.toString(),
          { line: position.line, character: position.character },
        ]),
        5_000,
      ),
    );
    if (reply.args !== undefined) {
      config.args = reply.args;
    }
  }
  const folder = vscode.workspace.getWorkspaceFolder(editor.document.uri);
  return vscode.debug.startDebugging(folder, config as vscode.DebugConfiguration);
}

/** Flips `cwm.features.inlayHints` where it is set (workspace, else user settings). */
export async function togglePredictedValues(): Promise<boolean> {
  const config = vscode.workspace.getConfiguration("cwm");
  const enabled = !config.get<boolean>("features.inlayHints", true);
  const inspected = config.inspect<boolean>("features.inlayHints");
  const target =
    inspected?.workspaceValue !== undefined
      ? vscode.ConfigurationTarget.Workspace
      : vscode.ConfigurationTarget.Global;
  await config.update("features.inlayHints", enabled, target);
  vscode.window.setStatusBarMessage(`cwm-lsp: predicted values ${enabled ? "shown" : "hidden"}`, 3000);
  return enabled;
}

/**
 * Runs a function for real beside its prediction (`cwm.runAndCompare` on the
 * server). Code lenses pass `[uri, functionName]`; from the palette the
 * function at the cursor is used. Refused in an untrusted workspace.
 */
export async function runAndCompare(host: CommandHost, uri?: unknown, functionName?: unknown): Promise<boolean> {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage(UNTRUSTED_RUN_MESSAGE);
    return false;
  }
  let target = typeof uri === "string" ? uri : uri instanceof vscode.Uri ? uri.toString() : undefined;
  let name = typeof functionName === "string" ? functionName : undefined;
  if (!target || !name) {
    const editor = vscode.window.activeTextEditor;
    const snapshot = snapshotOf(editor);
    name = snapshot && snapshot.languageId === "python"
      ? enclosingFunction(snapshot.lineAt, snapshot.cursorLine)
      : undefined;
    if (!editor || !name) {
      void vscode.window.showWarningMessage("cwm-lsp: put the cursor inside a Python function to run and compare it.");
      return false;
    }
    target = editor.document.uri.toString();
  }
  const functionToRun = name;
  const documentUri = target;
  try {
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `cwm-lsp: running ${functionToRun} for real…` },
      () => host.executeCommand("cwm.runAndCompare", [documentUri, functionToRun]),
    );
    return true;
  } catch (error) {
    void vscode.window.showErrorMessage(`cwm-lsp: Run and Compare failed: ${errorText(error)}`);
    return false;
  }
}

export async function showModelStatus(host: CommandHost): Promise<void> {
  let status: ModelStatus | undefined;
  let problem: string | undefined;
  try {
    status = await host.modelStatus();
  } catch (error) {
    status = host.lastStatus();
    problem = errorText(error);
  }
  const server = host.serverDescription?.();
  const lines = [describeStatus(status), server ? `Server: ${server}` : "Server: not found", problem ? `(${problem})` : ""];
  const detail = lines.filter(Boolean).join("\n");
  const choice = await vscode.window.showInformationMessage(
    "cwm-lsp model status",
    { modal: true, detail },
    "Restart Server",
    "Open Settings",
  );
  if (choice === "Restart Server") {
    await host.restart();
  } else if (choice === "Open Settings") {
    await vscode.commands.executeCommand(
      interpreterSettingsScope() === "Remote" ? "workbench.action.openRemoteSettings" : "workbench.action.openSettings",
      interpreterSettingsScope() === "Remote" ? { query: "cwm." } : "cwm.",
    );
  }
}

export function registerCommands(host: CommandHost): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand("cwm.simulateFunctionAtCursor", () => simulateFunctionAtCursor(host)),
    vscode.commands.registerCommand("cwm.togglePredictedValues", togglePredictedValues),
    vscode.commands.registerCommand("cwm.runAndCompare", (uri?: unknown, name?: unknown) =>
      runAndCompare(host, uri, name),
    ),
    vscode.commands.registerCommand("cwm.showModelStatus", () => showModelStatus(host)),
    vscode.commands.registerCommand("cwm.restartServer", () => host.restart()),
  ];
}
