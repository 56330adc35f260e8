/** The `cwm` debug type: configuration provider and adapter descriptor factory. */
import * as vscode from "vscode";
import { parseDapEndpoint, SocketDebugAdapter } from "./dapEndpoint";
import { resolveLaunchConfiguration, type CwmLaunchConfiguration } from "./debugConfig";
import { snapshotOf } from "./editorSnapshot";
import { debugAdapterCommand, type Interpreter } from "./interpreter";
import { serverSettings } from "./settings";

export const DEBUG_TYPE = "cwm";

export class CwmDebugConfigurationProvider implements vscode.DebugConfigurationProvider {
  resolveDebugConfiguration(
    _folder: vscode.WorkspaceFolder | undefined,
    debugConfiguration: vscode.DebugConfiguration,
  ): vscode.ProviderResult<vscode.DebugConfiguration> {
    const resolution = resolveLaunchConfiguration(debugConfiguration as Partial<CwmLaunchConfiguration>, {
      editor: snapshotOf(vscode.window.activeTextEditor),
      trusted: vscode.workspace.isTrusted,
      settings: serverSettings(vscode.workspace.getConfiguration("cwm")),
    });
    if (!resolution.ok) {
      void vscode.window.showErrorMessage(resolution.message);
      return undefined; // abort the launch
    }
    return resolution.config as vscode.DebugConfiguration;
  }
}

/** What the adapter factory needs from the running language server. */
export interface DebugAdapterHost {
  /** Reply of `cwm.dapEndpoint`; rejects when the server isn't running. */
  dapEndpoint(): Promise<unknown>;
  /** Interpreter for the standalone `cwm_lsp dap` fallback. */
  interpreter(): Promise<Interpreter>;
  log(message: string): void;
}

/**
 * Connects to the server's private DAP endpoint (sending the token line first,
 * which DebugAdapterServer/NamedPipeServer cannot do), else starts
 * `<python> -m cwm_lsp dap`.
 */
export class CwmDebugAdapterFactory implements vscode.DebugAdapterDescriptorFactory {
  constructor(private readonly host: DebugAdapterHost) {}

  async createDebugAdapterDescriptor(session: vscode.DebugSession): Promise<vscode.DebugAdapterDescriptor> {
    try {
      const endpoint = parseDapEndpoint(await this.host.dapEndpoint());
      this.host.log(`debug session "${session.name}": connecting to the server's ${endpoint.transport} endpoint`);
      return new vscode.DebugAdapterInlineImplementation(new SocketDebugAdapter(endpoint));
    } catch (error) {
      const { command, args } = debugAdapterCommand(await this.host.interpreter());
      this.host.log(
        `debug session "${session.name}": no server endpoint (${error instanceof Error ? error.message : String(error)}); ` +
          `starting ${command} ${args.join(" ")}`,
      );
      return new vscode.DebugAdapterExecutable(command, args, {
        cwd: session.workspaceFolder?.uri.fsPath,
      });
    }
  }
}

/**
 * Opens the Run and Debug view when a `cwm` session starts, however it was
 * started (the command, F5, a launch configuration): VS Code 1.139 left the
 * Explorer showing, so the imagined variables were out of sight. Respects
 * `debug.openDebug: neverOpen`.
 */
export async function revealDebugView(session: Pick<vscode.DebugSession, "type">): Promise<boolean> {
  if (session.type !== DEBUG_TYPE) {
    return false;
  }
  if (vscode.workspace.getConfiguration("debug").get<string>("openDebug") === "neverOpen") {
    return false;
  }
  await vscode.commands.executeCommand("workbench.view.debug");
  return true;
}
