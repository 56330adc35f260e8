/** The extension's commands (package.json `contributes.commands`). */
import * as vscode from "vscode";
import { enclosingFunction, simulateAtCursorConfiguration } from "./debugConfig";
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
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export async function simulateFunctionAtCursor(): Promise<boolean> {
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
  const folder = vscode.workspace.getWorkspaceFolder(editor.document.uri);
  return vscode.debug.startDebugging(folder, resolution.config as vscode.DebugConfiguration);
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
  const detail = problem ? `${describeStatus(status)}\n(${problem})` : describeStatus(status);
  const choice = await vscode.window.showInformationMessage(
    "cwm-lsp model status",
    { modal: true, detail },
    "Restart Server",
    "Open Settings",
  );
  if (choice === "Restart Server") {
    await host.restart();
  } else if (choice === "Open Settings") {
    await vscode.commands.executeCommand("workbench.action.openSettings", "cwm.");
  }
}

export function registerCommands(host: CommandHost): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand("cwm.simulateFunctionAtCursor", simulateFunctionAtCursor),
    vscode.commands.registerCommand("cwm.togglePredictedValues", togglePredictedValues),
    vscode.commands.registerCommand("cwm.runAndCompare", (uri?: unknown, name?: unknown) =>
      runAndCompare(host, uri, name),
    ),
    vscode.commands.registerCommand("cwm.showModelStatus", () => showModelStatus(host)),
    vscode.commands.registerCommand("cwm.restartServer", () => host.restart()),
  ];
}
