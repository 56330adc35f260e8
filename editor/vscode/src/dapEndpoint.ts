/**
 * The server's private DAP endpoint (`cwm.dapEndpoint`, docs/CONTRACTS.md)
 * and a debug adapter that relays DAP messages over it: connect, send
 * `token\r\n`, then speak DAP (Content-Length framing, lengths in bytes).
 * Pure Node: VS Code sees it through DebugAdapterInlineImplementation.
 */
import * as net from "node:net";
import type * as vscode from "vscode";

export type DapEndpoint =
  | { transport: "unix"; path: string; token: string }
  | { transport: "tcp"; host: string; port: number; token: string };

/** Validates the reply of `cwm.dapEndpoint`; throws an Error naming what is wrong. */
export function parseDapEndpoint(raw: unknown): DapEndpoint {
  if (typeof raw !== "object" || raw === null) {
    throw new Error("cwm.dapEndpoint returned no endpoint");
  }
  const value = raw as Record<string, unknown>;
  if (typeof value.token !== "string") {
    throw new Error("cwm.dapEndpoint returned no token");
  }
  if (value.transport === "unix") {
    if (typeof value.path !== "string" || value.path === "") {
      throw new Error("cwm.dapEndpoint returned a unix endpoint without a path");
    }
    return { transport: "unix", path: value.path, token: value.token };
  }
  if (value.transport === "tcp") {
    const port = value.port;
    if (typeof port !== "number" || !Number.isInteger(port) || port <= 0 || port > 65535) {
      throw new Error("cwm.dapEndpoint returned a tcp endpoint without a valid port");
    }
    const host = typeof value.host === "string" && value.host ? value.host : "127.0.0.1";
    return { transport: "tcp", host, port, token: value.token };
  }
  throw new Error(`cwm.dapEndpoint returned an unknown transport: ${String(value.transport)}`);
}

export function connectionOptions(endpoint: DapEndpoint): net.NetConnectOpts {
  return endpoint.transport === "unix"
    ? { path: endpoint.path }
    : { host: endpoint.host, port: endpoint.port };
}

/** One DAP message as bytes: `Content-Length: N\r\n\r\n` + UTF-8 JSON. */
export function encodeDapMessage(message: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(message), "utf8");
  return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, "ascii"), body]);
}

const HEADER_END = Buffer.from("\r\n\r\n", "ascii");

/** Splits a byte stream into DAP messages; Content-Length counts bytes, not characters. */
export class DapMessageReader {
  private buffer: Buffer = Buffer.alloc(0);

  feed(chunk: Buffer): unknown[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const messages: unknown[] = [];
    for (;;) {
      const headerEnd = this.buffer.indexOf(HEADER_END);
      if (headerEnd < 0) {
        return messages;
      }
      const header = this.buffer.subarray(0, headerEnd).toString("ascii");
      const match = /Content-Length:\s*(\d+)/i.exec(header);
      if (!match) {
        throw new Error(`DAP header without Content-Length: ${JSON.stringify(header)}`);
      }
      const length = Number(match[1]);
      const start = headerEnd + HEADER_END.length;
      if (this.buffer.length < start + length) {
        return messages;
      }
      messages.push(JSON.parse(this.buffer.subarray(start, start + length).toString("utf8")));
      this.buffer = this.buffer.subarray(start + length);
    }
  }
}

type Listener<T> = (event: T) => unknown;

/** A minimal `vscode.Event` source, so this module needs no vscode at run time. */
class Emitter<T> {
  private listeners = new Set<Listener<T>>();

  readonly event = (listener: Listener<T>, thisArgs?: unknown, disposables?: { dispose(): unknown }[]) => {
    const bound: Listener<T> = (event) => listener.call(thisArgs, event);
    this.listeners.add(bound);
    const disposable = { dispose: () => this.listeners.delete(bound) };
    disposables?.push(disposable);
    return disposable;
  };

  fire(event: T): void {
    for (const listener of [...this.listeners]) {
      listener(event);
    }
  }

  dispose(): void {
    this.listeners.clear();
  }
}

export type Connect = (options: net.NetConnectOpts) => net.Socket;

/**
 * A debug adapter living in the server: VS Code hands DAP messages to
 * `handleMessage`, they go out over the socket; messages from the socket come
 * back through `onDidSendMessage`. A lost connection ends the session with an
 * `output` and a `terminated` event.
 */
export class SocketDebugAdapter implements vscode.DebugAdapter {
  private readonly emitter = new Emitter<vscode.DebugProtocolMessage>();
  private readonly reader = new DapMessageReader();
  private readonly socket: net.Socket;
  private closed = false;
  private seq = 1_000_000;

  readonly onDidSendMessage = this.emitter.event as vscode.Event<vscode.DebugProtocolMessage>;

  constructor(endpoint: DapEndpoint, connect: Connect = net.connect) {
    this.socket = connect(connectionOptions(endpoint));
    this.socket.write(`${endpoint.token}\r\n`, "utf8");
    this.socket.on("data", (chunk: Buffer) => this.receive(chunk));
    this.socket.on("error", (error: Error) => this.lost(`cwm-lsp: debug adapter connection failed: ${error.message}`));
    this.socket.on("close", () => this.lost("cwm-lsp: the debug adapter closed the connection."));
  }

  handleMessage(message: vscode.DebugProtocolMessage): void {
    if (!this.closed) {
      this.socket.write(encodeDapMessage(message));
    }
  }

  dispose(): void {
    this.closed = true;
    this.socket.destroy();
    this.emitter.dispose();
  }

  private receive(chunk: Buffer): void {
    let messages: unknown[];
    try {
      messages = this.reader.feed(chunk);
    } catch (error) {
      this.lost(`cwm-lsp: unreadable message from the debug adapter: ${String(error)}`);
      return;
    }
    for (const message of messages) {
      this.emitter.fire(message as vscode.DebugProtocolMessage);
    }
  }

  private lost(reason: string): void {
    if (this.closed) {
      return;
    }
    this.closed = true;
    this.socket.destroy();
    this.emitter.fire(this.event("output", { category: "stderr", output: `${reason}\n` }));
    this.emitter.fire(this.event("terminated", {}));
  }

  private event(event: string, body: object): vscode.DebugProtocolMessage {
    return { seq: this.seq++, type: "event", event, body } as vscode.DebugProtocolMessage;
  }
}
