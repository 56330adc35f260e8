/**
 * The VS Code workbench in headless Chromium, driven as a user would: click
 * a file in the Explorer, click into a line, run a command from the palette,
 * hover, press the debug toolbar's buttons. What the tests read is what is
 * on the screen: the editor's text (inlay hints included), the status bar,
 * notifications, the hover, the Variables view.
 */
import { mkdirSync } from "node:fs";
import * as path from "node:path";
import { chromium, type Browser, type Locator, type Page } from "playwright-core";
import { ARTIFACTS, type CodeServer } from "./codeServer";

export const CHROMIUM = process.env.CWM_E2E_CHROMIUM || "/usr/bin/chromium";

/** Flags that work on these machines (no sandbox as root, no GPU, closed network). */
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-quic",
  "--no-first-run",
];

export async function launchBrowser(server: CodeServer): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    env: server.browserEnv,
  });
}

/** Polls `probe` until it returns a value that is not undefined, or throws after `timeoutMs` with `what`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) {
        return value;
      }
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? ` (${String(last)})` : ""}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export class Workbench {
  constructor(
    readonly page: Page,
    readonly folder: string,
  ) {}

  /** Opens `folder` in a new tab and waits for the workbench; answers the trust prompt. */
  static async open(browser: Browser, server: CodeServer, folder: string, trust: boolean): Promise<Workbench> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${server.url}/?folder=${encodeURIComponent(folder)}`);
    await page.locator(".monaco-workbench").waitFor({ timeout: 60_000 });
    const workbench = new Workbench(page, folder);
    await workbench.answerTrustPrompt(trust);
    await page.locator(".explorer-folders-view .monaco-list-row").first().waitFor({ timeout: 30_000 });
    return workbench;
  }

  /**
   * A folder opens in Restricted Mode (code-server shows no startup prompt).
   * To trust it, do what a user does: the banner's "Manage", then "Trust".
   */
  private async answerTrustPrompt(trust: boolean): Promise<void> {
    const banner = this.page.locator(".monaco-workbench .banner", { hasText: "Restricted Mode" });
    await banner.waitFor({ timeout: 30_000 });
    if (!trust) {
      return;
    }
    await banner.getByRole("button", { name: "Manage" }).or(banner.getByText("Manage")).first().click();
    const editor = this.page.locator(".workspace-trust-editor");
    await editor.waitFor();
    await editor.getByRole("button", { name: /^Trust$/ }).first().click();
    await banner.waitFor({ state: "hidden" });
    await this.page.keyboard.press("Control+W").catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.page.context().close();
  }

  /** Opens a file by clicking its row in the Explorer (Quick Open races its result list). */
  async openFile(name: string): Promise<void> {
    const row = this.page.locator(".explorer-folders-view .monaco-list-row", { hasText: name }).first();
    if (!(await row.isVisible())) {
      await this.page.locator(".activitybar .action-item a[aria-label^='Explorer']").first().click();
    }
    await row.click();
    await this.page.locator(`.tab.active`, { hasText: name }).waitFor();
    await this.editorLines().first().waitFor();
  }

  editorLines(): Locator {
    return this.page.locator(".editor-instance .view-lines .view-line");
  }

  /** The editor's visible text, inlay hints included, one string per line, top to bottom. */
  async editorText(): Promise<string[]> {
    return this.page.evaluate(() => {
      const lines = Array.from(document.querySelectorAll<HTMLElement>(".editor-instance .view-lines .view-line"));
      return lines
        .map((line) => ({ top: parseFloat(line.style.top || "0"), text: line.innerText.replace(/\u00a0/g, " ") }))
        .sort((a, b) => a.top - b.top)
        .map((line) => line.text);
    });
  }

  /** Waits until some editor line satisfies `match`, returning that line. */
  async waitForLine(what: string, match: (line: string) => boolean, timeoutMs = 120_000): Promise<string> {
    try {
      return await waitFor(what, async () => (await this.editorText()).find(match), timeoutMs);
    } catch (error) {
      const shown = (await this.editorText().catch(() => [])).map((line) => JSON.stringify(line)).join("\n");
      throw new Error(`${String(error)}; the editor shows:\n${shown}`);
    }
  }

  /** Clicks at the end of the first line containing `text` (puts the cursor there). */
  async clickLine(text: string): Promise<void> {
    const line = this.editorLines().filter({ hasText: text }).first();
    const box = await line.boundingBox();
    if (!box) {
      throw new Error(`line ${text} is not on screen`);
    }
    // Click just right of the code's first characters: inside the line, before any hint.
    await this.page.mouse.click(box.x + 40, box.y + box.height / 2);
  }

  /** Hovers the first occurrence of `word` on the line containing `lineText`; returns the hover's text. */
  async hover(lineText: string, word: string): Promise<string> {
    const line = this.editorLines().filter({ hasText: lineText }).first();
    const point = await line.evaluate((element, target) => {
      // The word's own box, from a DOM range over its characters (a token's
      // span may also hold the indentation).
      const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text = (node.textContent ?? "").replace(/\u00a0/g, " ");
        const at = text.search(new RegExp(`\\b${target}\\b`));
        if (at >= 0) {
          const range = document.createRange();
          range.setStart(node, at);
          range.setEnd(node, at + target.length);
          const box = range.getBoundingClientRect();
          return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
        }
      }
      return undefined;
    }, word);
    if (!point) {
      throw new Error(`${word} on ${lineText} is not on screen`);
    }
    await this.page.mouse.move(point.x - 1, point.y);
    await this.page.mouse.move(point.x, point.y);
    const hover = this.page.locator(".monaco-hover-content:visible").last();
    return waitFor("the hover", async () => {
      if ((await hover.count()) === 0) {
        return undefined;
      }
      const text = (await hover.innerText()).trim();
      return text ? text : undefined;
    }, 30_000);
  }

  /** The cwm status bar item's text (icons are rendered as glyphs and dropped). */
  async statusText(): Promise<string | undefined> {
    const item = this.page.locator(".statusbar-item", { hasText: "CWM" }).first();
    if ((await item.count()) === 0) {
      return undefined;
    }
    return (await item.innerText()).trim();
  }

  /** Every status text seen while waiting for one matching `final` (to see the states pass). */
  async watchStatus(final: RegExp, timeoutMs = 120_000): Promise<string[]> {
    const seen: string[] = [];
    await waitFor(
      `a status bar item matching ${final}`,
      async () => {
        const text = await this.statusText();
        if (text !== undefined && seen[seen.length - 1] !== text) {
          seen.push(text);
        }
        return text !== undefined && final.test(text) ? text : undefined;
      },
      timeoutMs,
    );
    return seen;
  }

  /** Runs a command from the Command Palette by its title. */
  async runCommand(title: string): Promise<void> {
    await this.page.keyboard.press("F1");
    const input = this.page.locator(".quick-input-widget input");
    await input.waitFor();
    await input.fill(`>${title}`);
    const row = this.page.locator(".quick-input-list .monaco-list-row", { hasText: title }).first();
    await row.waitFor();
    await input.press("Enter");
  }

  /** The texts of the notifications on screen. */
  async notifications(): Promise<string[]> {
    return this.page.locator(".notification-toast .notification-list-item-message").allInnerTexts();
  }

  async waitForNotification(pattern: RegExp, timeoutMs = 60_000): Promise<string> {
    return waitFor(`a notification matching ${pattern}`, async () => (await this.notifications()).find((text) => pattern.test(text)), timeoutMs);
  }

  async screenshot(name: string, locator?: Locator): Promise<string> {
    mkdirSync(ARTIFACTS, { recursive: true });
    const file = path.join(ARTIFACTS, `${name}.png`);
    if (locator) {
      await locator.screenshot({ path: file });
    } else {
      await this.page.screenshot({ path: file });
    }
    return file;
  }
}

/** The Run and Debug view and the debug toolbar of a window. */
export class DebugView {
  constructor(private readonly page: Page) {}

  pane(title: string): Locator {
    return this.page.locator(".debug-viewlet .pane, .pane", {
      has: this.page.locator(".pane-header", { hasText: title }),
    });
  }

  /** Whether the Run and Debug view is showing in the side bar. */
  async isOpen(): Promise<boolean> {
    const header = this.page.locator(".pane-header:visible", { hasText: "Call Stack" }).first();
    return waitFor("the Run and Debug view", async () => ((await header.count()) > 0 ? true : undefined), 10_000).catch(() => false);
  }

  /** The rows of the Variables view, whitespace normalised ("n: 4 (p=0.99)"). */
  async variables(): Promise<string[]> {
    const rows = await this.pane("Variables").locator(".monaco-list-row").allInnerTexts();
    return rows.map((row) => row.replace(/\s+/g, " ").trim());
  }

  /** Waits until the Variables view has a row matching `pattern`; returns all rows then. */
  async waitForVariable(pattern: RegExp, timeoutMs = 60_000): Promise<string[]> {
    return waitFor(`a variable matching ${pattern}`, async () => {
      const rows = await this.variables();
      return rows.some((row) => pattern.test(row)) ? rows : undefined;
    }, timeoutMs);
  }

  async callStack(): Promise<string[]> {
    const rows = await this.pane("Call Stack").locator(".monaco-list-row").allInnerTexts();
    return rows.map((row) => row.replace(/\s+/g, " ").trim());
  }

  async waitForCallStack(pattern: RegExp, timeoutMs = 60_000): Promise<string[]> {
    return waitFor(`a call stack row matching ${pattern}`, async () => {
      const rows = await this.callStack();
      return rows.some((row) => pattern.test(row)) ? rows : undefined;
    }, timeoutMs);
  }

  /** Presses a button of the debug toolbar by its title ("Step Over", "Step Back", "Continue"). */
  async press(title: string): Promise<void> {
    const button = this.page.locator(`.debug-toolbar .action-label[aria-label^="${title}"]`).first();
    await button.waitFor({ timeout: 30_000 });
    await button.click();
  }

  toolbar(): Locator {
    return this.page.locator(".debug-toolbar");
  }

  async waitForEnd(timeoutMs = 60_000): Promise<void> {
    await this.toolbar().waitFor({ state: "hidden", timeout: timeoutMs });
  }
}
