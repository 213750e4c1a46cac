// The chat page's client: renders every message as text (never as HTML), shows the connection
// state, and reconnects with exponential backoff when the server goes away.
const body = document.body;
const room = body.dataset.room || "";
const log = document.querySelector("#chat-log");
const input = document.querySelector("#chat-message-input");
const submit = document.querySelector("#chat-message-submit");
const state = document.querySelector("#connection-state");
const nameInput = document.querySelector("#display-name");
const roomInput = document.querySelector("#room-name-input");
const roomSubmit = document.querySelector("#room-name-submit");

let socket = null;
let connectedName = null;
let attempts = 0;
let retryTimer = null;

// A name in the page's URL (?name=Ada) wins over the one remembered from last time.
nameInput.value = new URLSearchParams(location.search).get("name") || localStorage.getItem("chat-name") || "";

function setState(text, kind) {
  state.textContent = text;
  state.dataset.state = kind;
}

function append(kind, parts) {
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

function render(frame) {
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
    case "error":
      append("error", [["text", frame.error]]);
      break;
    default:
      // The tutorial's plain {message} frames.
      if (typeof frame.message === "string") append("chat", [["text", frame.message]]);
  }
}

function socketUrl() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const path = room ? `/ws/chat/${encodeURIComponent(room)}/` : "/ws/chat/";
  const name = nameInput.value.trim();
  connectedName = name;
  return `${scheme}://${location.host}${path}${name ? `?name=${encodeURIComponent(name)}` : ""}`;
}

function connect() {
  clearTimeout(retryTimer);
  setState(attempts === 0 ? "connecting…" : "reconnecting…", "connecting");
  const ws = new WebSocket(socketUrl());
  socket = ws;
  ws.onopen = () => {
    attempts = 0;
    setState("connected", "connected");
  };
  ws.onmessage = (event) => {
    try {
      render(JSON.parse(event.data));
    } catch {
      append("error", [["text", "Received a frame that is not JSON."]]);
    }
  };
  ws.onclose = () => {
    if (socket !== ws) return; // replaced on purpose (new display name)
    const delay = Math.min(10_000, 500 * 2 ** attempts) * (0.5 + Math.random() / 2);
    attempts += 1;
    setState(`disconnected, retrying in ${Math.ceil(delay / 1000)} s`, "disconnected");
    retryTimer = setTimeout(connect, delay);
  };
}

function sendMessage() {
  const message = input.value;
  if (!message.trim()) return;
  if (!socket || socket.readyState !== WebSocket.OPEN) {
    append("error", [["text", "Not connected: the message was not sent."]]);
    return;
  }
  socket.send(JSON.stringify({ message }));
  input.value = "";
}

submit.onclick = sendMessage;
input.onkeydown = (event) => {
  if (event.key === "Enter") sendMessage();
};
nameInput.onchange = () => {
  const name = nameInput.value.trim();
  localStorage.setItem("chat-name", name);
  if (name === connectedName) return;
  const old = socket;
  socket = null;
  old?.close();
  attempts = 0;
  connect();
};
roomSubmit.onclick = () => {
  const name = roomInput.value.trim();
  if (/^[-a-zA-Z0-9_]{1,80}$/.test(name)) location.href = `/chat/${name}/`;
  else append("error", [["text", "Room names use letters, digits, - and _ (at most 80)."]]);
};
roomInput.onkeydown = (event) => {
  if (event.key === "Enter") roomSubmit.click();
};

input.focus();
connect();
