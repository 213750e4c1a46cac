/** A communicator call ran out of time; the application was cancelled. */
export class TimeoutError extends Error {
  override name = "TimeoutError";
}
