// A small namespace-tolerant XML reader for the SOAP requests ews-javascript-api sends, and escaping
// for the responses. Elements are matched by local name: EWS clients use any prefix they like
// (ews-javascript-api writes soap:/m:/t:, Microsoft's samples use tns:), so prefixes carry no meaning here.

export interface XmlElement {
  /** Local name, without prefix. */
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** Concatenated text content directly inside this element. */
  text: string;
}

export class XmlSyntaxError extends Error {
  constructor(detail: string, readonly position: number) {
    super(`Malformed XML: ${detail} at offset ${position}.`);
    this.name = 'XmlSyntaxError';
  }
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** As .NET's XmlReader (and so Exchange): a bare "&" or an undeclared entity is malformed XML, not text. */
export function decodeEntities(text: string, position = 0): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+)?(;?)/g, (whole, entity: string | undefined, semicolon: string, offset: number) => {
    const code = entity?.[0] === '#' ? (entity[1] === 'x' || entity[1] === 'X' ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10)) : undefined;
    const decoded = !entity || !semicolon ? undefined : code !== undefined ? (code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : undefined) : ENTITIES[entity];
    if (decoded === undefined) throw new XmlSyntaxError(`"${whole}" is not an entity reference`, position + offset);
    return decoded;
  });
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&apos;'));
}

function localName(qualified: string): string {
  const colon = qualified.indexOf(':');
  return colon < 0 ? qualified : qualified.slice(colon + 1);
}

const NAME = /[^\s/>=]+/y;
const ATTRIBUTE = /\s*([^\s/>=]+)\s*=\s*("([^"]*)"|'([^']*)')/y;

/** Parses a document and returns its root element. Throws XmlSyntaxError on malformed input. */
export function parseXml(input: string): XmlElement {
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let i = input.charCodeAt(0) === 0xfeff ? 1 : 0;

  const appendText = (raw: string): void => {
    const top = stack[stack.length - 1];
    if (top) top.text += raw;
    else if (raw.trim()) throw new XmlSyntaxError('text outside the root element', i);
  };

  while (i < input.length) {
    const lt = input.indexOf('<', i);
    if (lt < 0) {
      appendText(decodeEntities(input.slice(i), i));
      break;
    }
    if (lt > i) appendText(decodeEntities(input.slice(i, lt), i));
    i = lt;
    if (input.startsWith('<?', i)) {
      const end = input.indexOf('?>', i);
      if (end < 0) throw new XmlSyntaxError('unterminated processing instruction', i);
      i = end + 2;
    } else if (input.startsWith('<!--', i)) {
      const end = input.indexOf('-->', i);
      if (end < 0) throw new XmlSyntaxError('unterminated comment', i);
      i = end + 3;
    } else if (input.startsWith('<![CDATA[', i)) {
      const end = input.indexOf(']]>', i);
      if (end < 0) throw new XmlSyntaxError('unterminated CDATA section', i);
      appendText(input.slice(i + 9, end));
      i = end + 3;
    } else if (input.startsWith('<!', i)) {
      throw new XmlSyntaxError('DOCTYPE is not allowed', i);
    } else if (input[i + 1] === '/') {
      NAME.lastIndex = i + 2;
      const m = NAME.exec(input);
      if (!m) throw new XmlSyntaxError('missing end tag name', i);
      const top = stack.pop();
      if (!top || top.name !== localName(m[0])) throw new XmlSyntaxError(`unexpected end tag </${m[0]}>`, i);
      const gt = input.indexOf('>', NAME.lastIndex);
      if (gt < 0 || input.slice(NAME.lastIndex, gt).trim()) throw new XmlSyntaxError('malformed end tag', i);
      i = gt + 1;
    } else {
      NAME.lastIndex = i + 1;
      const m = NAME.exec(input);
      if (!m) throw new XmlSyntaxError('missing element name', i);
      const element: XmlElement = { name: localName(m[0]), attributes: {}, children: [], text: '' };
      let j = NAME.lastIndex;
      for (;;) {
        ATTRIBUTE.lastIndex = j;
        const a = ATTRIBUTE.exec(input);
        if (!a) break;
        element.attributes[localName(a[1]!)] = decodeEntities(a[3] ?? a[4] ?? '');
        j = ATTRIBUTE.lastIndex;
      }
      while (j < input.length && /\s/.test(input[j]!)) j++;
      let selfClosing = false;
      if (input[j] === '/') { selfClosing = true; j++; }
      if (input[j] !== '>') throw new XmlSyntaxError(`malformed start tag <${m[0]}>`, i);
      i = j + 1;
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(element);
      else if (root) throw new XmlSyntaxError('more than one root element', i);
      else root = element;
      if (!selfClosing) stack.push(element);
    }
  }
  if (stack.length) throw new XmlSyntaxError(`unclosed element <${stack[stack.length - 1]!.name}>`, input.length);
  if (!root) throw new XmlSyntaxError('no root element', 0);
  return root;
}

export function child(element: XmlElement | undefined, name: string): XmlElement | undefined {
  return element?.children.find((c) => c.name === name);
}

export function children(element: XmlElement | undefined, name: string): XmlElement[] {
  return element ? element.children.filter((c) => c.name === name) : [];
}

/** Follows a path of local names, e.g. `path(envelope, 'Header', 'ExchangeImpersonation')`. */
export function path(element: XmlElement | undefined, ...names: string[]): XmlElement | undefined {
  let current = element;
  for (const n of names) current = child(current, n);
  return current;
}

export function textOf(element: XmlElement | undefined): string | undefined {
  return element ? element.text.trim() : undefined;
}
