/**
 * Resolution of `cwm` launch configurations (docs/CONTRACTS.md "Debug adapter
 * launch configuration"): fills `program` from the active editor and
 * `function` from the def enclosing the cursor, applies defaults, and refuses
 * real execution in an untrusted workspace. Pure: no vscode import.
 */
import type { ServerSettings } from "./settings";

export type DebugMode = "imagine" | "compare";

export interface CwmLaunchConfiguration {
  type: string;
  request: string;
  name: string;
  program?: string;
  function?: string;
  args?: string;
  mode?: DebugMode;
  model?: string;
  maxFrames?: number;
  stopOnEntry?: boolean;
  [key: string]: unknown;
}

/** What the resolver needs to know about the active editor. */
export interface EditorSnapshot {
  fileName: string;
  languageId: string;
  /** 0-based line of the cursor. */
  cursorLine: number;
  lineAt(line: number): string;
}

export interface ResolutionContext {
  editor?: EditorSnapshot;
  trusted: boolean;
  settings: ServerSettings;
}

export type Resolution =
  | { ok: true; config: CwmLaunchConfiguration }
  | { ok: false; message: string };

export const UNTRUSTED_COMPARE_MESSAGE =
  "cwm-lsp: compare mode runs your code, and this workspace is not trusted. " +
  'Trust the workspace, or debug with "mode": "imagine" (the model only imagines execution).';

const DEF_PATTERN = /^(\s*)(?:async\s+)?def\s+([A-Za-z_]\w*)\s*[([]/;

function indentation(line: string): number {
  return line.length - line.trimStart().length;
}

function isCode(line: string): boolean {
  const trimmed = line.trim();
  return trimmed !== "" && !trimmed.startsWith("#");
}

/**
 * Name of the innermost `def` enclosing `line` (0-based), found by scanning
 * upward for a `def name(` indented less than everything seen so far.
 * Undefined at module level.
 */
export function enclosingFunction(lineAt: (line: number) => string, line: number): string | undefined {
  const current = lineAt(line);
  const own = DEF_PATTERN.exec(current);
  if (own) {
    return own[2];
  }
  let limit = isCode(current) ? indentation(current) : Number.POSITIVE_INFINITY;
  for (let index = line - 1; index >= 0; index--) {
    const text = lineAt(index);
    if (!isCode(text)) {
      continue;
    }
    const indent = indentation(text);
    if (indent >= limit) {
      continue;
    }
    const match = DEF_PATTERN.exec(text);
    if (match) {
      return match[2];
    }
    if (indent === 0) {
      return undefined;
    }
    limit = indent;
  }
  return undefined;
}

function isActiveEditorProgram(program: string | undefined, editor: EditorSnapshot): boolean {
  return program === undefined || program === "${file}" || program === editor.fileName;
}

/**
 * Fills in a `cwm` launch configuration. An empty configuration (F5 without a
 * launch.json) becomes "simulate the function at the cursor".
 */
export function resolveLaunchConfiguration(
  input: Partial<CwmLaunchConfiguration>,
  context: ResolutionContext,
): Resolution {
  const { editor, trusted, settings } = context;
  const pythonEditor = editor && editor.languageId === "python" ? editor : undefined;
  const config: CwmLaunchConfiguration = {
    ...input,
    type: input.type || "cwm",
    request: input.request || "launch",
    name: input.name || "CWM: simulate the function at the cursor",
  };
  if (config.request !== "launch") {
    return { ok: false, message: `cwm-lsp: only "launch" debug configurations exist, not "${config.request}".` };
  }

  if (!config.program) {
    if (!pythonEditor) {
      return { ok: false, message: 'cwm-lsp: open a Python file, or set "program" in the launch configuration.' };
    }
    config.program = pythonEditor.fileName;
  }

  if (!config.function) {
    const name =
      pythonEditor && isActiveEditorProgram(config.program, pythonEditor)
        ? enclosingFunction((line) => pythonEditor.lineAt(line), pythonEditor.cursorLine)
        : undefined;
    if (!name) {
      return {
        ok: false,
        message: 'cwm-lsp: put the cursor inside a function, or set "function" in the launch configuration.',
      };
    }
    config.function = name;
  }

  const mode = config.mode ?? "imagine";
  if (mode !== "imagine" && mode !== "compare") {
    return { ok: false, message: `cwm-lsp: "mode" must be "imagine" or "compare", not "${String(mode)}".` };
  }
  if (mode === "compare" && !trusted) {
    return { ok: false, message: UNTRUSTED_COMPARE_MESSAGE };
  }
  config.mode = mode;

  if (config.maxFrames === undefined) {
    config.maxFrames = settings.prediction.maxFrames;
  }
  if (config.stopOnEntry === undefined) {
    config.stopOnEntry = true;
  }
  if (!config.model && settings.model.path) {
    config.model = settings.model.path;
  }
  return { ok: true, config };
}

/** The launch configuration that "simulate the function at the cursor" starts. */
export function simulateAtCursorConfiguration(editor: EditorSnapshot): Resolution {
  if (editor.languageId !== "python") {
    return { ok: false, message: "cwm-lsp: the active editor is not a Python file." };
  }
  const name = enclosingFunction((line) => editor.lineAt(line), editor.cursorLine);
  if (!name) {
    return { ok: false, message: "cwm-lsp: the cursor is not inside a function." };
  }
  return {
    ok: true,
    config: {
      type: "cwm",
      request: "launch",
      name: `CWM: simulate ${name}`,
      program: editor.fileName,
      function: name,
      mode: "imagine",
      stopOnEntry: true,
    },
  };
}
