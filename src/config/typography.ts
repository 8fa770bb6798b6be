/**
 * Text copied from documentation into a configuration file carries things ecelerity does not read the way the
 * page shows them: `...` standing for left-out lines, no-break spaces from HTML, typographic quotes, markdown
 * emphasis. Errors name them, so that the person sees why a line that looks right is refused.
 */

/** What a copied character or word is, where it is in the word (0-based), and what to do about it. */
export interface Copied {
  what: string;
  hint: string;
  at: number;
}

const CURLY: Readonly<Record<string, string>> = {
  '\u201c': 'U+201C “',
  '\u201d': 'U+201D ”',
  '\u2018': 'U+2018 ‘',
  '\u2019': 'U+2019 ’',
  '\u201e': 'U+201E „',
  '\u00ab': 'U+00AB «',
  '\u00bb': 'U+00BB »',
};

/** White space that HTML pages use and ecelerity does not: the no-break spaces above all. */
const SPACES: Readonly<Record<string, string>> = {
  '\u00a0': 'a no-break space (U+00A0)',
  '\u202f': 'a narrow no-break space (U+202F)',
  '\u2007': 'a figure space (U+2007)',
  '\u2009': 'a thin space (U+2009)',
  '\u200b': 'a zero-width space (U+200B)',
  '\ufeff': 'a zero-width no-break space (U+FEFF)',
  '\u3000': 'an ideographic space (U+3000)',
};

/** Whether `word` opens with a typographic opening quote (`“/var/log/x”`): documentation text, not a value. */
export function opensWithCurlyQuote(word: string): boolean {
  return /^[\u201c\u2018\u201e\u00ab]/.test(word);
}

/** The first curly quote in `s` from `from`, with its index and name (`U+201D ”`), or undefined. */
export function curlyQuoteIn(s: string, from = 0): { at: number; name: string } | undefined {
  for (let i = from; i < s.length; i++) {
    const name = CURLY[s[i] as string];
    if (name !== undefined) return { at: i, name };
  }
  return undefined;
}

/** How `word` looks copied from documentation, or undefined when it does not. */
export function copiedText(word: string): Copied | undefined {
  if (word === '.' || word === '..' || word === '⋮') {
    return { what: 'which looks like a documentation elision (a column of dots: the example leaves lines out here)', hint: 'write out what the example leaves out, or delete the dots', at: 0 };
  }
  if (/^(\.\.\.|…)/.test(word) || /(\.\.\.|…)$/.test(word)) {
    const at = /^(\.\.\.|…)/.test(word) ? 0 : word.length - (word.endsWith('…') ? 1 : 3);
    return {
      what: 'which looks like a documentation elision (the example leaves text out here)',
      hint: 'write out what the example leaves out, or delete the elision',
      at,
    };
  }
  for (let i = 0; i < word.length; i++) {
    const space = SPACES[word[i] as string];
    if (space !== undefined) {
      return { what: `which holds ${space}: ecelerity does not take it for white space`, hint: 'copied from a web page? replace it with a plain space', at: i };
    }
  }
  const q = curlyQuoteIn(word);
  if (q) return { what: `which holds a curly quote (${q.name}): ecelerity quotes only with straight quotes`, hint: `replace it with a straight " or '`, at: q.at };
  if (word.startsWith('**') || word.endsWith('**')) {
    return { what: 'which looks like markdown emphasis (**) copied with the text', hint: 'delete the asterisks', at: word.startsWith('**') ? 0 : word.length - 2 };
  }
  return undefined;
}
