/**
 * How the server is started, and where it is looked for: the `cwm.interpreter`
 * setting; without one, the Python extension's active environment, the
 * workspace's virtual environment (`.venv`, `venv`), a `cwm-lsp` executable
 * on the PATH, and last `python3`. Each candidate is tried (`--version`)
 * before the language client starts it, so a wrong one is reported with its
 * own stderr instead of a crash loop. Pure: the caller hands in file checks,
 * the Python extension and the probe.
 */
import * as os from "node:os";
import * as path from "node:path";

export type InterpreterSource = "setting" | "python-extension" | "workspace-venv" | "path" | "default";

/** One way to start cwm-lsp: a Python that has it (`-m cwm_lsp`), or the `cwm-lsp` executable. */
export interface Interpreter {
  path: string;
  source: InterpreterSource;
  /** True for the `cwm-lsp` executable itself (started without `-m cwm_lsp`). */
  executable?: boolean;
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

/** What `--version` of a candidate said. */
export type ProbeResult = { ok: true; version: string } | { ok: false; detail: string };

export interface InterpreterSources {
  /** Raw value of the `cwm.interpreter` setting (as this window reads it). */
  configured(): string | undefined;
  /** The activated Python extension's API, or undefined when it isn't installed. */
  pythonExtension(): Promise<PythonEnvironmentsApi | undefined>;
  /** Folder that `${workspaceFolder}` in the setting stands for; its venv is a candidate. */
  workspaceFolder?: string;
  /** Scope handed to `getActiveEnvironmentPath` (the workspace folder's URI). */
  resource?: unknown;
  /** Whether a file exists and may be run. */
  isExecutable(file: string): boolean;
  /** The PATH to look for `cwm-lsp` on. */
  searchPath?: string;
  /** Runs `<command> <args> --version`; rejects never. */
  probe(command: ProcessCommand): Promise<ProbeResult>;
  /** Where failures of the Python extension are reported; they never stop discovery. */
  log?(message: string): void;
  platform?: NodeJS.Platform;
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

/** `.venv` and `venv` of the workspace folder, when they hold a Python. */
function workspaceVenvs(sources: InterpreterSources): string[] {
  const folder = sources.workspaceFolder;
  if (!folder) {
    return [];
  }
  const windows = (sources.platform ?? process.platform) === "win32";
  const join = windows ? path.win32.join : path.posix.join;
  return [".venv", "venv"]
    .map((name) => (windows ? join(folder, name, "Scripts", "python.exe") : join(folder, name, "bin", "python")))
    .filter((file) => sources.isExecutable(file));
}

/** The `cwm-lsp` executable on the PATH, if there is one. */
export function cwmLspOnPath(sources: Pick<InterpreterSources, "searchPath" | "isExecutable" | "platform">): string | undefined {
  const windows = (sources.platform ?? process.platform) === "win32";
  const separator = windows ? ";" : ":";
  const names = windows ? ["cwm-lsp.exe", "cwm-lsp.cmd"] : ["cwm-lsp"];
  for (const dir of (sources.searchPath ?? "").split(separator)) {
    if (!dir) {
      continue;
    }
    for (const name of names) {
      const file = (windows ? path.win32 : path.posix).join(dir, name);
      if (sources.isExecutable(file)) {
        return file;
      }
    }
  }
  return undefined;
}

/**
 * Where the server may be, in the order they are tried. A set `cwm.interpreter`
 * is the only candidate: the user named it, and a fallback would hide a typo.
 */
export async function interpreterCandidates(sources: InterpreterSources): Promise<Interpreter[]> {
  const configured = expandInterpreterPath(sources.configured() ?? "", sources.workspaceFolder);
  if (configured) {
    return [{ path: configured, source: "setting" }];
  }
  const candidates: Interpreter[] = [];
  const active = await fromPythonExtension(sources);
  if (active) {
    candidates.push({ path: active, source: "python-extension" });
  }
  for (const venv of workspaceVenvs(sources)) {
    candidates.push({ path: venv, source: "workspace-venv" });
  }
  const onPath = cwmLspOnPath(sources);
  if (onPath) {
    candidates.push({ path: onPath, source: "path", executable: true });
  }
  candidates.push({ path: DEFAULT_INTERPRETER, source: "default" });
  const seen = new Set<string>();
  return candidates.filter((candidate) => !seen.has(candidate.path) && seen.add(candidate.path));
}

/** One candidate and what its `--version` said. */
export interface Attempt {
  interpreter: Interpreter;
  result: ProbeResult;
}

export interface Discovery {
  /** The first candidate that answered `--version`; undefined when none did. */
  chosen?: Interpreter;
  version?: string;
  attempts: Attempt[];
}

/** Tries the candidates in order and stops at the first that runs cwm-lsp. */
export async function findInterpreter(sources: InterpreterSources): Promise<Discovery> {
  const attempts: Attempt[] = [];
  for (const interpreter of await interpreterCandidates(sources)) {
    const result = await sources.probe(versionCommand(interpreter));
    attempts.push({ interpreter, result });
    if (result.ok) {
      return { chosen: interpreter, version: result.version, attempts };
    }
  }
  return { attempts };
}

const SOURCE_NAMES: Record<InterpreterSource, string> = {
  setting: "the cwm.interpreter setting",
  "python-extension": "the Python extension's environment",
  "workspace-venv": "the workspace's virtual environment",
  path: "cwm-lsp on the PATH",
  default: "the default",
};

export function describeSource(interpreter: Interpreter): string {
  return `${interpreter.path} (${SOURCE_NAMES[interpreter.source]})`;
}

/** The last lines of a process's output, for a message. */
export function lastLines(text: string, count = 4): string {
  return text
    .split(/\r?\n/)
    .map((line) => line.trimEnd())
    .filter((line) => line !== "")
    .slice(-count)
    .join("\n");
}

/**
 * The message when no candidate runs cwm-lsp: each thing tried with what it
 * said, and where the setting is read in this window.
 */
export function noServerMessage(attempts: readonly Attempt[], settingsScope: string): string {
  const tried = attempts.map(({ interpreter, result }) => {
    const said = result.ok ? result.version : lastLines(result.detail, 2) || "no output";
    return `${describeSource(interpreter)}: ${said}`;
  });
  return (
    `cwm-lsp: the language server was not found. Tried ${tried.join("; ")}. ` +
    `Install it (pip install cwm-lsp) into one of them, or set cwm.interpreter in the ${settingsScope} settings ` +
    "to a Python that has it."
  );
}

export interface ProcessCommand {
  command: string;
  args: string[];
}

function cwmLsp(interpreter: Interpreter, args: string[]): ProcessCommand {
  return interpreter.executable
    ? { command: interpreter.path, args }
    : { command: interpreter.path, args: ["-m", "cwm_lsp", ...args] };
}

/** `<python> -m cwm_lsp --stdio` (or `cwm-lsp --stdio`): the language server on stdio. */
export function serverCommand(interpreter: Interpreter): ProcessCommand {
  return cwmLsp(interpreter, ["--stdio"]);
}

/** `<python> -m cwm_lsp --version`: the check before starting. */
export function versionCommand(interpreter: Interpreter): ProcessCommand {
  return cwmLsp(interpreter, ["--version"]);
}

/** `<python> -m cwm_lsp dap`: the standalone debug adapter on stdio. */
export function debugAdapterCommand(interpreter: Interpreter): ProcessCommand {
  return cwmLsp(interpreter, ["dap"]);
}
