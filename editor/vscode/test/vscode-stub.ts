/**
 * A hand-written stand-in for the parts of the `vscode` API the extension
 * uses. The test bundles alias `vscode` to this file; tests steer it through
 * `stub` and read back what the extension showed or started.
 */

export enum StatusBarAlignment {
  Left = 1,
  Right = 2,
}

export enum ConfigurationTarget {
  Global = 1,
  Workspace = 2,
  WorkspaceFolder = 3,
}

export enum ProgressLocation {
  SourceControl = 1,
  Window = 10,
  Notification = 15,
}

export class ThemeColor {
  constructor(readonly id: string) {}
}

export class Uri {
  private constructor(
    readonly scheme: string,
    readonly fsPath: string,
  ) {}

  static file(path: string): Uri {
    return new Uri("file", path);
  }

  toString(): string {
    return `${this.scheme}://${this.fsPath}`;
  }
}

export class DebugAdapterInlineImplementation {
  constructor(readonly implementation: unknown) {}
}

export class DebugAdapterExecutable {
  constructor(
    readonly command: string,
    readonly args: string[],
    readonly options?: { cwd?: string },
  ) {}
}

export interface StubStatusBarItem {
  id: string;
  alignment: StatusBarAlignment;
  name?: string;
  text: string;
  tooltip?: string;
  command?: string;
  backgroundColor?: ThemeColor;
  visible: boolean;
  show(): void;
  hide(): void;
  dispose(): void;
}

export interface StubExtension {
  isActive: boolean;
  exports: unknown;
  activate(): Promise<unknown>;
}

export interface StubEditor {
  document: {
    uri: Uri;
    languageId: string;
    lineAt(line: number): { text: string };
  };
  selection: { active: { line: number; character: number } };
}

export interface ShownMessage {
  severity: "error" | "warning" | "information";
  message: string;
  /** A modal message's detail text. */
  detail?: string;
}

/** Settings of section "cwm": global (user) and workspace values. */
class StubSettings {
  global = new Map<string, unknown>();
  workspace = new Map<string, unknown>();

  value(key: string): unknown {
    return this.workspace.has(key) ? this.workspace.get(key) : this.global.get(key);
  }
}

export const stub = {
  trusted: true,
  activeTextEditor: undefined as StubEditor | undefined,
  settings: new StubSettings(),
  extensions: new Map<string, StubExtension>(),
  messages: [] as ShownMessage[],
  /** Button that showInformationMessage/showErrorMessage resolve with. */
  nextChoice: undefined as string | undefined,
  statusBarItems: [] as StubStatusBarItem[],
  startedDebugging: [] as { folder: unknown; config: Record<string, unknown> }[],
  executedCommands: [] as { command: string; args: unknown[] }[],
  /** `vscode.env.remoteName`: set for a remote window (code-server, SSH, WSL, containers). */
  remoteName: undefined as string | undefined,

  reset(): void {
    this.remoteName = undefined;
    this.trusted = true;
    this.activeTextEditor = undefined;
    this.settings = new StubSettings();
    this.extensions.clear();
    this.messages = [];
    this.nextChoice = undefined;
    this.statusBarItems = [];
    this.startedDebugging = [];
    this.executedCommands = [];
  },

  /** An editor on `path` holding `text`, cursor on 0-based `line`. */
  editor(path: string, text: string, line: number, languageId = "python"): StubEditor {
    const lines = text.split("\n");
    return {
      document: {
        uri: Uri.file(path),
        languageId,
        lineAt: (index: number) => ({ text: lines[index] ?? "" }),
      },
      selection: { active: { line, character: 0 } },
    };
  },
};

function show(severity: ShownMessage["severity"], message: string, ...rest: unknown[]): Promise<string | undefined> {
  const options = rest[0];
  const detail =
    typeof options === "object" && options !== null && "detail" in options ? String((options as { detail: unknown }).detail) : undefined;
  stub.messages.push(detail === undefined ? { severity, message } : { severity, message, detail });
  return Promise.resolve(stub.nextChoice);
}

export const window = {
  get activeTextEditor(): StubEditor | undefined {
    return stub.activeTextEditor;
  },
  showErrorMessage: (message: string, ...rest: unknown[]) => show("error", message, ...rest),
  showWarningMessage: (message: string, ...rest: unknown[]) => show("warning", message, ...rest),
  showInformationMessage: (message: string, ...rest: unknown[]) => show("information", message, ...rest),
  setStatusBarMessage: (message: string) => {
    stub.messages.push({ severity: "information", message });
    return { dispose() {} };
  },
  withProgress: <T>(_options: unknown, task: () => Promise<T>): Promise<T> => task(),
  createStatusBarItem(id: string, alignment: StatusBarAlignment): StubStatusBarItem {
    const item: StubStatusBarItem = {
      id,
      alignment,
      text: "",
      visible: false,
      show() {
        item.visible = true;
      },
      hide() {
        item.visible = false;
      },
      dispose() {
        item.visible = false;
      },
    };
    stub.statusBarItems.push(item);
    return item;
  },
};

export const workspace = {
  get isTrusted(): boolean {
    return stub.trusted;
  },
  workspaceFolders: undefined as { uri: Uri }[] | undefined,
  getWorkspaceFolder: () => undefined,
  getConfiguration(section?: string) {
    const prefix = section ? `${section}.` : "";
    return {
      get<T>(key: string, fallback?: T): T | undefined {
        const value = stub.settings.value(prefix + key);
        return value === undefined ? fallback : (value as T);
      },
      inspect<T>(key: string) {
        return {
          key: prefix + key,
          globalValue: stub.settings.global.get(prefix + key) as T | undefined,
          workspaceValue: stub.settings.workspace.get(prefix + key) as T | undefined,
        };
      },
      update(key: string, value: unknown, target: ConfigurationTarget): Promise<void> {
        const store = target === ConfigurationTarget.Global ? stub.settings.global : stub.settings.workspace;
        store.set(prefix + key, value);
        return Promise.resolve();
      },
    };
  },
};

export const env = {
  get remoteName(): string | undefined {
    return stub.remoteName;
  },
};

export const extensions = {
  getExtension: (id: string) => stub.extensions.get(id),
};

export const debug = {
  startDebugging(folder: unknown, config: Record<string, unknown>): Promise<boolean> {
    stub.startedDebugging.push({ folder, config });
    return Promise.resolve(true);
  },
};

export const commands = {
  executeCommand(command: string, ...args: unknown[]): Promise<unknown> {
    stub.executedCommands.push({ command, args });
    return Promise.resolve(undefined);
  },
  registerCommand: () => ({ dispose() {} }),
};
