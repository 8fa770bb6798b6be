/**
 * Rules: read (parse, load the layers), bind to a configuration (bind), and compare entries against them
 * (BoundRules.check). See docs/rules.md for the file format.
 */
export { parseRules } from './parse.js';
export { loadRules, LOCAL_RULES, SHIPPED_RULES_DIR, type LoadRulesOptions } from './load.js';
export { bindRules } from './bind.js';
export { explainPath, type Explanation, type ExplainedRule, type Winner } from './explain.js';
export { compileGlob, globMatches, GlobError, type Glob } from './glob.js';
export type * from './types.js';
