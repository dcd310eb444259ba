/**
 * Progress on stderr: a bar redrawn in place with rate and ETA on a terminal, a plain line every
 * few seconds otherwise (a CI log or a file keeps every line, so redrawing would only fill it).
 */
export class Progress {
  readonly #total: number;
  readonly #started = performance.now();
  readonly #terminal = Deno.stderr.isTerminal();
  #done = 0;
  #lastDrawn = 0;

  constructor(total: number) {
    this.#total = total;
  }

  /** `count` more documents are settled (stored, skipped or failed). */
  advance(count: number): void {
    this.#done += count;
    const now = performance.now();
    const interval = this.#terminal ? 100 : 2000;
    if (now - this.#lastDrawn >= interval || this.#done >= this.#total) {
      this.#lastDrawn = now;
      this.#draw(now);
    }
  }

  /** Ends the bar's line, so what is printed next starts on its own. */
  finish(): void {
    if (this.#terminal) write("\n");
  }

  #draw(now: number): void {
    const seconds = (now - this.#started) / 1000;
    const rate = seconds > 0 ? this.#done / seconds : 0;
    const left = rate > 0 ? (this.#total - this.#done) / rate : Infinity;
    const eta = Number.isFinite(left) ? `${Math.ceil(left)} s` : "?";
    const share = this.#total ? this.#done / this.#total : 1;
    const figures = `${this.#done}/${this.#total} documents, ${rate.toFixed(0)}/s, ETA ${eta}`;
    if (this.#terminal) {
      const width = 30;
      const filled = Math.round(share * width);
      const bar = "#".repeat(filled) + "-".repeat(width - filled);
      write(`\r[${bar}] ${(share * 100).toFixed(0).padStart(3)}% ${figures}\x1b[K`);
    } else {
      write(`ingest: ${figures}\n`);
    }
  }
}

function write(text: string): void {
  Deno.stderr.writeSync(new TextEncoder().encode(text));
}
