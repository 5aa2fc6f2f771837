import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { expect } from "vitest";

/** Where each step's screenshot goes: `test-artifacts/ai-sdk-chat/<test>/<nn>-<step>.png`. */
export const ARTIFACTS_DIR = "test-artifacts/ai-sdk-chat";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Headless Debian Chromium through playwright-core (no browser download). */
export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH); the browser tests never skip`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/**
 * Saves numbered screenshots of one test's steps: `<artifactsDir>/<test>/<nn>-<step>.png`
 * (default {@link ARTIFACTS_DIR}).
 */
export function screenshots(
  page: Page,
  test: string,
  artifactsDir = ARTIFACTS_DIR,
): (step: string) => Promise<void> {
  let n = 0;
  const dir = join(artifactsDir, test);
  return async (step) => {
    n += 1;
    await mkdir(dir, { recursive: true });
    await page.screenshot({ path: join(dir, `${String(n).padStart(2, "0")}-${step}.png`) });
  };
}

const ASSISTANT_TEXT =
  '[data-testid="message"][data-role="assistant"] [data-testid="message-text"]';

/** The page's chat: what a test reads and does through its `data-testid`s. */
export class ChatPage {
  constructor(readonly page: Page) {}

  /** The open thread's id (`?thread=…`). */
  threadId(): string {
    const id = new URL(this.page.url()).searchParams.get("thread");
    expect(id, "thread id in the URL").toBeTruthy();
    return id!;
  }

  /** Types `text` and sends it. */
  async send(text: string): Promise<void> {
    await this.page.getByTestId("chat-input").fill(text);
    await this.page.getByTestId("send").click();
  }

  /** The text of every assistant message shown, in order. */
  assistantTexts(): Promise<string[]> {
    return this.page.locator(ASSISTANT_TEXT).allTextContents();
  }

  /** Every message shown, as `role` and `id`. */
  messages(): Promise<{ role: string; id: string }[]> {
    return this.page
      .getByTestId("message")
      .evaluateAll((els) =>
        els.map((el) => ({ role: el.dataset.role ?? "", id: el.dataset.messageId ?? "" })),
      );
  }

  /** Waits until an assistant message shows at least `words` words. */
  async waitForAssistantWords(words: number): Promise<void> {
    await this.page.waitForFunction(
      ({ selector, words }) => {
        const text = document.querySelector(selector)?.textContent ?? "";
        return text.split(" ").filter(Boolean).length >= words;
      },
      { selector: ASSISTANT_TEXT, words },
    );
  }

  /** Waits until the assistant message's text is exactly `text`. */
  async waitForAssistantText(text: string): Promise<void> {
    await this.page.waitForFunction(
      ({ selector, text }) => document.querySelector(selector)?.textContent === text,
      { selector: ASSISTANT_TEXT, text },
    );
  }

  /** Waits until `useChat` is idle (`ready`). */
  async waitForReady(): Promise<void> {
    await this.page.locator('[data-testid="chat-status"][data-status="ready"]').waitFor();
  }

  /**
   * Records, from the next page load on, every text an assistant message shows (`window.seenTexts`):
   * a resumed reply must only ever show prefixes of its final text.
   */
  async recordAssistantTexts(): Promise<void> {
    await this.page.addInitScript((selector) => {
      const seen: string[] = [];
      (window as unknown as { seenTexts: string[] }).seenTexts = seen;
      new MutationObserver(() => {
        for (const el of Array.from(document.querySelectorAll(selector))) {
          seen.push(el.textContent ?? "");
        }
      }).observe(document, { subtree: true, childList: true, characterData: true });
    }, ASSISTANT_TEXT);
  }

  /** The texts {@link recordAssistantTexts} saw. */
  seenTexts(): Promise<string[]> {
    return this.page.evaluate(() => (window as unknown as { seenTexts: string[] }).seenTexts);
  }
}

/** `GET /api/debug/model` of an example server. */
export async function modelStats(
  url: string,
): Promise<{ calls: number; cancelled: number; completed: number }> {
  const response = await fetch(`${url}/api/debug/model`);
  expect(response.status).toBe(200);
  return (await response.json()) as { calls: number; cancelled: number; completed: number };
}

/** The text of a stored message's text parts. */
export function textOf(message: { parts: readonly { type: string; text?: string }[] }): string {
  return message.parts.map((p) => (p.type === "text" ? (p.text ?? "") : "")).join("");
}
