// The service-account token, re-read by path: the kubelet rotates projected tokens (by an atomic
// symlink swap) and the application must pick the new one up. Like client-go: re-read every
// minute, and at once after a 401.
import { readRegularFileAsync } from '../util/regular-file.js';

const MAX_AGE_MS = 60_000;

export class TokenFile {
  private cached: { token: string; readAt: number } | undefined;

  constructor(
    readonly path: string,
    private readonly maxAgeMs = MAX_AGE_MS,
    /** Its age's clock: monotonic, or a wall clock stepped back an hour would keep a rotated token an hour. */
    private readonly now: () => number = () => performance.now(),
  ) {}

  async get(): Promise<string> {
    if (this.cached && this.now() - this.cached.readAt < this.maxAgeMs) return this.cached.token;
    const token = (await readRegularFileAsync(this.path)).trim();
    this.cached = { token, readAt: this.now() };
    return token;
  }

  /** The server rejected it: read the file again on the next request. */
  invalidate(): void {
    this.cached = undefined;
  }
}
