/** Checks of what the application sends, each failing with a message that says what to send instead. */

export function checkStatus(status: unknown, eventType: string): number {
  if (typeof status !== "number" || !Number.isInteger(status) || status < 100 || status > 999) {
    throw new TypeError(
      `${eventType} needs status: an integer HTTP status such as 200; got ${String(status)}.`,
    );
  }
  return status;
}

/**
 * Validates `[name, value]` string pairs and appends them to `flat` (Node's raw header list).
 * Returns whether they set Content-Length or Transfer-Encoding.
 */
export function checkHeaders(headers: unknown, eventType: string, flat: string[]): boolean {
  if (headers === undefined || headers === null) return false;
  if (!Array.isArray(headers)) {
    throw new TypeError(
      `${eventType} headers must be an array of [name, value] string pairs, e.g. [["content-type", "text/plain"]].`,
    );
  }
  let framed = false;
  for (const pair of headers) {
    if (
      !Array.isArray(pair) ||
      pair.length !== 2 ||
      typeof pair[0] !== "string" ||
      typeof pair[1] !== "string"
    ) {
      throw new TypeError(
        `${eventType} headers must be [name, value] pairs of strings (latin1); got ${JSON.stringify(pair) ?? String(pair)}.`,
      );
    }
    const name = pair[0];
    if (!framed && (name.length === 14 || name.length === 17)) {
      const lower = name.toLowerCase();
      framed = lower === "content-length" || lower === "transfer-encoding";
    }
    flat.push(name, pair[1]);
  }
  return framed;
}

export function checkBody(body: unknown, eventType: string): Uint8Array {
  if (body === undefined || body === null) return EMPTY;
  if (body instanceof Uint8Array) return body;
  if (typeof body === "string") {
    throw new TypeError(
      `${eventType} body must be a Uint8Array; encode strings first: new TextEncoder().encode(text).`,
    );
  }
  throw new TypeError(`${eventType} body must be a Uint8Array; got ${typeof body}.`);
}

const EMPTY = new Uint8Array(0);

/** Close codes an application may send (RFC 6455 §7.4 and the ranges it reserves for applications). */
export function checkCloseCode(code: unknown): number {
  if (code === undefined || code === null) return 1000;
  if (
    typeof code !== "number" ||
    !Number.isInteger(code) ||
    !(
      (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) ||
      (code >= 3000 && code <= 4999)
    )
  ) {
    throw new TypeError(
      `websocket.close code must be 1000-1003, 1007-1014 or 3000-4999 (1005 and 1006 are reserved for the server); got ${String(code)}.`,
    );
  }
  return code;
}

export function checkCloseReason(reason: unknown): string {
  if (reason === undefined || reason === null) return "";
  if (typeof reason !== "string")
    throw new TypeError(`websocket.close reason must be a string; got ${typeof reason}.`);
  if (Buffer.byteLength(reason) > 123) {
    throw new TypeError("websocket.close reason must fit in 123 bytes of UTF-8 (a close frame holds 125).");
  }
  return reason;
}

/** Header names and values go on the wire as they are: a CR or LF would let them split the response. */
export function checkNoLineBreaks(flat: readonly string[], eventType: string): void {
  for (const field of flat) {
    if (/[\r\n]/.test(field)) throw new TypeError(`${eventType} headers must not contain CR or LF.`);
  }
}
