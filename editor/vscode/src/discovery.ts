/**
 * Interpreter discovery wired to VS Code: the setting, then ms-python.python,
 * the workspace's virtual environment, `cwm-lsp` on the PATH, then python3;
 * each tried with `--version` before the server is started.
 */
import { execFile } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import * as vscode from "vscode";
import {
  findInterpreter,
  type Discovery,
  type InterpreterSources,
  type ProbeResult,
  type ProcessCommand,
  type PythonEnvironmentsApi,
} from "./interpreter";

export const PYTHON_EXTENSION_ID = "ms-python.python";

/** Seconds one `--version` check may take (a cold Python on a slow disk). */
const PROBE_TIMEOUT_MS = 30_000;

async function activePythonExtension(): Promise<PythonEnvironmentsApi | undefined> {
  const extension = vscode.extensions.getExtension<PythonEnvironmentsApi>(PYTHON_EXTENSION_ID);
  if (!extension) {
    return undefined;
  }
  return extension.isActive ? extension.exports : await extension.activate();
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Runs `<command> <args>`, resolving with its version line or with what went wrong (stderr included). */
export function probeCommand({ command, args }: ProcessCommand, cwd?: string): Promise<ProbeResult> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, timeout: PROBE_TIMEOUT_MS, windowsHide: true }, (error, stdout, stderr) => {
      const out = String(stdout).trim();
      if (!error && out) {
        resolve({ ok: true, version: out.split(/\r?\n/)[0] });
        return;
      }
      const reason = error ? error.message.split(/\r?\n/)[0] : "printed no version";
      resolve({ ok: false, detail: String(stderr).trim() || reason });
    });
  });
}

export function vscodeInterpreterSources(log?: (message: string) => void): InterpreterSources {
  const folder = vscode.workspace.workspaceFolders?.[0];
  return {
    configured: () => vscode.workspace.getConfiguration("cwm").get<string>("interpreter"),
    pythonExtension: activePythonExtension,
    workspaceFolder: folder?.uri.fsPath,
    resource: folder?.uri,
    isExecutable,
    searchPath: process.env.PATH,
    probe: (command) => probeCommand(command, folder?.uri.fsPath),
    log,
  };
}

export function discoverInterpreter(log?: (message: string) => void): Promise<Discovery> {
  return findInterpreter(vscodeInterpreterSources(log));
}

/**
 * Which settings tab `cwm.interpreter` is read from in this window: it is
 * machine-overridable, so a remote window (code-server, Codespaces, SSH, WSL,
 * containers) reads it from the Remote settings only, not from User settings.
 */
export function interpreterSettingsScope(remoteName: string | undefined = vscode.env.remoteName): "Remote" | "User" {
  return remoteName ? "Remote" : "User";
}

/** Opens the settings tab where `cwm.interpreter` will be read, filtered to it. */
export async function openInterpreterSettings(): Promise<void> {
  if (interpreterSettingsScope() === "Remote") {
    await vscode.commands.executeCommand("workbench.action.openRemoteSettings", { query: "cwm.interpreter" });
  } else {
    await vscode.commands.executeCommand("workbench.action.openSettings", "cwm.interpreter");
  }
}

/**
 * Calls `listener` when the Python extension's active environment changes.
 * Undefined when the Python extension isn't installed or has no such event.
 */
export async function onActivePythonEnvironmentChange(
  listener: () => unknown,
): Promise<vscode.Disposable | undefined> {
  try {
    const api = await activePythonExtension();
    const subscription = api?.environments?.onDidChangeActiveEnvironmentPath?.(listener);
    return subscription ? { dispose: () => void subscription.dispose() } : undefined;
  } catch {
    return undefined;
  }
}
