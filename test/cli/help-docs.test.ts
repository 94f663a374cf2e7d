/**
 * `--help` and docs/cli.md say the same thing: every command (serve has docs/serve.md and its own
 * test) has a section listing exactly the options its --help offers, every command the CLI has
 * is documented, and no help text uses implementation words (source paths, library names) that a
 * Mac admin cannot act on.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, ensureBuilt, ROOT } from '../helpers/dist.js';

const doc = readFileSync(join(ROOT, 'docs/cli.md'), 'utf8');

const helps = new Map<string, string>();

/** `portcullis COMMAND --help`, run once per command (each run loads every command module). */
function help(command: string[]): string {
  const key = command.join(' ');
  let text = helps.get(key);
  if (text === undefined) {
    text = execFileSync(process.execPath, [CLI, ...command, '--help'], { encoding: 'utf8' });
    helps.set(key, text);
  }
  return text;
}

/** Option names (`--key`, `--no-admin`) listed under "Options:" of a help text. */
function helpOptions(text: string): string[] {
  const options = text.slice(
    text.indexOf('Options:'),
    text.indexOf('\n\n', text.indexOf('Options:')),
  );
  return [...options.matchAll(/^ {2}(?:-\w, )?(--[a-z0-9-]+)/gm)]
    .map((m) => m[1]!)
    .filter((o) => o !== '--help')
    .sort();
}

/** The documented sections: command → option names in its table. */
function documented(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const section of doc.split(/^### /m).slice(1)) {
    const name = /^`portcullis ([a-z -]+)`/.exec(section)?.[1];
    if (!name) continue;
    out.set(name, [...section.matchAll(/^\| `(--[a-z0-9-]+)/gm)].map((m) => m[1]!).sort());
  }
  return out;
}

/** Every command and subcommand the CLI offers, from its own --help. */
function offered(): string[] {
  const names = (text: string) =>
    [...text.slice(text.indexOf('Commands:')).matchAll(/^ {2}([a-z-]+)/gm)]
      .map((m) => m[1]!)
      .filter((n) => n !== 'help');
  const out: string[] = [];
  for (const top of names(help([]))) {
    const sub = help([top]);
    const subs = sub.includes('Commands:') ? names(sub) : [];
    if (subs.length === 0) out.push(top);
    for (const s of subs) out.push(`${top} ${s}`);
  }
  return out.sort();
}

beforeAll(() => ensureBuilt(), 120_000);

describe('docs/cli.md and --help', () => {
  it('documents every command except serve (docs/serve.md), and nothing that does not exist', {
    timeout: 120_000,
  }, () => {
    const commands = offered();
    expect(commands.length).toBeGreaterThan(15);
    expect([...documented().keys()].sort()).toEqual(commands.filter((c) => c !== 'serve'));
  });

  it.each([...documented().keys()])(
    'portcullis %s: the documented options are the offered ones',
    (name) => {
      expect(documented().get(name)).toEqual(helpOptions(help(name.split(' '))));
    },
  );

  it('no help text uses implementation words', { timeout: 120_000 }, () => {
    for (const name of [...offered(), '']) {
      const text = help(name === '' ? [] : name.split(' '));
      expect(text, name).not.toMatch(/src\/|\.ts\b|KeyObject|node:|zod|fastify|any form/i);
    }
  });
});
