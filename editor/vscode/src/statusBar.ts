/** The status bar item that shows the model's state. */
import * as vscode from "vscode";
import { presentStatus, serverFailurePresentation, type ModelStatus, type StatusPresentation } from "./status";

export class ModelStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private current: ModelStatus | undefined;

  constructor() {
    this.item = vscode.window.createStatusBarItem("cwm.modelStatus", vscode.StatusBarAlignment.Right, 100);
    this.item.name = "cwm-lsp model";
    this.item.command = "cwm.showModelStatus";
    this.show(presentStatus(undefined));
    this.item.show();
  }

  get status(): ModelStatus | undefined {
    return this.current;
  }

  update(status: ModelStatus | undefined): void {
    this.current = status;
    this.show(presentStatus(status));
  }

  serverFailed(message: string): void {
    this.current = undefined;
    this.show(serverFailurePresentation(message));
  }

  dispose(): void {
    this.item.dispose();
  }

  private show(presentation: StatusPresentation): void {
    this.item.text = presentation.text;
    this.item.tooltip = presentation.tooltip;
    this.item.backgroundColor =
      presentation.severity === "error"
        ? new vscode.ThemeColor("statusBarItem.errorBackground")
        : presentation.severity === "warning"
          ? new vscode.ThemeColor("statusBarItem.warningBackground")
          : undefined;
  }
}
