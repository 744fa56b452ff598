// Lints each tarball named on the command line with publint (every level: errors, warnings and
// suggestions) and prints one JSON array: [{ tarball, messages: [{ type, code, text }] }].
import { readFileSync } from 'node:fs';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

const out = [];
for (const tarball of process.argv.slice(2)) {
  const bytes = readFileSync(tarball);
  const { messages, pkg } = await publint({
    pack: { tarball: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) },
    level: 'suggestion',
    strict: true,
  });
  out.push({
    tarball,
    messages: messages.map((m) => ({
      type: m.type,
      code: m.code,
      text: formatMessage(m, pkg, { color: false }),
    })),
  });
}
process.stdout.write(`${JSON.stringify(out)}\n`);
