import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import {
  DapMessageReader,
  encodeDapMessage,
  parseDapEndpoint,
  SocketDebugAdapter,
  type DapEndpoint,
} from "../src/dapEndpoint";
import { CwmDebugAdapterFactory } from "../src/debugProvider";
import { DebugAdapterInlineImplementation } from "./vscode-stub";

describe("DAP endpoint reply", () => {
  it("accepts a unix endpoint", () => {
    assert.deepEqual(parseDapEndpoint({ transport: "unix", path: "/tmp/s", token: "t" }), {
      transport: "unix",
      path: "/tmp/s",
      token: "t",
    });
  });

  it("accepts a tcp endpoint and defaults the host to loopback", () => {
    assert.deepEqual(parseDapEndpoint({ transport: "tcp", port: 4711, token: "t" }), {
      transport: "tcp",
      host: "127.0.0.1",
      port: 4711,
      token: "t",
    });
  });

  it("rejects replies without token, path or valid port, naming the problem", () => {
    assert.throws(() => parseDapEndpoint(null), /no endpoint/);
    assert.throws(() => parseDapEndpoint({ transport: "unix", path: "/s" }), /no token/);
    assert.throws(() => parseDapEndpoint({ transport: "unix", token: "t" }), /without a path/);
    assert.throws(() => parseDapEndpoint({ transport: "tcp", port: 70000, token: "t" }), /valid port/);
    assert.throws(() => parseDapEndpoint({ transport: "smoke", token: "t" }), /unknown transport/);
  });
});

describe("DAP framing", () => {
  it("counts Content-Length in bytes, not characters", () => {
    const bytes = encodeDapMessage({ output: "λ→✓" });
    const header = bytes.toString("utf8").split("\r\n\r\n")[0];
    assert.equal(header, `Content-Length: ${Buffer.byteLength(JSON.stringify({ output: "λ→✓" }))}`);
  });

  it("reassembles messages split across chunks, even inside a multi-byte character", () => {
    const stream = Buffer.concat([encodeDapMessage({ seq: 1, text: "naïve ✓" }), encodeDapMessage({ seq: 2 })]);
    const reader = new DapMessageReader();
    const received: unknown[] = [];
    for (let index = 0; index < stream.length; index += 3) {
      received.push(...reader.feed(stream.subarray(index, index + 3)));
    }
    assert.deepEqual(received, [{ seq: 1, text: "naïve ✓" }, { seq: 2 }]);
  });

  it("rejects a header without Content-Length", () => {
    assert.throws(() => new DapMessageReader().feed(Buffer.from("X: 1\r\n\r\n{}")), /Content-Length/);
  });
});

/** A stand-in for the server's endpoint: checks the token line, answers each request. */
function startEndpointServer(token: string) {
  const seen: { tokenLine?: string; requests: unknown[] } = { requests: [] };
  const server = net.createServer((socket) => {
    let buffer = Buffer.alloc(0);
    let authenticated = false;
    const reader = new DapMessageReader();
    socket.on("data", (chunk: Buffer) => {
      if (!authenticated) {
        buffer = Buffer.concat([buffer, chunk]);
        const end = buffer.indexOf("\r\n");
        if (end < 0) {
          return;
        }
        seen.tokenLine = buffer.subarray(0, end).toString("utf8");
        if (seen.tokenLine !== token) {
          socket.destroy();
          return;
        }
        authenticated = true;
        chunk = buffer.subarray(end + 2);
      }
      for (const request of reader.feed(chunk) as { seq: number; command: string }[]) {
        seen.requests.push(request);
        if (request.command === "disconnect") {
          socket.end();
          continue;
        }
        socket.write(
          encodeDapMessage({ seq: 1, type: "response", request_seq: request.seq, success: true, command: request.command }),
        );
      }
    });
  });
  return { server, seen };
}

function nextMessage(adapter: SocketDebugAdapter): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const subscription = adapter.onDidSendMessage((message) => {
      subscription.dispose();
      resolve(message as Record<string, unknown>);
    });
  });
}

describe("socket debug adapter against a real socket", () => {
  const directory = mkdtempSync(path.join(os.tmpdir(), "cwm-dap-"));
  const socketPath = path.join(directory, "dap.sock");
  const endpoint: DapEndpoint = { transport: "unix", path: socketPath, token: "s3cret" };
  const { server, seen } = startEndpointServer(endpoint.token);

  before(() => new Promise<void>((resolve) => server.listen(socketPath, resolve)));
  after(() => {
    server.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it("sends the token line first, then relays requests and responses", async () => {
    const adapter = new SocketDebugAdapter(endpoint);
    const reply = nextMessage(adapter);
    adapter.handleMessage({ seq: 1, type: "request", command: "initialize", arguments: {} } as never);
    assert.deepEqual(await reply, { seq: 1, type: "response", request_seq: 1, success: true, command: "initialize" });
    assert.equal(seen.tokenLine, "s3cret");
    adapter.dispose();
  });

  it("ends the session with output and terminated events when the connection closes", async () => {
    const adapter = new SocketDebugAdapter(endpoint);
    const events: Record<string, unknown>[] = [];
    const terminated = new Promise<void>((resolve) =>
      adapter.onDidSendMessage((message) => {
        const event = message as Record<string, unknown>;
        events.push(event);
        if (event.event === "terminated") {
          resolve();
        }
      }),
    );
    adapter.handleMessage({ seq: 1, type: "request", command: "disconnect" } as never);
    await terminated;
    assert.deepEqual(
      events.map((event) => event.event),
      ["output", "terminated"],
    );
    adapter.dispose();
  });

  it("reports a refused connection as a terminated session", async () => {
    const adapter = new SocketDebugAdapter({ ...endpoint, path: path.join(directory, "missing.sock") });
    const first = await nextMessage(adapter);
    assert.equal(first.event, "output");
    assert.match(String((first.body as { output: string }).output), /connection failed/);
    adapter.dispose();
  });

  it("is what the descriptor factory hands VS Code when the server names an endpoint", async () => {
    const factory = new CwmDebugAdapterFactory({
      dapEndpoint: () => Promise.resolve(endpoint),
      interpreter: () => Promise.resolve({ path: "python3", source: "default" as const }),
      log: () => undefined,
    });
    const descriptor = await factory.createDebugAdapterDescriptor({ name: "s" } as never);
    assert.ok(descriptor instanceof DebugAdapterInlineImplementation);
    const adapter = descriptor.implementation as SocketDebugAdapter;
    assert.ok(adapter instanceof SocketDebugAdapter);
    adapter.dispose();
  });
});
