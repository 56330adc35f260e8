/** Interpreter discovery wired to VS Code: the setting, then ms-python.python, then python3. */
import * as vscode from "vscode";
import { findInterpreter, type Interpreter, type InterpreterSources, type PythonEnvironmentsApi } from "./interpreter";

export const PYTHON_EXTENSION_ID = "ms-python.python";

async function activePythonExtension(): Promise<PythonEnvironmentsApi | undefined> {
  const extension = vscode.extensions.getExtension<PythonEnvironmentsApi>(PYTHON_EXTENSION_ID);
  if (!extension) {
    return undefined;
  }
  return extension.isActive ? extension.exports : await extension.activate();
}

export function vscodeInterpreterSources(log?: (message: string) => void): InterpreterSources {
  const folder = vscode.workspace.workspaceFolders?.[0];
  return {
    configured: () => vscode.workspace.getConfiguration("cwm").get<string>("interpreter"),
    pythonExtension: activePythonExtension,
    workspaceFolder: folder?.uri.fsPath,
    resource: folder?.uri,
    log,
  };
}

export function discoverInterpreter(log?: (message: string) => void): Promise<Interpreter> {
  return findInterpreter(vscodeInterpreterSources(log));
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
