/** The language client: finds cwm-lsp, starts `<python> -m cwm_lsp --stdio` and talks to it. */
import { spawn } from "node:child_process";
import * as vscode from "vscode";
import {
  CloseAction,
  DidChangeConfigurationNotification,
  ErrorAction,
  ExecuteCommandRequest,
  LanguageClient,
  State,
  type CloseHandlerResult,
  type ErrorHandlerResult,
  type LanguageClientOptions,
  type ServerOptions,
} from "vscode-languageclient/node";
import { discoverInterpreter, interpreterSettingsScope, openInterpreterSettings } from "./discovery";
import { describeSource, lastLines, noServerMessage, serverCommand, type Interpreter } from "./interpreter";
import { OutputTail, serverStoppedMessage } from "./serverFailure";
import { RestartPolicy, type RestartDecision } from "./restartPolicy";
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
  private readonly stderr = new OutputTail();
  private readonly policy = new RestartPolicy();
  private restartTimer: NodeJS.Timeout | undefined;
  /** True while `client.start()` runs: its own failure is reported by start(). */
  private starting = false;

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
    this.statusBar.update(undefined);
    const discovery = await discoverInterpreter((message) => this.output.appendLine(message));
    for (const { interpreter, result } of discovery.attempts) {
      this.output.appendLine(
        `looked for cwm-lsp: ${describeSource(interpreter)}: ${result.ok ? result.version : lastLines(result.detail, 3)}`,
      );
    }
    this.chosen = discovery.chosen;
    if (!discovery.chosen) {
      const message = noServerMessage(discovery.attempts, interpreterSettingsScope());
      this.statusBar.serverFailed(message);
      void this.reportFailure(message);
      return;
    }
    const chosen = discovery.chosen;
    const { command, args } = serverCommand(chosen);
    this.output.appendLine(`starting ${command} ${args.join(" ")} (${discovery.version ?? "cwm-lsp"})`);
    this.stderr.clear();

    const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    // Spawned here (not by the client's stdio transport, which appends a
    // second --stdio) so that the server's stderr can go into messages.
    const serverOptions: ServerOptions = () => {
      const child = spawn(command, args, { cwd, env: process.env });
      child.stderr.on("data", (data: Buffer) => this.stderr.append(data.toString("utf8")));
      this.policy.started();
      return Promise.resolve(child);
    };
    let decision: RestartDecision | undefined;
    const clientOptions: LanguageClientOptions = {
      documentSelector: [
        { scheme: "file", language: "python" },
        { scheme: "untitled", language: "python" },
      ],
      outputChannel: this.output,
      initializationOptions: () => initializationOptions(configuration(), vscode.workspace.isTrusted),
      errorHandler: {
        error: (): ErrorHandlerResult => ({ action: ErrorAction.Continue, handled: true }),
        closed: (): CloseHandlerResult => {
          decision = this.policy.closed();
          if (decision.restart) {
            const delay = decision.delayMs;
            this.output.appendLine(`the language server stopped; starting it again in ${delay / 1000} s`);
            this.restartTimer = setTimeout(() => void this.restart(false), delay);
          } else if (!this.starting) {
            const message = serverStoppedMessage(chosen, decision, this.stderr.lines());
            this.statusBar.serverFailed(message);
            void this.reportFailure(message);
          }
          return { action: CloseAction.DoNotRestart, handled: true };
        },
      },
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
    this.starting = true;
    try {
      await client.start();
    } catch (error) {
      // Let the process's last words arrive before quoting them.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const reason = error instanceof Error ? error.message : String(error);
      const stderr = this.stderr.lines();
      const message = stderr
        ? serverStoppedMessage(chosen, decision, stderr)
        : `cwm-lsp: the language server ${describeSource(chosen)} did not start: ${reason}`;
      this.statusBar.serverFailed(message);
      void this.reportFailure(message);
    } finally {
      this.starting = false;
    }
  }

  async stop(): Promise<void> {
    if (this.restartTimer) {
      clearTimeout(this.restartTimer);
      this.restartTimer = undefined;
    }
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

  /** Stops and starts the server; `fresh` (the user asked) forgets earlier restarts. */
  async restart(fresh = true): Promise<void> {
    if (fresh) {
      this.policy.reset();
    }
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

  private async reportFailure(message: string): Promise<void> {
    const choice = await vscode.window.showErrorMessage(message, "Open Settings", "Show Output", "Restart Server");
    if (choice === "Open Settings") {
      await openInterpreterSettings();
    } else if (choice === "Show Output") {
      this.output.show();
    } else if (choice === "Restart Server") {
      await this.restart();
    }
  }
}
