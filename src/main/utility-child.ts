/** What main needs of a forked utility process: Electron's UtilityProcess in the app, a fake in tests. */
export interface UtilityChild<ToChild, FromChild> {
  postMessage(message: ToChild): void;
  on(event: 'spawn', listener: () => void): unknown;
  on(event: 'message', listener: (message: FromChild) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  kill(): boolean;
}
