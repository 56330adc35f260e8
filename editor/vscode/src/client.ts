/** The language client: starts `<python> -m cwm_lsp --stdio` and talks to it. */
import * as vscode from "vscode";
import {
  DidChangeConfigurationNotification,
  ExecuteCommandRequest,
  LanguageClient,
  State,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from "vscode-languageclient/node";
import { discoverInterpreter } from "./discovery";
import { serverCommand, type Interpreter } from "./interpreter";
import { commandsLeftToClient } from "./serverCommands";
import { didChangeConfigurationParams, initializationOptions, serverSettings } from "./settings";
import { parseModelStatus, type ModelStatus } from "./status";
import type { ModelStatusBar } from "./statusBar";

export const STATUS_NOTIFICATION = "cwm/status";

function configuration(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration("cwm");
}

export class CwmServer implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private chosen: Interpreter | undefined;

  constructor(
    private readonly output: vscode.OutputChannel,
    private readonly statusBar: ModelStatusBar,
  ) {}

  get interpreter(): Interpreter | undefined {
    return this.chosen;
  }

  get running(): boolean {
    return this.client?.state === State.Running;
  }

  async start(): Promise<void> {
    this.chosen = await discoverInterpreter((message) => this.output.appendLine(message));
    const { command, args } = serverCommand(this.chosen.path);
    this.output.appendLine(`starting ${command} ${args.join(" ")} (interpreter from ${this.chosen.source})`);
    this.statusBar.update(undefined);

    const serverOptions: ServerOptions = { command, args, transport: TransportKind.stdio };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [
        { scheme: "file", language: "python" },
        { scheme: "untitled", language: "python" },
      ],
      outputChannel: this.output,
      initializationOptions: () => initializationOptions(configuration(), vscode.workspace.isTrusted),
      middleware: {
        workspace: {
          // The server may pull section "cwm": answer with the contract's shape.
          configuration: async (params, token, next) => {
            const answers = await next(params, token);
            if (!Array.isArray(answers)) {
              return answers;
            }
            return params.items.map((item, index) =>
              item.section === "cwm" ? serverSettings(configuration()) : answers[index],
            );
          },
        },
      },
    };
    const client = new LanguageClient("cwm", "cwm-lsp", serverOptions, clientOptions);
    this.keepClientOwnedCommands(client);
    client.onNotification(STATUS_NOTIFICATION, (raw: unknown) => {
      const status = parseModelStatus(raw);
      if (status) {
        this.statusBar.update(status);
      }
    });
    this.client = client;
    try {
      await client.start();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.statusBar.serverFailed(reason);
      void this.reportStartFailure(reason);
    }
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client && client.state !== State.Stopped) {
      try {
        await client.stop();
      } catch (error) {
        this.output.appendLine(`stopping the server: ${String(error)}`);
      }
    }
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** `workspace/executeCommand` on the server. */
  async executeCommand(command: string, args: unknown[] = []): Promise<unknown> {
    if (!this.client || !this.running) {
      throw new Error("the cwm-lsp language server is not running");
    }
    return this.client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args });
  }

  async modelStatus(): Promise<ModelStatus | undefined> {
    const status = parseModelStatus(await this.executeCommand("cwm.modelStatus"));
    if (status) {
      this.statusBar.update(status);
    }
    return status;
  }

  async sendSettings(): Promise<void> {
    if (this.client && this.running) {
      await this.client.sendNotification(
        DidChangeConfigurationNotification.type,
        didChangeConfigurationParams(configuration()),
      );
    }
  }

  dispose(): void {
    void this.stop();
  }

  private keepClientOwnedCommands(client: LanguageClient): void {
    const feature = client.getFeature(ExecuteCommandRequest.method);
    const register = feature.register.bind(feature);
    feature.register = (data) =>
      register({
        ...data,
        registerOptions: {
          ...data.registerOptions,
          commands: commandsLeftToClient(data.registerOptions.commands ?? []),
        },
      });
  }

  private async reportStartFailure(reason: string): Promise<void> {
    const python = this.chosen?.path ?? "python3";
    const choice = await vscode.window.showErrorMessage(
      `cwm-lsp: the language server did not start with ${python} (${reason}). ` +
        "Install cwm-lsp into that interpreter (pip install cwm-lsp) or set cwm.interpreter.",
      "Open Settings",
      "Show Output",
    );
    if (choice === "Open Settings") {
      await vscode.commands.executeCommand("workbench.action.openSettings", "cwm.interpreter");
    } else if (choice === "Show Output") {
      this.output.show();
    }
  }
}
