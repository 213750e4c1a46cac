/// <reference lib="dom" />
// The chat page's script, bundled with @channels-ts/client by esbuild when the server starts
// (src/bundle.ts): the client reconnects, queues what is typed while offline and renames through
// a request. Every message is rendered as text, never as HTML.
import { connect, RequestError } from "@channels-ts/client";
import type { ChatProtocol, ServerFrame } from "../consumers";

const room = document.body.dataset.room || "";
const log = document.querySelector<HTMLDivElement>("#chat-log")!;
const input = document.querySelector<HTMLInputElement>("#chat-message-input")!;
const submit = document.querySelector<HTMLInputElement>("#chat-message-submit")!;
const state = document.querySelector<HTMLSpanElement>("#connection-state")!;
const nameInput = document.querySelector<HTMLInputElement>("#display-name")!;
const roomInput = document.querySelector<HTMLInputElement>("#room-name-input")!;
const roomSubmit = document.querySelector<HTMLInputElement>("#room-name-submit")!;

// A name in the page's URL (?name=Ada) wins over the one remembered from last time.
let name = new URLSearchParams(location.search).get("name") || localStorage.getItem("chat-name") || "";
nameInput.value = name;

function append(kind: string, parts: Array<[string, string]>) {
  const entry = document.createElement("div");
  entry.className = `entry ${kind}`;
  for (const [cls, text] of parts) {
    const span = document.createElement("span");
    span.className = cls;
    span.textContent = text; // textContent: a message with HTML shows as text and runs nothing.
    entry.append(span);
  }
  log.append(entry);
  log.scrollTop = log.scrollHeight;
}

function render(frame: ServerFrame) {
  switch (frame.type) {
    case "chat":
      append("chat", [
        ["name", frame.name],
        ["text", frame.message],
      ]);
      break;
    case "join":
      append("notice", [["text", `${frame.name} joined`]]);
      break;
    case "leave":
      append("notice", [["text", `${frame.name} left`]]);
      break;
    case "rename":
      append("notice", [["text", `${frame.from} is now ${frame.name}`]]);
      break;
    case "error":
      append("error", [["text", frame.error]]);
      break;
  }
}

// The URL is asked again on every reconnect, so it carries the name the server last accepted.
const socket = connect<ChatProtocol>(() => {
  const path = room ? `/ws/chat/${encodeURIComponent(room)}/` : "/ws/chat/";
  return name ? `${path}?name=${encodeURIComponent(name)}` : path;
});

let waiting = 0;
function showState() {
  // The page's vocabulary (data-state) predates the client: connected, connecting, disconnected, closed.
  const labels = {
    connecting: ["connecting…", "connecting"],
    open: ["connected", "connected"],
    reconnecting: [
      waiting > 0 ? `offline, ${waiting} waiting to send` : "offline, reconnecting…",
      "disconnected",
    ],
    closed: ["closed: reload the page", "closed"],
  } as const;
  const [text, kind] = labels[socket.state];
  state.textContent = text;
  state.dataset.state = kind;
}
socket.on("state", (s) => {
  if (s === "open") waiting = 0;
  showState();
});
socket.on("message", render);
socket.on("dropped", (message, reason) =>
  append("error", [
    ["text", `Not sent (${reason === "full" ? "too many waiting" : "closed"}): ${message.message}`],
  ]),
);
socket.on("error", (error) => append("error", [["text", error.message]]));
showState();

function sendMessage() {
  const message = input.value;
  if (!message.trim()) return;
  if (!socket.send({ message })) return;
  if (socket.state !== "open") {
    waiting += 1;
    showState();
    append("notice pending", [["text", `Offline: “${message}” is sent when the connection is back.`]]);
  }
  input.value = "";
}

async function rename() {
  const wanted = nameInput.value.trim();
  if (wanted === name) return;
  try {
    const reply = await socket.request({ rename: wanted });
    name = reply.name;
    nameInput.value = name;
    localStorage.setItem("chat-name", name);
  } catch (error) {
    nameInput.value = name;
    const reason = error instanceof RequestError ? error.message : String(error);
    append("error", [["text", `Could not rename: ${reason}`]]);
  }
}

submit.onclick = sendMessage;
input.onkeydown = (event) => {
  if (event.key === "Enter") sendMessage();
};
nameInput.onchange = () => void rename();
roomSubmit.onclick = () => {
  const next = roomInput.value.trim();
  if (/^[-a-zA-Z0-9_]{1,80}$/.test(next)) location.href = `/chat/${next}/`;
  else append("error", [["text", "Room names use letters, digits, - and _ (at most 80)."]]);
};
roomInput.onkeydown = (event) => {
  if (event.key === "Enter") roomSubmit.click();
};

input.focus();
