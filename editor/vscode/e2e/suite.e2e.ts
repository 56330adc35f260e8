/**
 * The extension in a real VS Code: code-server 4.139.1 (VS Code 1.139.1)
 * with the freshly built .vsix, rendered by headless Chromium, running the
 * real cwm-lsp server of the project's .venv with the real default model
 * (`cwm-lsp model install`). One code-server and one browser serve every
 * test; each test opens its own workspace folder in its own tab.
 *
 * The window is a remote one, as in Codespaces, Remote-SSH, WSL and Dev
 * Containers: `cwm.interpreter` is machine-overridable, so the value a user
 * types into the User tab is not read here. The extension must find the
 * server anyway: `cwm-lsp` is on the PATH, in ~/.local/bin (where `pipx
 * install` puts it; here a link to the project's .venv).
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import type { Browser } from "playwright-core";
import { makeWorkspace, startCodeServer, VENV_BIN, type CodeServer } from "./harness/codeServer";
import { DebugView, launchBrowser, waitFor, Workbench } from "./harness/workbench";

const ADD_ONE = `# cwm: add_one(4)
def add_one(n):
    result = n + 1
    return result
`;

let server: CodeServer;
let browser: Browser;

before(async () => {
  server = await startCodeServer({
    userSettings: {
      // What the user did: the venv's Python in the User tab. In this
      // remote window VS Code does not hand that value to the extension.
      "cwm.interpreter": path.join(VENV_BIN, "python"),
      "cwm.prediction.maxFrames": 40,
      "workbench.startupEditor": "none",
      "workbench.tips.enabled": false,
      "workbench.enableExperiments": false,
      "editor.minimap.enabled": false,
      "extensions.autoCheckUpdates": false,
      "extensions.autoUpdate": false,
      "telemetry.telemetryLevel": "off",
      "update.mode": "none",
      "chat.disableAIFeatures": true,
      "workbench.secondarySideBar.defaultVisibility": "hidden",
    },
    userBin: [path.join(VENV_BIN, "cwm-lsp")],
  });
  browser = await launchBrowser(server);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const TOTAL = `# cwm: total([1, 2, 3])
def total(xs):
    s = 0
    for x in xs:
        s += x
    return s
`;

/** The README's example: the default model gets the counts wrong from the second step on. */
const PAIRS = `# cwm: f([1, 1, 3])
def f(nums):
    output = []
    for n in nums:
        output.append((nums.count(n), n))
    output.sort(reverse=True)
    return output
`;

const HOLE = `# cwm: scale(3)
def scale(x):
    y = ?? * 2
    return y
`;

/** Runs `body`; on failure saves a screenshot of the window named after the test. */
async function withScreenshot<T>(window: Workbench, name: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    await window.screenshot(`failed-${name}`).catch(() => undefined);
    throw error;
  }
}

/** Ends a debug session a failed test left behind, so that the next test starts clean. */
async function stopDebugging(window: Workbench): Promise<void> {
  const toolbar = new DebugView(window.page).toolbar();
  if (await toolbar.isVisible()) {
    await window.page.keyboard.press("Shift+F5");
    await toolbar.waitFor({ state: "hidden", timeout: 30_000 }).catch(() => undefined);
  }
}

describe("a trusted workspace", () => {
  let window: Workbench;
  let debugView: DebugView;

  before(async () => {
    const folder = makeWorkspace(server, "trusted", {
      "program.py": ADD_ONE,
      "total.py": TOTAL,
      "pairs.py": PAIRS,
      ".vscode/launch.json": JSON.stringify({
        version: "0.2.0",
        configurations: [
          {
            type: "cwm",
            request: "launch",
            name: "CWM: compare f",
            program: "${workspaceFolder}/pairs.py",
            function: "f",
            args: "([1, 1, 3],)",
            mode: "compare",
            stopOnEntry: true,
          },
        ],
      }),
    });
    window = await Workbench.open(browser, server, folder, true);
    debugView = new DebugView(window.page);
  });

  after(async () => {
    await window?.close();
  });

  it("shows what each line produced as inlay hints, and the model's state in the status bar", () =>
    withScreenshot(window, "predicted-values", async () => {
      await window.openFile("program.py");
      const states = await window.watchStatus(/CWM: ready/, 180_000);
      // Hints stream in line by line; the returned value comes last.
      await window.waitForLine("the returned value's hint", (line) => /return result\s*⇒ 5/.test(line));
      const lines = await window.editorText();
      assert.ok(lines.some((line) => /def add_one\(n\):\s*n = 4/.test(line)), lines.join("\n"));
      assert.ok(lines.some((line) => /result = n \+ 1\s*result = 5/.test(line)), lines.join("\n"));
      assert.ok(states.some((text) => /CWM: (starting|loading model)/.test(text)), `status went ${states.join(" → ")}`);
      assert.match(states[states.length - 1], /CWM: ready( [\d.]+ tok\/s)?/);
      await window.screenshot("predicted-values");
    }));

  it("says which server runs and where it was found, in Show Model Status", () =>
    withScreenshot(window, "model-status", async () => {
      await window.runCommand("CWM: Show Model Status");
      const dialog = window.page.locator(".monaco-dialog-box");
      await dialog.waitFor();
      try {
        const detail = (await dialog.innerText()).replace(/\s+/g, " ");
        assert.match(detail, /State: (ready|busy)/);
        // code-server hands the User tab's machine-overridable value to the
        // extension only some of the time; without it, the server is found
        // on the PATH. Either way it is named, with where it came from.
        assert.match(
          detail,
          /Server: (\S+\/\.venv\/bin\/python \(the cwm\.interpreter setting\)|\S+\/\.local\/bin\/cwm-lsp \(cwm-lsp on the PATH\))/,
        );
      } finally {
        await window.page.keyboard.press("Escape");
        await dialog.waitFor({ state: "detached" });
      }
    }));

  it("shows a line's values over the iterations in a table on hover", () =>
    withScreenshot(window, "hover", async () => {
      await window.openFile("total.py");
      await window.waitForLine("the returned value's hint", (line) => /return s\s*⇒ \S+/.test(line));
      const table = await window.hover("s += x", "s");
      // One row per execution of `s += x`: the three iterations, s after each.
      assert.match(table, /step/);
      const rows = table.split("\n").filter((line) => /^\s*[123]\s+\S/.test(line));
      assert.equal(rows.length, 3, table);
      assert.match(table, /imagined run of total with total\(\[1, 2, 3\]\)/);
      // The legend comes with the values the model wrote (a changed `s`); the shipped
      // adapter (step 539) leaves `s` at 0 here, a known miss, and then writes none.
      if (/\*\*|\(\d+%\)/.test(table)) {
        assert.match(table, /confidence: /);
      }
      await window.screenshot("hover");
      await window.page.keyboard.press("Escape");
    }));

  it("simulates the function at the cursor in a debug session that stops on entry and steps from the toolbar", () =>
    withScreenshot(window, "simulate", async () => {
      await window.openFile("program.py");
      await window.waitForLine("the returned value's hint", (line) => /return result\s*⇒ 5/.test(line));
      await window.clickLine("result = n + 1");
      await window.runCommand("CWM: Simulate the Function at the Cursor");
      // The Run and Debug view opens by itself; the session stops on entry with
      // the inputs of the `# cwm:` comment (not invented ones).
      await debugView.waitForVariable(/^n = 4$/);
      assert.ok(await debugView.isOpen(), "the Run and Debug view is open");
      assert.match(await debugView.pane("Call Stack").innerText(), /Paused on entry/i);

      await debugView.press("Step Over");
      await debugView.press("Step Over");
      // An imagined value carries the model's confidence; the input does not.
      const stepped = await debugView.waitForVariable(/^result = 5 \(p=[01]\.\d\d\)$/);
      assert.ok(stepped.includes("n = 4"), stepped.join("\n"));
      await window.screenshot("simulate-step");

      await debugView.press("Step Back");
      await waitFor("result to be gone after stepping back", async () => {
        const rows = await debugView.variables();
        return rows.includes("n = 4") && !rows.some((row) => /^result =/.test(row)) ? rows : undefined;
      });

      await debugView.press("Continue");
      await debugView.waitForEnd();
    }).finally(() => stopDebugging(window)));

  it("runs for real from the code lens and marks where the prediction was wrong", () =>
    withScreenshot(window, "run-and-compare", async () => {
      await window.openFile("pairs.py");
      await window.waitForLine("the returned value's hint", (line) => /return output\s*⇒/.test(line));
      await window.page.locator(".contentWidgets .codelens-decoration a, .codelens-decoration a", { hasText: "run for real and compare" }).first().click();
      const marked = await window.waitForLine("a mismatch mark", (line) => /≠ real/.test(line));
      assert.match(marked, /output|⇒/);
      await window.screenshot("run-and-compare");
    }));

  it("compares imagined with real execution: a real thread, a Mismatches scope, a stop at the first divergence", () =>
    withScreenshot(window, "compare", async () => {
      await window.openFile("pairs.py");
      await window.page.keyboard.press("F5");
      await debugView.waitForVariable(/^nums = \[1, 1, 3\]/);
      const threads = await debugView.waitForCallStack(/\breal\b/);
      assert.ok(threads.some((row) => /imagined/i.test(row)), threads.join("\n"));
      await debugView.press("Continue");
      // The session stops where imagined and real first differ, and says so.
      await waitFor("a stop at the first divergence", async () =>
        /diverged: output/i.test(await debugView.pane("Call Stack").innerText()) ? true : undefined,
      );
      const before = await debugView.waitForVariable(/^Mismatches$/);
      await debugView.pane("Variables").locator(".monaco-list-row", { hasText: "Mismatches" }).first().click();
      const rows = await waitFor("the Mismatches scope's rows", async () => {
        const now = await debugView.variables();
        return now.length > before.length ? now : undefined;
      });
      const mismatches = rows.slice(rows.indexOf("Mismatches") + 1);
      assert.ok(mismatches.some((row) => /output/.test(row)), rows.join("\n"));
      await window.screenshot("compare");
    }).finally(() => stopDebugging(window)));
});

describe("a workspace whose cwm.interpreter names a Python that does not exist", () => {
  let window: Workbench;

  before(async () => {
    const folder = makeWorkspace(server, "broken", {
      "program.py": ADD_ONE,
      ".vscode/settings.json": JSON.stringify({ "cwm.interpreter": "${workspaceFolder}/no-such-venv/bin/python" }),
    });
    window = await Workbench.open(browser, server, folder, true);
  });

  after(async () => {
    await window?.close();
  });

  it("says once what was tried and what it said, and opens the Remote settings where the value is read", () =>
    withScreenshot(window, "server-not-found", async () => {
      await window.openFile("program.py");
      const message = await window.waitForNotification(/language server was not found/);
      assert.match(message, /no-such-venv\/bin\/python \(the cwm\.interpreter setting\): .*ENOENT/);
      assert.match(message, /set cwm\.interpreter in the Remote settings/);
      await window.watchStatus(/CWM: server not running/, 30_000);
      // No crash loop: one message, not one per restart.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      assert.equal((await window.notifications()).filter((text) => /cwm-lsp/.test(text)).length, 1);
      await window.screenshot("server-not-found");
      await window.page.locator(".notification-toast").getByRole("button", { name: "Open Settings" }).click();
      const tabs = window.page.locator(".settings-editor .settings-tabs-widget");
      await tabs.waitFor({ timeout: 30_000 });
      await waitFor("the Remote tab to be the one shown", async () =>
        /Remote/.test(await tabs.locator(".action-item.checked, .action-label.checked").first().innerText()) ? true : undefined,
      );
      // Filtered to the one setting (the editor's search box holds `cwm.interpreter`).
      await window.page.locator(".settings-editor", { hasText: "1 Setting Found" }).waitFor({ timeout: 10_000 });
      await window.page.locator(".settings-editor .setting-item-title", { hasText: "Interpreter" }).first().waitFor();
      await window.screenshot("remote-settings");
    }));
});

describe("an untrusted workspace (Restricted Mode)", () => {
  let window: Workbench;

  before(async () => {
    const folder = makeWorkspace(server, "untrusted", { "program.py": ADD_ONE, "holes.py": HOLE });
    window = await Workbench.open(browser, server, folder, false);
  });

  after(async () => {
    await window?.close();
  });

  it("still predicts (nothing runs), and refuses to run for real with a message", () =>
    withScreenshot(window, "untrusted", async () => {
      await window.openFile("program.py");
      await window.waitForLine("the returned value's hint", (line) => /return result\s*⇒ 5/.test(line));
      await window.page.locator(".codelens-decoration a", { hasText: "run for real and compare" }).first().click();
      const message = await window.waitForNotification(/not trusted/);
      assert.match(message, /Run and Compare executes your code/);
      await window.screenshot("untrusted");
    }));

  it("offers a quick fix that fills a ?? hole", () =>
    withScreenshot(window, "hole", async () => {
      await window.openFile("holes.py");
      // The code lens pushes the lines down when it appears: wait for it first.
      await window.page.locator(".codelens-decoration", { hasText: "?? hole" }).first().waitFor({ timeout: 120_000 });
      await window.clickLine("y = ??");
      await window.page.locator(".editor-status-selection, [id='status.editor.selection']", { hasText: "Ln 3" }).first().waitFor({ timeout: 5_000 });
      const fix = await waitFor("the fill-the-hole quick fix", async () => {
        await window.page.keyboard.press("Control+.");
        const item = window.page.locator(".action-widget .monaco-list-row", { hasText: "cwm: fill ?? with" }).first();
        try {
          await item.waitFor({ timeout: 5_000 });
          return item;
        } catch {
          await window.page.keyboard.press("Escape");
          return undefined;
        }
      }, 120_000);
      await fix.click();
      const filled = await window.waitForLine("the filled line", (line) => /^\s*y = (?!\?\?).+\* 2/.test(line));
      assert.doesNotMatch(filled, /\?\?/);
      await window.screenshot("hole-filled");
    }));
});
