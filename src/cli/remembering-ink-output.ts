/**
 * Ink's `Output` with a memory from one frame to the next (ink-output-memory.ts), loaded in place of
 * Ink's own by the `load-ui` resolve hook. The module it stands for is named in its `?of=` query (and
 * the hook resolves the tokenizer below from there, so both are the very modules Ink would use).
 */
import { styledCharsToString } from '@alcalzone/ansi-tokenize';
import { rememberingOutputClass, type InkOutputClass, type StyledCellsToString } from './ink-output-memory.js';

const of =
  new URL(import.meta.url).searchParams.get('of') ?? import.meta.resolve('ink').replace(/index\.js$/, 'output.js');
const InkOutput = ((await import(of)) as { default: InkOutputClass }).default;

export default rememberingOutputClass(InkOutput, styledCharsToString as unknown as StyledCellsToString);
