// How Xen's tools show and take values (xs_lib.c): printable ASCII as is, `\t \n \r \\`, bytes
// below 8 as three octal digits, everything else as \xHH. Writing undoes it, so
// `xenstore-write k 'a\x00b'` stores a NUL.

export function sanitise(value: Uint8Array): string {
  let text = "";
  for (const c of value) {
    if (c >= 0x20 && c <= 0x7e && c !== 0x5c) text += String.fromCharCode(c);
    else if (c === 0x09) text += "\\t";
    else if (c === 0x0a) text += "\\n";
    else if (c === 0x0d) text += "\\r";
    else if (c === 0x5c) text += "\\\\";
    else if (c < 8) text += `\\${c.toString(8).padStart(3, "0")}`;
    else text += `\\x${c.toString(16).padStart(2, "0")}`;
  }
  return text;
}

const SIMPLE: Readonly<Record<string, number>> = { t: 0x09, n: 0x0a, r: 0x0d, "\\": 0x5c };

/**
 * unsanitise_value(): `\t \n \r \\`, `\xHH` (up to two hex digits), `\ooo` (up to three octal
 * digits, kept to a byte); any other escaped character stands for itself, and a trailing
 * backslash for a NUL, as in Xen.
 */
export function unsanitise(text: string): Uint8Array {
  const input = new TextEncoder().encode(text);
  const out: number[] = [];
  for (let i = 0; i < input.length; i++) {
    const c = input[i] as number;
    if (c !== 0x5c) {
      out.push(c);
      continue;
    }
    const next = input[i + 1];
    if (next === undefined) {
      out.push(0);
      break;
    }
    const rest = String.fromCharCode(...input.subarray(i + 1, i + 4));
    const hex = /^x([0-9a-fA-F]{1,2})/.exec(rest);
    const octal = /^[0-7]{1,3}/.exec(rest);
    if (hex) {
      out.push(Number.parseInt(hex[1] as string, 16));
      i += hex[0].length;
    } else if (octal) {
      out.push(Number.parseInt(octal[0], 8) & 0xff);
      i += octal[0].length;
    } else {
      out.push(SIMPLE[String.fromCharCode(next)] ?? next);
      i += 1;
    }
  }
  return Uint8Array.from(out);
}
