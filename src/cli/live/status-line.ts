import { fit, type OutputStream } from '../terminal.js';

/** A piece of the line with an optional style (applied after fitting, so escapes never get cut). */
export interface Segment {
  text: string;
  style?: (text: string) => string;
}

/**
 * One line at the bottom of a terminal, redrawn in place: carriage return, erase the line, write.
 * It never wraps (a wrapped line could not be erased with one carriage return), so it is cut to
 * the terminal's width. Only for terminals: callers check `Terminal.interactive` first.
 */
export class StatusLine {
  private shown = false;

  constructor(private readonly stream: OutputStream) {}

  draw(segments: Segment[]): void {
    // A pseudo-terminal nobody sized reports 0 columns.
    let room = Math.max(10, (this.stream.columns || 80) - 1);
    let line = '';
    for (const { text, style } of segments) {
      if (room <= 0) break;
      const piece = fit(text, room);
      room -= [...piece].length;
      line += style ? style(piece) : piece;
    }
    this.stream.write(`\r\u001b[2K${line}`);
    this.shown = true;
  }

  /** Leaves the cursor at the start of an empty line, as if the status line had never been there. */
  clear(): void {
    if (!this.shown) return;
    this.stream.write('\r\u001b[2K');
    this.shown = false;
  }
}
