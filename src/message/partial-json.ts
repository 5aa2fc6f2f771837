/**
 * Synchronous partial-JSON parsing for streamed tool input (SPEC R1).
 *
 * `ai` shows a tool call's input while its JSON text is still arriving: it parses the text so far,
 * and when that fails it closes the open strings, arrays and objects, drops a dangling key or
 * number sign, completes a cut `true`/`false`/`null`, and parses again (`parsePartialJson` with its
 * `fixJson` repair, ai 7). `ai`'s version is async; the fold is synchronous, so this module
 * re-implements the same repair rules. Published partial-JSON packages (partial-json,
 * untruncate-json, best-effort-json-parser, jsonrepair) each give different values on some
 * prefixes (for example `{"n":-` or `[4.`), so they cannot be used for R1.
 */

// Scanner states. Container states say what the scanner expects next inside that container.
const TOP = 0; // expecting the root value
const DONE = 1; // the root value has started; everything after it is ignored
const OBJ_OPEN = 2; // after `{`: a key or `}`
const OBJ_KEY = 3; // inside a key string (escapes are not interpreted, as in ai)
const OBJ_COLON = 4; // after a key: `:`
const OBJ_VALUE = 5; // after `:`: a value
const OBJ_NEXT = 6; // after a member: `,` or `}`
const OBJ_COMMA = 7; // after `,`: a key
const ARR_OPEN = 8; // after `[`: a value or `]`
const ARR_NEXT = 9; // after an element: `,` or `]`
const ARR_COMMA = 10; // after `,`: a value
const STR = 11; // inside a string value
const STR_ESC = 12; // after a backslash in a string
const STR_HEX = 13; // inside a `\uXXXX` escape
const NUM = 14; // inside a number
const LIT = 15; // inside `true`, `false` or `null`

const LITERALS = ["true", "false", "null"] as const;
const NOT_PARSED = Symbol("not parsed");

/**
 * Parses possibly truncated JSON the way `ai`'s `parsePartialJson` does: the value of the text if
 * it is complete JSON, else the value of its repaired form, else `undefined`. Objects carrying a
 * `__proto__` key or a `constructor.prototype` are refused (`undefined`), as `ai` refuses them.
 *
 * @example
 * ```ts
 * parsePartialJson('{"city":"Par'); // { city: "Par" }
 * parsePartialJson('[1, 2, tr');    // [1, 2, true]
 * parsePartialJson('{"n":-');        // {}
 * ```
 */
export function parsePartialJson(text: string): unknown {
  const whole = parseSecure(text);
  if (whole !== NOT_PARSED) return whole;
  const repaired = parseSecure(repairPartialJson(text));
  return repaired === NOT_PARSED ? undefined : repaired;
}

/**
 * Completes truncated JSON text so that it parses: keeps the longest prefix that ends on a
 * complete token (a dangling `"key"`, `:` or `-` is dropped) and appends the closing quotes,
 * brackets and literal tails that are still open. Text that is not JSON comes back as it is or
 * partly repaired; the caller's parse decides.
 */
export function repairPartialJson(text: string): string {
  const stack: number[] = [TOP];
  let keep = 0; // length of the prefix that is kept
  let literalStart = 0;
  let hexDigits = 0;

  const replaceTop = (state: number) => {
    stack[stack.length - 1] = state;
  };
  const top = () => stack[stack.length - 1];

  // A value starts at `ch`: the enclosing frame becomes `after`, the value's own frame is pushed.
  const startValue = (ch: string, i: number, after: number) => {
    let frame: number;
    if (ch === '"') frame = STR;
    else if (ch === "t" || ch === "f" || ch === "n") frame = LIT;
    else if (ch === "-" || (ch >= "0" && ch <= "9")) frame = NUM;
    else if (ch === "{") frame = OBJ_OPEN;
    else if (ch === "[") frame = ARR_OPEN;
    else return;
    if (ch !== "-") keep = i + 1;
    if (frame === LIT) literalStart = i;
    replaceTop(after);
    stack.push(frame);
  };
  const afterMember = (ch: string, i: number) => {
    if (ch === ",") replaceTop(OBJ_COMMA);
    else if (ch === "}") {
      keep = i + 1;
      stack.pop();
    }
  };
  const afterElement = (ch: string, i: number) => {
    if (ch === ",") replaceTop(ARR_COMMA);
    else if (ch === "]") {
      keep = i + 1;
      stack.pop();
    }
  };

  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    switch (top()) {
      case TOP:
        startValue(ch, i, DONE);
        break;
      case OBJ_OPEN:
        if (ch === '"') replaceTop(OBJ_KEY);
        else if (ch === "}") {
          keep = i + 1;
          stack.pop();
        }
        break;
      case OBJ_COMMA:
        if (ch === '"') replaceTop(OBJ_KEY);
        break;
      case OBJ_KEY:
        if (ch === '"') replaceTop(OBJ_COLON);
        break;
      case OBJ_COLON:
        if (ch === ":") replaceTop(OBJ_VALUE);
        break;
      case OBJ_VALUE:
        startValue(ch, i, OBJ_NEXT);
        break;
      case OBJ_NEXT:
        afterMember(ch, i);
        break;
      case ARR_OPEN:
        if (ch === "]") {
          keep = i + 1;
          stack.pop();
        } else startValue(ch, i, ARR_NEXT);
        break;
      case ARR_NEXT:
        // Any other character after an element is kept (ai keeps it too; the parse rejects junk).
        if (ch === "," || ch === "]") afterElement(ch, i);
        else keep = i + 1;
        break;
      case ARR_COMMA:
        startValue(ch, i, ARR_NEXT);
        break;
      case STR:
        if (ch === "\\") stack.push(STR_ESC);
        else {
          if (ch === '"') stack.pop();
          keep = i + 1;
        }
        break;
      case STR_ESC:
        stack.pop();
        if (ch === "u") {
          hexDigits = 0;
          stack.push(STR_HEX);
        } else keep = i + 1;
        break;
      case STR_HEX:
        if (isHexDigit(ch) && ++hexDigits === 4) {
          stack.pop();
          keep = i + 1;
        }
        break;
      case NUM:
        scanNumber(ch, i);
        break;
      case LIT:
        scanLiteral(ch, i);
        break;
      // DONE: ignore the rest.
    }
  }

  function scanNumber(ch: string, i: number) {
    if (ch >= "0" && ch <= "9") {
      keep = i + 1;
      return;
    }
    if (ch === "e" || ch === "E" || ch === "-" || ch === ".") return;
    // Any other character ends the number and, if it is a separator, also acts as one.
    stack.pop();
    if ((ch === "," || ch === "]") && top() === ARR_NEXT) afterElement(ch, i);
    else if ((ch === "," || ch === "}") && top() === OBJ_NEXT) afterMember(ch, i);
  }

  function scanLiteral(ch: string, i: number) {
    const sofar = text.slice(literalStart, i + 1);
    if (LITERALS.some((word) => word.startsWith(sofar))) {
      keep = i + 1;
      return;
    }
    stack.pop();
    if (top() === OBJ_NEXT) afterMember(ch, i);
    else if (top() === ARR_NEXT) afterElement(ch, i);
  }

  let repaired = text.slice(0, keep);
  for (let level = stack.length - 1; level >= 0; level--) {
    repaired += closing(stack[level] as number, text, literalStart);
  }
  return repaired;
}

/** What must be appended to close a frame left open at the end of the text. */
function closing(frame: number, text: string, literalStart: number): string {
  if (frame === STR) return '"';
  if (frame >= OBJ_OPEN && frame <= OBJ_COMMA) return "}";
  if (frame >= ARR_OPEN && frame <= ARR_COMMA) return "]";
  if (frame === LIT) {
    const literalSoFar = text.slice(literalStart);
    const word = LITERALS.find((candidate) => candidate.startsWith(literalSoFar));
    return word === undefined ? "" : word.slice(literalSoFar.length);
  }
  return "";
}

function isHexDigit(ch: string): boolean {
  return (ch >= "0" && ch <= "9") || (ch >= "a" && ch <= "f") || (ch >= "A" && ch <= "F");
}

/** `JSON.parse` that refuses prototype-polluting keys, as `ai`'s secure parser does. */
function parseSecure(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return NOT_PARSED;
  }
  if (typeof value !== "object" || value === null) return value;
  // Only texts that spell such a key (possibly with \u escapes) need the full scan.
  const suspicious =
    text.includes("__proto__") || text.includes("constructor") || text.includes("\\u");
  return suspicious && hasForbiddenKey(value) ? NOT_PARSED : value;
}

function hasForbiddenKey(root: object): boolean {
  const pending: object[] = [root];
  while (pending.length > 0) {
    const node = pending.pop() as Record<string, unknown>;
    if (Object.hasOwn(node, "__proto__")) return true;
    const ctor = Object.hasOwn(node, "constructor") ? node.constructor : undefined;
    if (typeof ctor === "object" && ctor !== null && Object.hasOwn(ctor, "prototype")) return true;
    for (const key in node) {
      const child = node[key];
      if (typeof child === "object" && child !== null) pending.push(child);
    }
  }
  return false;
}
