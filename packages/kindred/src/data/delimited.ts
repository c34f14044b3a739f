/**
 * Splitting one delimited record into fields. CSV quoting follows RFC 4180: a field may be enclosed in double quotes,
 * a quote inside it is written twice, and a quoted field may hold the delimiter and line breaks (so a record can span
 * several physical lines: the caller joins lines while `splitQuoted` reports an open quote).
 */

/** Result of `splitQuoted`: the fields, or why the text is not (yet) a whole record. */
export type QuotedSplit =
  | { ok: true; fields: string[] }
  | { ok: false; open: true }
  | { ok: false; open: false; field: number; reason: string };

/**
 * Splits `text` on `delimiter` honouring RFC 4180 quotes. Returns `{ok: false, open: true}` when a quoted field is
 * still open at the end (append the next line, joined with "\n", and call again), or a reason and the 0-based field
 * index when the quoting is malformed (a quote inside an unquoted field, or text after a closing quote).
 *
 * @example
 * splitQuoted('1,"Toy Story, The",5', ','); // {ok: true, fields: ['1', 'Toy Story, The', '5']}
 * splitQuoted('1,"a ""quoted"" word"', ','); // {ok: true, fields: ['1', 'a "quoted" word']}
 * splitQuoted('1,"open', ',');               // {ok: false, open: true}
 */
export function splitQuoted(text: string, delimiter: string): QuotedSplit {
  // Fast path: no quote at all is the common case for rating files.
  if (text.indexOf('"') < 0) return { ok: true, fields: text.split(delimiter) };
  const fields: string[] = [];
  const n = text.length;
  const dl = delimiter.length;
  let i = 0;
  for (;;) {
    const field = fields.length;
    if (text.charCodeAt(i) === 34 /* " */) {
      let value = '';
      let from = i + 1;
      for (;;) {
        const q = text.indexOf('"', from);
        if (q < 0) return { ok: false, open: true };
        value += text.slice(from, q);
        if (text.charCodeAt(q + 1) === 34) {
          value += '"';
          from = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      fields.push(value);
      if (i === n) return { ok: true, fields };
      if (!text.startsWith(delimiter, i))
        return {
          ok: false,
          open: false,
          field,
          reason: 'text after a closing quote (RFC 4180: write "" inside quotes)',
        };
      i += dl;
      if (i === n) {
        fields.push('');
        return { ok: true, fields };
      }
    } else {
      const d = text.indexOf(delimiter, i);
      const end = d < 0 ? n : d;
      const value = text.slice(i, end);
      if (value.indexOf('"') >= 0)
        return {
          ok: false,
          open: false,
          field,
          reason: 'quote inside an unquoted field (RFC 4180: quote the whole field)',
        };
      fields.push(value);
      if (d < 0) return { ok: true, fields };
      i = d + dl;
      if (i === n) {
        fields.push('');
        return { ok: true, fields };
      }
    }
  }
}
