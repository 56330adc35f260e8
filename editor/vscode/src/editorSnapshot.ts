/** The active editor as the pure resolvers see it. */
import type * as vscode from "vscode";
import type { EditorSnapshot } from "./debugConfig";

export function snapshotOf(editor: vscode.TextEditor | undefined): EditorSnapshot | undefined {
  if (!editor) {
    return undefined;
  }
  const document = editor.document;
  return {
    fileName: document.uri.fsPath,
    languageId: document.languageId,
    cursorLine: editor.selection.active.line,
    lineAt: (line: number) => document.lineAt(line).text,
  };
}
