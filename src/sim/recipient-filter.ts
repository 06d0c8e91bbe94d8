// OPATH recipient filters, as used by management scopes (New-ManagementScope -RecipientRestrictionFilter).
// A real tokenizer and a recursive-descent parser, so a scope that Exchange would reject is rejected here too
// instead of silently matching nothing.
//
// Grammar (operators are case-insensitive; -and binds tighter than -or, as in PowerShell):
//   filter     := or
//   or         := and ( '-or' and )*
//   and        := unary ( '-and' unary )*
//   unary      := ( '-not' | '!' ) unary | primary
//   primary    := '(' or ')' | comparison
//   comparison := Property ( '-eq' | '-ne' | '-like' | '-notlike' ) value
//   value      := 'single quoted' ('' escapes a quote) | "double quoted" | $null | $true | $false | bareword
import type { SimGroup, SimState, SimUser } from './state';

export const RECIPIENT_FILTER_PROPERTIES = [
  'RecipientTypeDetails',
  'RecipientType',
  'Alias',
  'Name',
  'PrimarySmtpAddress',
  'EmailAddresses',
  'DistinguishedName',
  'MemberOfGroup',
  'SamAccountName',
  'UserPrincipalName',
] as const;
export type RecipientFilterProperty = (typeof RECIPIENT_FILTER_PROPERTIES)[number];
export type RecipientFilterOperator = 'eq' | 'ne' | 'like' | 'notlike';

export type RecipientFilterNode =
  | { type: 'and' | 'or'; left: RecipientFilterNode; right: RecipientFilterNode }
  | { type: 'not'; operand: RecipientFilterNode }
  | { type: 'compare'; property: RecipientFilterProperty; operator: RecipientFilterOperator; value: string | null; pattern?: RegExp };

export interface RecipientFilter {
  /** The filter text as given, for messages. */
  text: string;
  root: RecipientFilterNode;
}

export type FilterRecipient = SimUser | SimGroup;

export class RecipientFilterSyntaxError extends Error {
  constructor(readonly filter: string, detail: string, readonly position: number) {
    super(`Invalid recipient filter "${filter}": ${detail} (at position ${position + 1}).`);
    this.name = 'RecipientFilterSyntaxError';
  }
}

type Token =
  | { kind: 'lparen' | 'rparen' | 'not' | 'and' | 'or' | 'end'; pos: number }
  | { kind: 'compare'; operator: RecipientFilterOperator; pos: number }
  | { kind: 'string'; value: string; pos: number }
  | { kind: 'word'; value: string; pos: number };

const OPERATOR_WORDS: Record<string, Token['kind'] | RecipientFilterOperator> = {
  and: 'and', or: 'or', not: 'not', eq: 'eq', ne: 'ne', like: 'like', notlike: 'notlike',
};

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const fail = (detail: string, pos: number): never => {
    throw new RecipientFilterSyntaxError(text, detail, pos);
  };
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) { i++; continue; }
    const start = i;
    if (c === '(') { tokens.push({ kind: 'lparen', pos: i++ }); continue; }
    if (c === ')') { tokens.push({ kind: 'rparen', pos: i++ }); continue; }
    if (c === '!') { tokens.push({ kind: 'not', pos: i++ }); continue; }
    if (c === "'" || c === '"' || c === '\u2018' || c === '\u2019' || c === '\u201C' || c === '\u201D') {
      // PowerShell doubles the quote to escape it; smart quotes count as their plain forms, as in PowerShell.
      const single = c === "'" || c === '\u2018' || c === '\u2019';
      const isQuote = (ch: string | undefined): boolean =>
        single ? ch === "'" || ch === '\u2018' || ch === '\u2019' : ch === '"' || ch === '\u201C' || ch === '\u201D';
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) fail('unterminated quoted string', start);
        const ch = text[i]!;
        if (isQuote(ch)) {
          if (isQuote(text[i + 1])) { value += ch; i += 2; continue; }
          i++;
          break;
        }
        if (!single && ch === '`' && i + 1 < text.length) { value += text[i + 1]; i += 2; continue; }
        value += ch;
        i++;
      }
      tokens.push({ kind: 'string', value, pos: start });
      continue;
    }
    if (c === '-') {
      const m = /^-([A-Za-z]+)/.exec(text.slice(i));
      if (!m) fail("expected an operator after '-'", i);
      const word = m![1]!.toLowerCase();
      const op = OPERATOR_WORDS[word];
      if (!op) fail(`unknown operator '-${m![1]}'`, i);
      if (op === 'and' || op === 'or' || op === 'not') tokens.push({ kind: op, pos: i });
      else tokens.push({ kind: 'compare', operator: op as RecipientFilterOperator, pos: i });
      i += m![0].length;
      continue;
    }
    const m = /^[^\s()'"!]+/.exec(text.slice(i));
    if (!m) fail(`unexpected character '${c}'`, i);
    tokens.push({ kind: 'word', value: m![0], pos: i });
    i += m![0].length;
  }
  tokens.push({ kind: 'end', pos: text.length });
  return tokens;
}

/** PowerShell -like: `*`, `?`, `[abc]`, `[a-z]`, and a backtick escapes the next character. Case-insensitive. */
export function wildcardToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '`' && i + 1 < pattern.length) {
      source += escapeRegExp(pattern[++i]!);
    } else if (c === '*') {
      source += '[\\s\\S]*';
    } else if (c === '?') {
      source += '[\\s\\S]';
    } else if (c === '[') {
      const close = pattern.indexOf(']', i + 2);
      // PowerShell's WildcardPattern refuses an unclosed bracket; so does the Management Shell's filter.
      if (close < 0) throw new RecipientFilterSyntaxError(pattern, `the wildcard pattern '${pattern}' has an unclosed '['`, i);
      const body = pattern.slice(i + 1, close).replace(/[\\\]^]/g, (x) => `\\${x}`);
      source += `[${body}]`;
      i = close;
    } else {
      source += escapeRegExp(c);
    }
  }
  return new RegExp(`^${source}$`, 'i');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

export function parseRecipientFilter(text: string): RecipientFilter {
  const tokens = tokenize(text);
  let index = 0;
  const peek = (): Token => tokens[index]!;
  const next = (): Token => tokens[index++]!;
  const fail = (detail: string, token: Token): never => {
    throw new RecipientFilterSyntaxError(text, detail, token.pos);
  };

  // -or binds looser than -and; both are left-associative.
  const chain = (kind: 'or' | 'and', operand: () => RecipientFilterNode) => (): RecipientFilterNode => {
    let left = operand();
    while (peek().kind === kind) {
      next();
      left = { type: kind, left, right: operand() };
    }
    return left;
  };
  const parseOr = chain('or', () => parseAnd());
  const parseAnd = chain('and', () => parseUnary());
  const parseUnary = (): RecipientFilterNode => {
    if (peek().kind === 'not') {
      next();
      return { type: 'not', operand: parseUnary() };
    }
    return parsePrimary();
  };
  const parsePrimary = (): RecipientFilterNode => {
    const token = next();
    if (token.kind === 'lparen') {
      const inner = parseOr();
      const close = next();
      if (close.kind !== 'rparen') fail("expected ')'", close);
      return inner;
    }
    if (token.kind !== 'word') {
      return fail(token.kind === 'end' ? 'unexpected end of filter' : 'expected a property name', token);
    }
    const property = RECIPIENT_FILTER_PROPERTIES.find((p) => p.toLowerCase() === token.value.toLowerCase());
    if (!property) fail(`unsupported property '${token.value}'`, token);
    const op = next();
    if (op.kind !== 'compare') return fail(`expected -eq, -ne, -like or -notlike after '${token.value}'`, op);
    const valueToken = next();
    let value: string | null;
    if (valueToken.kind === 'string') value = valueToken.value;
    else if (valueToken.kind === 'word') {
      const word = valueToken.value.toLowerCase();
      // The filter is data: a variable other than these three is refused, as the Management Shell refuses it.
      if (word.startsWith('$') && word !== '$null' && word !== '$true' && word !== '$false') fail('variables are not allowed in a filter', valueToken);
      value = word === '$null' ? null : word === '$true' ? 'True' : word === '$false' ? 'False' : valueToken.value;
    } else return fail(`expected a value after '-${op.operator}'`, valueToken);
    const node: RecipientFilterNode = { type: 'compare', property: property!, operator: op.operator, value };
    if ((op.operator === 'like' || op.operator === 'notlike') && value !== null) node.pattern = wildcardToRegExp(value);
    return node;
  };

  const root = parseOr();
  const rest = peek();
  if (rest.kind !== 'end') fail('unexpected text after the end of the filter', rest);
  return { text, root };
}

/** Direct group membership, indexed once per loaded state. */
const memberOfIndex = new WeakMap<SimState, Map<string, string[]>>();

function groupsOf(dn: string, state: SimState): string[] {
  let index = memberOfIndex.get(state);
  if (!index) {
    index = new Map();
    for (const group of state.groups) {
      for (const member of group.members) {
        const key = member.toLowerCase();
        const list = index.get(key);
        if (list) list.push(group.distinguishedName);
        else index.set(key, [group.distinguishedName]);
      }
    }
    memberOfIndex.set(state, index);
  }
  return index.get(dn.toLowerCase()) ?? [];
}

function isUser(recipient: FilterRecipient): recipient is SimUser {
  return 'userPrincipalName' in recipient;
}

/** Property values as Exchange reports them; multi-valued properties give several. */
function propertyValues(property: RecipientFilterProperty, recipient: FilterRecipient, state: SimState): string[] {
  const one = (value: string | null | undefined): string[] => (value ? [value] : []);
  if (isUser(recipient)) {
    const mailbox = recipient.mailbox;
    switch (property) {
      case 'RecipientTypeDetails': return [mailbox ? mailbox.recipientTypeDetails : 'User'];
      // Room, equipment and shared mailboxes are all RecipientType UserMailbox in Exchange.
      case 'RecipientType': return [mailbox ? 'UserMailbox' : 'User'];
      case 'Alias': return one(mailbox?.alias);
      case 'Name': return [recipient.name];
      case 'PrimarySmtpAddress': return one(mailbox?.primarySmtpAddress);
      case 'EmailAddresses': return mailbox ? mailbox.emailAddresses : [];
      case 'DistinguishedName': return [recipient.distinguishedName];
      case 'MemberOfGroup': return groupsOf(recipient.distinguishedName, state);
      case 'SamAccountName': return [recipient.samAccountName];
      case 'UserPrincipalName': return [recipient.userPrincipalName];
    }
  }
  switch (property) {
    case 'RecipientTypeDetails': return [recipient.recipientTypeDetails];
    case 'RecipientType': return [recipient.recipientTypeDetails === 'RoleGroup' ? 'Group' : recipient.recipientTypeDetails];
    case 'Alias': return recipient.primarySmtpAddress ? [recipient.samAccountName] : [];
    case 'Name': return [recipient.name];
    case 'PrimarySmtpAddress': return one(recipient.primarySmtpAddress);
    case 'EmailAddresses': return recipient.primarySmtpAddress ? [`SMTP:${recipient.primarySmtpAddress}`] : [];
    case 'DistinguishedName': return [recipient.distinguishedName];
    case 'MemberOfGroup': return groupsOf(recipient.distinguishedName, state);
    case 'SamAccountName': return [recipient.samAccountName];
    case 'UserPrincipalName': return [];
  }
}

/** A proxy address matches with its prefix (`smtp:a@b`) or without it (`a@b`). */
function candidates(property: RecipientFilterProperty, value: string): string[] {
  if (property === 'EmailAddresses') {
    const colon = value.indexOf(':');
    return colon > 0 ? [value, value.slice(colon + 1)] : [value];
  }
  return [value];
}

function compare(node: Extract<RecipientFilterNode, { type: 'compare' }>, recipient: FilterRecipient, state: SimState): boolean {
  const values = propertyValues(node.property, recipient, state);
  if (node.value === null) {
    const isNull = values.length === 0;
    return node.operator === 'eq' || node.operator === 'like' ? isNull : !isNull;
  }
  const expected = node.value.toLowerCase();
  const pattern = node.pattern;
  // Multi-valued properties match when any value does; -ne and -notlike are the negation of that.
  const any = values.some((v) =>
    candidates(node.property, v).some((c) => (pattern ? pattern.test(c) : c.toLowerCase() === expected)),
  );
  return node.operator === 'eq' || node.operator === 'like' ? any : !any;
}

function evaluate(node: RecipientFilterNode, recipient: FilterRecipient, state: SimState): boolean {
  switch (node.type) {
    case 'and': return evaluate(node.left, recipient, state) && evaluate(node.right, recipient, state);
    case 'or': return evaluate(node.left, recipient, state) || evaluate(node.right, recipient, state);
    case 'not': return !evaluate(node.operand, recipient, state);
    case 'compare': return compare(node, recipient, state);
  }
}

export function matchesRecipientFilter(filter: RecipientFilter | string, recipient: FilterRecipient, state: SimState): boolean {
  const parsed = typeof filter === 'string' ? parseRecipientFilter(filter) : filter;
  return evaluate(parsed.root, recipient, state);
}
