export * from "./consumers/index";
export * from "./exceptions";
export * from "./layers/index";
export * from "./protocol/types";
export * from "./routing/index";
export type { SessionData, SessionStore } from "./sessions/session-store";
