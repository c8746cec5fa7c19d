/** What main needs of a forked utility process: Electron's UtilityProcess in the app, a fake in tests. */
export interface UtilityChild<ToChild, FromChild> {
  postMessage(message: ToChild): void;
  on(event: 'spawn', listener: () => void): unknown;
  on(event: 'message', listener: (message: FromChild) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  /**
   * A fatal V8 error in the child ('exit' follows). Electron emits it as an EventEmitter 'error',
   * which would throw in main if nobody listened.
   */
  on(event: 'error', listener: (type: string, location: string) => void): unknown;
  kill(): boolean;
}
