/**
 * The one escaping point of the text renderers. A line is written as a tagged template, ``line`…` ``: its
 * literal text is the program's own, and every interpolated value passes through printable(), unless it is
 * already shown text (another line, or a piece styled by `paint`, whose content was escaped the same way).
 * Stops: a file name, account name or configuration value holding a newline that forges report lines, or an
 * escape sequence or bidi override that drives the terminal or makes a line read as something else.
 */
import type { ChalkInstance } from 'chalk';
import { printable } from '../printable.js';

/** Text that is safe to show as it is: escaped, then perhaps styled. */
export class Shown {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/** What a line may interpolate: values from anywhere (escaped), or shown text (kept). */
export type Part = string | number | Shown | null | undefined;

function shown(v: Part): string {
  if (v instanceof Shown) return v.text;
  if (v === null || v === undefined) return '';
  return typeof v === 'number' ? String(v) : printable(v);
}

/** A line of a text report: ``line`  ${path}  ${owner}` ``, every value escaped. */
export function line(strings: TemplateStringsArray, ...values: Part[]): Shown {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += shown(values[i]) + (strings[i + 1] ?? '');
  return new Shown(out);
}

/** Escape one value (a line of its own, or a cell padded later). */
export function esc(v: Part): Shown {
  return new Shown(shown(v));
}

/** A line without its trailing blanks (a table row whose last cell is empty). */
export function trimEnd(l: Shown): Shown {
  return new Shown(l.text.trimEnd());
}

/** Shown pieces joined by `sep` (the program's own text). */
export function join(parts: readonly Shown[], sep: string): Shown {
  return new Shown(parts.map((x) => x.text).join(sep));
}

/** A line with its first letter in upper case (the start of a sentence). */
export function capitalized(l: Shown): Shown {
  return new Shown(l.text.charAt(0).toUpperCase() + l.text.slice(1));
}

/** Lines joined into the text a command prints, each ended by a newline. */
export function text(lines: readonly (Shown | string)[]): string {
  return lines.join('\n') + '\n';
}

export type Style = 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'cyan';

/** Colour after escaping: `paint(c).bold(name)` escapes `name`, then styles it. */
export function paint(c: ChalkInstance): Record<Style, (v: Part) => Shown> {
  const style = (f: (s: string) => string) => (v: Part) => new Shown(f(shown(v)));
  return { bold: style(c.bold), dim: style(c.dim), red: style(c.red), green: style(c.green), yellow: style(c.yellow), cyan: style(c.cyan) };
}

/** Paths shown per group in a grouped report. */
export const SAMPLES = 5;

// Not toLocaleString: loading ICU for it costs about 50 ms at start-up.
/** `1,234,567`. */
export const fmt = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** `1 entry`, `2 entries`. */
export const plural = (n: number, one: string, many = `${one}s`): string => `${fmt(n)} ${n === 1 ? one : many}`;
