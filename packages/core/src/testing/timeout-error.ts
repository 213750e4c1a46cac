// Every error class lives in exceptions.ts; the communicators' timeout is exported from `testing`.
export { TimeoutError } from "../exceptions";
