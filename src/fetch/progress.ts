import cliProgress from 'cli-progress';

/** Receives transfer progress from a downloader. */
export interface ProgressSink {
  /** A transfer started; `size` when known (adds to the total). */
  started(size: number | undefined): void;
  /** Bytes arrived. */
  received(bytes: number): void;
  /** A transfer ended (either way). */
  finished(): void;
  /** No more transfers: clear the bar or stop the timer. */
  stop(): void;
}

const MiB = 2 ** 20;

/** A live bar (cli-progress, on stderr) of bytes received against bytes announced, for a terminal. */
export class BarProgress implements ProgressSink {
  private readonly bar = new cliProgress.SingleBar(
    {
      format: 'download [{bar}] {percentage}% {done}/{files} files {mib} MiB {speed} MiB/s',
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  private running = false;
  private total = 0;
  private value = 0;
  private files = 0;
  private done = 0;
  private readonly startedAt = Date.now();

  started(size: number | undefined): void {
    this.files++;
    this.total += size ?? 0;
    if (!this.running) {
      this.bar.start(Math.max(this.total, 1), 0, this.payload());
      this.running = true;
    } else this.bar.setTotal(Math.max(this.total, this.value, 1));
  }
  received(bytes: number): void {
    this.value += bytes;
    if (this.value > this.total) this.bar.setTotal(this.value);
    this.bar.update(this.value, this.payload());
  }
  finished(): void {
    this.done++;
    this.bar.update(this.value, this.payload());
  }
  stop(): void {
    if (this.running) this.bar.stop();
    this.running = false;
  }
  private payload(): Record<string, string | number> {
    const s = (Date.now() - this.startedAt) / 1000;
    return {
      files: this.files,
      done: this.done,
      mib: (this.value / MiB).toFixed(1),
      speed: s > 0 ? (this.value / MiB / s).toFixed(1) : '0',
    };
  }
}

/** One line every `intervalMs` while transfers run, for logs and pipes. */
export class LineProgress implements ProgressSink {
  private timer?: NodeJS.Timeout;
  private value = 0;
  private total = 0;
  private active = 0;
  private done = 0;
  private readonly startedAt = Date.now();

  constructor(
    private readonly write: (line: string) => void,
    private readonly intervalMs = 5000,
  ) {}

  started(size: number | undefined): void {
    this.active++;
    this.total += size ?? 0;
    if (!this.timer) {
      this.timer = setInterval(() => this.write(this.line()), this.intervalMs);
      this.timer.unref();
    }
  }
  received(bytes: number): void {
    this.value += bytes;
  }
  finished(): void {
    this.active--;
    this.done++;
  }
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
  /** The progress line as it would be printed now. */
  line(): string {
    const s = (Date.now() - this.startedAt) / 1000;
    const of = this.total > this.value ? ` of ${(this.total / MiB).toFixed(1)}` : '';
    return `download: ${(this.value / MiB).toFixed(1)}${of} MiB, ${this.done} file(s) done, ${this.active} running, ${s > 0 ? (this.value / MiB / s).toFixed(1) : '0'} MiB/s`;
  }
}

/** A bar on a terminal, a line every few seconds otherwise. */
export function defaultProgress(log: (line: string) => void): ProgressSink {
  return process.stderr.isTTY ? new BarProgress() : new LineProgress(log);
}
