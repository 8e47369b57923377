// Starts the check target (check-target.ts) and reads its request counter.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export class CheckTarget {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  static async start(): Promise<CheckTarget> {
    const child = fork(fileURLToPath(new URL('./check-target.js', import.meta.url)), { stdio: 'ignore' });
    const { port } = await new Promise<{ port: number }>((resolve) => child.once('message', (message) => resolve(message as { port: number })));
    return new CheckTarget(child, `http://127.0.0.1:${port}/health`);
  }

  /** Requests served so far. */
  requests(): Promise<number> {
    return new Promise((resolve) => {
      this.child.once('message', (message) => resolve((message as { requests: number }).requests));
      this.child.send('count');
    });
  }

  stop(): void {
    this.child.kill();
  }
}
