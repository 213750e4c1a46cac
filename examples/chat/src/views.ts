import { readFileSync } from "node:fs";
import { AsyncHttpConsumer } from "@channels-ts/core";
import { bundlePageScript } from "./bundle";

const staticFile = (name: string) => readFileSync(new URL(`./static/${name}`, import.meta.url));

/** The client files, read once at start. */
const assets: Record<string, { body: Uint8Array; contentType: string }> = {
  "chat.js": { body: bundlePageScript(), contentType: "text/javascript; charset=utf-8" },
  "chat.css": { body: staticFile("chat.css"), contentType: "text/css; charset=utf-8" },
};

// Scripts only from this origin: even if a message slipped into the page as HTML, it could not run.
// connect-src 'self' covers the page's own ws:/wss: origin (CSP Level 3) and nothing else, so an
// injected script could not send the chat elsewhere; frame-ancestors 'none' stops clickjacking.
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
const SECURITY_HEADERS: Array<[string, string]> = [
  ["content-security-policy", CONTENT_SECURITY_POLICY],
  ["x-content-type-options", "nosniff"],
];

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The tutorial's page: `#chat-log`, `#chat-message-input`, `#chat-message-submit`, plus a room field. */
export function renderChatPage(room: string | null): string {
  const title = room ? `Room ${room}` : "Chat";
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${escapeHtml(title)} · channels-ts</title>
  <link rel="stylesheet" href="/static/chat.css">
</head>
<body data-room="${escapeHtml(room ?? "")}">
  <header>
    <h1>${escapeHtml(title)}</h1>
    <span id="connection-state" data-state="connecting">connecting…</span>
  </header>
  <div class="row">
    <label for="display-name">Your name</label>
    <input id="display-name" type="text" maxlength="40" placeholder="anonymous" autocomplete="nickname">
  </div>
  <div id="chat-log" role="log" aria-live="polite"></div>
  <div class="row">
    <input id="chat-message-input" type="text" maxlength="1000" placeholder="Type a message, Enter sends" autocomplete="off">
    <input id="chat-message-submit" type="button" value="Send">
  </div>
  <div class="row">
    <input id="room-name-input" type="text" placeholder="Another room's name" maxlength="80">
    <input id="room-name-submit" type="button" value="Enter room">
  </div>
  <script src="/static/chat.js"></script>
</body>
</html>
`;
}

/** Answers 405 (with `Allow`) to anything but GET and HEAD; true when it did. */
async function refuseUnlessRead(consumer: AsyncHttpConsumer): Promise<boolean> {
  if (consumer.scope.method === "GET" || consumer.scope.method === "HEAD") return false;
  await consumer.sendResponse(405, "Method not allowed\n", {
    headers: [
      ["allow", "GET, HEAD"],
      ["content-type", "text/plain"],
    ],
  });
  return true;
}

/** `GET /chat/` and `GET /chat/<room>/`: the chat page. */
export class ChatPageConsumer extends AsyncHttpConsumer {
  async handle() {
    if (await refuseUnlessRead(this)) return;
    const room = this.scope.url_route?.kwargs.room;
    await this.sendResponse(200, renderChatPage(typeof room === "string" ? room : null), {
      headers: [["content-type", "text/html; charset=utf-8"], ...SECURITY_HEADERS],
    });
  }
}

/** `GET /static/<file>`: the page's script and styles. */
export class StaticConsumer extends AsyncHttpConsumer {
  async handle() {
    if (await refuseUnlessRead(this)) return;
    const name = this.scope.url_route?.kwargs.file;
    const asset = typeof name === "string" && Object.hasOwn(assets, name) ? assets[name] : undefined;
    if (!asset) {
      await this.sendResponse(404, "Not found\n", { headers: [["content-type", "text/plain"]] });
      return;
    }
    await this.sendResponse(200, asset.body, {
      headers: [["content-type", asset.contentType], ["cache-control", "no-cache"], ...SECURITY_HEADERS],
    });
  }
}

/** `GET /`: on to the chat. */
export class RedirectConsumer extends AsyncHttpConsumer {
  async handle() {
    await this.sendResponse(302, "", { headers: [["location", "/chat/"]] });
  }
}

/** Anything else. */
export class NotFoundConsumer extends AsyncHttpConsumer {
  async handle() {
    await this.sendResponse(404, "Not found. The chat is at /chat/\n", {
      headers: [["content-type", "text/plain"]],
    });
  }
}
