/** What a failed server start is reported with: its stderr's last lines. Pure. */
import { describeSource, lastLines, type Interpreter } from "./interpreter";
import type { RestartDecision } from "./restartPolicy";

/** The end of a process's stderr, kept for failure messages. */
export class OutputTail {
  private text = "";

  constructor(private readonly limit = 4000) {}

  append(chunk: string): void {
    this.text = (this.text + chunk).slice(-this.limit);
  }

  clear(): void {
    this.text = "";
  }

  lines(count = 6): string {
    return lastLines(this.text, count);
  }
}

/** The failure message when a server that was found stops, with its own stderr. */
export function serverStoppedMessage(interpreter: Interpreter, decision: RestartDecision | undefined, stderr: string): string {
  const why =
    decision && !decision.restart && decision.reason === "too-many-restarts"
      ? "stopped again after restarts and is not restarted any more"
      : "stopped while starting";
  const said = stderr ? ` It said:\n${stderr}` : " It printed nothing on stderr.";
  return `cwm-lsp: the language server ${describeSource(interpreter)} ${why}.${said}`;
}

