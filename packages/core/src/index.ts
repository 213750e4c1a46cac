export * from "./exceptions";
export * from "./layers/index";
export * from "./protocol/types";
export * from "./consumers/index";
export * from "./routing/index";
