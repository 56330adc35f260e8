/**
 * Which Python runs the server: the `cwm.interpreter` setting, then the Python
 * extension's active environment, then `python3`.
 */
import * as os from "node:os";
import * as path from "node:path";

export type InterpreterSource = "setting" | "python-extension" | "default";

export interface Interpreter {
  path: string;
  source: InterpreterSource;
}

/** The slice of the ms-python.python extension API (`environments`) used here. */
export interface PythonEnvironmentsApi {
  environments?: {
    getActiveEnvironmentPath(resource?: unknown): { id: string; path: string } | undefined;
    resolveEnvironment?(
      environment: { id: string; path: string } | string,
    ): Promise<{ executable?: { uri?: { fsPath: string } } } | undefined> | undefined;
    onDidChangeActiveEnvironmentPath?(listener: () => unknown): { dispose(): unknown };
  };
}

export interface InterpreterSources {
  /** Raw value of the `cwm.interpreter` setting. */
  configured(): string | undefined;
  /** The activated Python extension's API, or undefined when it isn't installed. */
  pythonExtension(): Promise<PythonEnvironmentsApi | undefined>;
  /** Folder that `${workspaceFolder}` in the setting stands for. */
  workspaceFolder?: string;
  /** Scope handed to `getActiveEnvironmentPath` (the workspace folder's URI). */
  resource?: unknown;
  /** Where failures of the Python extension are reported; they never stop discovery. */
  log?(message: string): void;
}

export const DEFAULT_INTERPRETER = process.platform === "win32" ? "python" : "python3";

/** Expands `~` and `${workspaceFolder}` in a configured interpreter path. */
export function expandInterpreterPath(raw: string, workspaceFolder?: string): string {
  let value = raw.trim();
  if (workspaceFolder !== undefined) {
    value = value.split("${workspaceFolder}").join(workspaceFolder);
  }
  if (value === "~" || value.startsWith("~/")) {
    value = path.join(os.homedir(), value.slice(1));
  }
  return value;
}

async function fromPythonExtension(sources: InterpreterSources): Promise<string | undefined> {
  try {
    const api = await sources.pythonExtension();
    const environments = api?.environments;
    if (!environments) {
      return undefined;
    }
    const active = environments.getActiveEnvironmentPath(sources.resource);
    if (!active?.path) {
      return undefined;
    }
    const resolved = await environments.resolveEnvironment?.(active);
    return resolved?.executable?.uri?.fsPath || active.path;
  } catch (error) {
    sources.log?.(`Python extension did not name an interpreter: ${String(error)}`);
    return undefined;
  }
}

export async function findInterpreter(sources: InterpreterSources): Promise<Interpreter> {
  const configured = expandInterpreterPath(sources.configured() ?? "", sources.workspaceFolder);
  if (configured) {
    return { path: configured, source: "setting" };
  }
  const active = await fromPythonExtension(sources);
  if (active) {
    return { path: active, source: "python-extension" };
  }
  return { path: DEFAULT_INTERPRETER, source: "default" };
}

export interface ProcessCommand {
  command: string;
  args: string[];
}

/** `<python> -m cwm_lsp --stdio`: the language server on stdio. */
export function serverCommand(python: string): ProcessCommand {
  return { command: python, args: ["-m", "cwm_lsp", "--stdio"] };
}

/** `<python> -m cwm_lsp dap`: the standalone debug adapter on stdio. */
export function debugAdapterCommand(python: string): ProcessCommand {
  return { command: python, args: ["-m", "cwm_lsp", "dap"] };
}
