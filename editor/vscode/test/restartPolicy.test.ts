import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RestartPolicy, type RestartLimits } from "../src/restartPolicy";
import { OutputTail, serverStoppedMessage } from "../src/serverFailure";

const LIMITS: RestartLimits = { minUptimeMs: 10_000, maxRestarts: 3, windowMs: 180_000, firstDelayMs: 1_000 };

function clock() {
  const time = { now: 0 };
  return { time, policy: new RestartPolicy(LIMITS, () => time.now) };
}

describe("restarting a server that stopped", () => {
  it("does not restart a server that dies right after it started: it would die again", () => {
    const { time, policy } = clock();
    policy.started();
    time.now = 400;
    assert.deepEqual(policy.closed(), { restart: false, reason: "died-at-start" });
  });

  it("restarts a server that ran a while, after a pause that doubles", () => {
    const { time, policy } = clock();
    const delays: number[] = [];
    for (let round = 0; round < 3; round++) {
      policy.started();
      time.now += 20_000;
      const decision = policy.closed();
      assert.equal(decision.restart, true);
      delays.push(decision.restart ? decision.delayMs : -1);
    }
    assert.deepEqual(delays, [1_000, 2_000, 4_000]);
  });

  it("gives up after three restarts within three minutes, and starts afresh when the user restarts", () => {
    const { time, policy } = clock();
    for (let round = 0; round < 3; round++) {
      policy.started();
      time.now += 15_000;
      policy.closed();
    }
    policy.started();
    time.now += 15_000;
    assert.deepEqual(policy.closed(), { restart: false, reason: "too-many-restarts" });
    policy.reset();
    policy.started();
    time.now += 15_000;
    assert.equal(policy.closed().restart, true);
  });

  it("forgets restarts older than the window", () => {
    const { time, policy } = clock();
    for (let round = 0; round < 3; round++) {
      policy.started();
      time.now += 15_000;
      policy.closed();
    }
    time.now += 200_000;
    policy.started();
    time.now += 15_000;
    assert.deepEqual(policy.closed(), { restart: true, delayMs: 1_000 });
  });
});

describe("the message of a server that stopped", () => {
  it("quotes the last lines of the server's own stderr", () => {
    const tail = new OutputTail();
    tail.append("Traceback (most recent call last):\n  File \"x\"\n");
    tail.append("ModuleNotFoundError: No module named 'llama_cpp'\n");
    const message = serverStoppedMessage(
      { path: "/v/bin/python", source: "workspace-venv" },
      { restart: false, reason: "died-at-start" },
      tail.lines(),
    );
    assert.match(message, /\/v\/bin\/python \(the workspace's virtual environment\) stopped while starting/);
    assert.match(message, /No module named 'llama_cpp'$/);
  });

  it("keeps only the end of a long stderr", () => {
    const tail = new OutputTail(20);
    tail.append("a".repeat(100) + "\nthe end\n");
    assert.equal(tail.lines(1), "the end");
    assert.ok(tail.lines().length < 20);
  });

  it("says so when the server gave up after restarts, and when it printed nothing", () => {
    const message = serverStoppedMessage(
      { path: "python3", source: "default" },
      { restart: false, reason: "too-many-restarts" },
      "",
    );
    assert.match(message, /not restarted any more/);
    assert.match(message, /printed nothing on stderr/);
  });
});
