/** Entry point: language client, `cwm` debug type, commands, status bar. */
import * as vscode from "vscode";
import { CwmServer } from "./client";
import { registerCommands } from "./commands";
import { onActivePythonEnvironmentChange } from "./discovery";
import { CwmDebugAdapterFactory, CwmDebugConfigurationProvider, DEBUG_TYPE, revealDebugView } from "./debugProvider";
import { DEFAULT_INTERPRETER, describeSource } from "./interpreter";
import { ModelStatusBar } from "./statusBar";

let server: CwmServer | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel("cwm-lsp");
  const statusBar = new ModelStatusBar();
  server = new CwmServer(output, statusBar);
  const current = server;

  context.subscriptions.push(
    output,
    statusBar,
    current,
    ...registerCommands({
      executeCommand: (command, args) => current.executeCommand(command, args),
      modelStatus: () => current.modelStatus(),
      lastStatus: () => statusBar.status,
      restart: () => current.restart(),
      serverDescription: () => (current.interpreter ? describeSource(current.interpreter) : undefined),
    }),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new CwmDebugConfigurationProvider()),
    vscode.debug.registerDebugAdapterDescriptorFactory(
      DEBUG_TYPE,
      new CwmDebugAdapterFactory({
        dapEndpoint: () => current.executeCommand("cwm.dapEndpoint"),
        interpreter: async () => current.interpreter ?? { path: DEFAULT_INTERPRETER, source: "default" },
        log: (message) => output.appendLine(message),
      }),
    ),
    vscode.debug.onDidStartDebugSession((session) => void revealDebugView(session)),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration("cwm.interpreter")) {
        await current.restart();
      } else if (event.affectsConfiguration("cwm")) {
        await current.sendSettings();
      }
    }),
    // The server learns trust from initializationOptions.trusted: start it again.
    vscode.workspace.onDidGrantWorkspaceTrust(() => current.restart()),
  );

  await current.start();

  // A server started with the Python extension's environment follows it.
  const environmentWatch = await onActivePythonEnvironmentChange(async () => {
    if (current.interpreter?.source === "python-extension") {
      await current.restart();
    }
  });
  if (environmentWatch) {
    context.subscriptions.push(environmentWatch);
  }
}

export async function deactivate(): Promise<void> {
  await server?.stop();
  server = undefined;
}
