// What a build stage may write to the pusher. The pipeline owns the storage;
// builders and schedulers only see this interface.
export interface BuildLog {
  step(text: string): void;
  detail(text: string): void;
  error(text: string): void;
  /** Raw tool output, indented as detail. */
  raw(line: string): void;
}
