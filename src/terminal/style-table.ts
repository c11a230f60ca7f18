/**
 * The SGR state of a cell (colours and attributes) as a small number, and the shortest sequence that
 * takes the terminal from one state to another.
 *
 * A colour is one number: 0 the default, 1-16 the basic and bright colours (30-37, 90-97 for the
 * foreground), 17-272 the 256-colour palette, 273 + 0xRRGGBB a true colour. Attributes are bits.
 * Styles are interned: cells hold the style's id, so comparing two cells compares two integers.
 */

/** The id of the terminal's default style (no colour, no attribute). */
export const DEFAULT_STYLE = 0;

/** Sequences between two styles kept for reuse. */
const MAX_TRANSITIONS = 4096;

const PALETTE_BASE = 17;
const RGB_BASE = 273;

/** The attributes modelled, as bits; each with the SGR parameters that set and clear it. */
const ATTRIBUTES = [
  { on: 1, off: 22 }, // bold (22 also clears dim)
  { on: 2, off: 22 }, // dim
  { on: 3, off: 23 }, // italic
  { on: 4, off: 24 }, // underline
  { on: 5, off: 25 }, // blink
  { on: 7, off: 27 }, // inverse
  { on: 8, off: 28 }, // hidden
  { on: 9, off: 29 }, // strikethrough
  { on: 53, off: 55 }, // overline
] as const;
const BOLD = 1;
const DIM = 2;
const BOLD_OR_DIM = BOLD | DIM;

/** The attribute bit an SGR parameter sets (positive) or the bits it clears (negative), or 0 if not one. */
function attributeOf(parameter: number): number {
  for (let bit = 0; bit < ATTRIBUTES.length; bit++) {
    const attribute = ATTRIBUTES[bit] as (typeof ATTRIBUTES)[number];
    if (attribute.on === parameter) return 1 << bit;
    if (attribute.off === parameter) return parameter === 22 ? -BOLD_OR_DIM : -(1 << bit);
  }
  return 0;
}

function colourParameters(colour: number, base: 30 | 40): string {
  if (colour === 0) return String(base + 9);
  if (colour <= 8) return String(base + colour - 1);
  if (colour < PALETTE_BASE) return String(base + 60 + colour - 9);
  if (colour < RGB_BASE) return `${base + 8};5;${colour - PALETTE_BASE}`;
  const rgb = colour - RGB_BASE;
  return `${base + 8};2;${(rgb >> 16) & 0xff};${(rgb >> 8) & 0xff};${rgb & 0xff}`;
}

/** An SGR state being read: colours and attribute bits. */
export interface SgrState {
  fg: number;
  bg: number;
  attributes: number;
}

/**
 * Applies the SGR parameters in `text` from `from` to `to` (the part between `ESC [` and `m`) to `state`.
 * Returns false, leaving `state` partly changed, if a parameter is not one this model knows.
 */
export function applySgr(state: SgrState, text: string, from: number, to: number): boolean {
  let i = from;
  // An empty parameter list, like an empty parameter, is 0 (reset).
  if (from === to) {
    state.fg = 0;
    state.bg = 0;
    state.attributes = 0;
    return true;
  }
  const next = (): number => {
    // Reads one parameter (digits up to ';' or the end); -1 when missing or malformed.
    if (i >= to) return -1;
    let value = 0;
    let digits = 0;
    while (i < to) {
      const code = text.charCodeAt(i);
      if (code === 59) break; // ';'
      if (code < 48 || code > 57 || digits > 8) return -1;
      value = value * 10 + (code - 48);
      digits++;
      i++;
    }
    if (i < to) i++; // past ';'
    return value;
  };
  while (i < to) {
    const parameter = next();
    if (parameter < 0) return false;
    if (parameter === 0) {
      state.fg = 0;
      state.bg = 0;
      state.attributes = 0;
    } else if ((parameter >= 30 && parameter <= 37) || (parameter >= 90 && parameter <= 97)) {
      state.fg = parameter < 90 ? parameter - 29 : parameter - 81;
    } else if ((parameter >= 40 && parameter <= 47) || (parameter >= 100 && parameter <= 107)) {
      state.bg = parameter < 100 ? parameter - 39 : parameter - 91;
    } else if (parameter === 39) {
      state.fg = 0;
    } else if (parameter === 49) {
      state.bg = 0;
    } else if (parameter === 38 || parameter === 48) {
      const mode = next();
      let colour: number;
      if (mode === 5) {
        const index = next();
        if (index < 0 || index > 255) return false;
        colour = PALETTE_BASE + index;
      } else if (mode === 2) {
        const r = next();
        const g = next();
        const b = next();
        if (r < 0 || r > 255 || g < 0 || g > 255 || b < 0 || b > 255) return false;
        colour = RGB_BASE + ((r << 16) | (g << 8) | b);
      } else {
        return false;
      }
      if (parameter === 38) state.fg = colour;
      else state.bg = colour;
    } else {
      const bits = attributeOf(parameter);
      if (bits === 0) return false;
      state.attributes = bits > 0 ? state.attributes | bits : state.attributes & ~-bits;
    }
  }
  return true;
}

/**
 * The styles seen so far, each with an id, and the sequences between them. Bounded: when it holds
 * `capacity` styles it takes no more (`intern` returns -1) until `clear()`.
 */
export class StyleTable {
  private fgs: number[] = [0];
  private bgs: number[] = [0];
  private attributeSets: number[] = [0];
  /** fg * 2^25 + bg → attributes → id. */
  private readonly ids = new Map<number, Map<number, number>>([[0, new Map([[0, DEFAULT_STYLE]])]]);
  private readonly transitions = new Map<number, string>();

  constructor(readonly capacity = 1024) {}

  get size(): number {
    return this.fgs.length;
  }

  /** The id of a style, added if new; -1 when the table is full. */
  intern(fg: number, bg: number, attributes: number): number {
    const colourKey = fg * 0x2000000 + bg;
    let byAttributes = this.ids.get(colourKey);
    const known = byAttributes?.get(attributes);
    if (known !== undefined) return known;
    if (this.fgs.length >= this.capacity) return -1;
    const id = this.fgs.length;
    this.fgs.push(fg);
    this.bgs.push(bg);
    this.attributeSets.push(attributes);
    if (byAttributes === undefined) {
      byAttributes = new Map();
      this.ids.set(colourKey, byAttributes);
    }
    byAttributes.set(attributes, id);
    return id;
  }

  /** Sets `state` to style `id`'s colours and attributes. */
  load(id: number, state: SgrState): void {
    state.fg = this.fgs[id] ?? 0;
    state.bg = this.bgs[id] ?? 0;
    state.attributes = this.attributeSets[id] ?? 0;
  }

  /** Forgets every style but the default (ids handed out before are no longer valid). */
  clear(): void {
    this.fgs = [0];
    this.bgs = [0];
    this.attributeSets = [0];
    this.ids.clear();
    this.ids.set(0, new Map([[0, DEFAULT_STYLE]]));
    this.transitions.clear();
  }

  /** The shortest SGR sequence found that takes the terminal from style `from` to style `to` ('' if equal). */
  transition(from: number, to: number): string {
    if (from === to) return '';
    const key = from * this.capacity + to;
    let sequence = this.transitions.get(key);
    if (sequence === undefined) {
      sequence = this.computeTransition(from, to);
      // In practice a few hundred; a cache, so bounded by dropping it whole when full.
      if (this.transitions.size >= MAX_TRANSITIONS) this.transitions.clear();
      this.transitions.set(key, sequence);
    }
    return sequence;
  }

  private computeTransition(from: number, to: number): string {
    if (to === DEFAULT_STYLE) return '\x1b[m';
    const full = `\x1b[0;${this.parametersOf(to)}m`;
    if (from === DEFAULT_STYLE) return `\x1b[${this.parametersOf(to)}m`;
    const parts: string[] = [];
    const fromAttributes = this.attributeSets[from] ?? 0;
    const toAttributes = this.attributeSets[to] ?? 0;
    let kept = fromAttributes;
    const removed = fromAttributes & ~toAttributes;
    for (let bit = 0; bit < ATTRIBUTES.length; bit++) {
      const mask = 1 << bit;
      if ((removed & mask) === 0) continue;
      const attribute = ATTRIBUTES[bit] as (typeof ATTRIBUTES)[number];
      if (attribute.off === 22) {
        if ((kept & BOLD_OR_DIM) !== 0 && !parts.includes('22')) parts.push('22');
        kept &= ~BOLD_OR_DIM;
      } else {
        parts.push(String(attribute.off));
        kept &= ~mask;
      }
    }
    const added = toAttributes & ~kept;
    for (let bit = 0; bit < ATTRIBUTES.length; bit++) {
      if ((added & (1 << bit)) !== 0) parts.push(String((ATTRIBUTES[bit] as (typeof ATTRIBUTES)[number]).on));
    }
    const fromFg = this.fgs[from] ?? 0;
    const toFg = this.fgs[to] ?? 0;
    if (fromFg !== toFg) parts.push(colourParameters(toFg, 30));
    const fromBg = this.bgs[from] ?? 0;
    const toBg = this.bgs[to] ?? 0;
    if (fromBg !== toBg) parts.push(colourParameters(toBg, 40));
    const delta = `\x1b[${parts.join(';')}m`;
    return delta.length <= full.length ? delta : full;
  }

  private parametersOf(style: number): string {
    const parts: string[] = [];
    const attributes = this.attributeSets[style] ?? 0;
    for (let bit = 0; bit < ATTRIBUTES.length; bit++) {
      if ((attributes & (1 << bit)) !== 0) parts.push(String((ATTRIBUTES[bit] as (typeof ATTRIBUTES)[number]).on));
    }
    const fg = this.fgs[style] ?? 0;
    if (fg !== 0) parts.push(colourParameters(fg, 30));
    const bg = this.bgs[style] ?? 0;
    if (bg !== 0) parts.push(colourParameters(bg, 40));
    return parts.join(';');
  }
}
