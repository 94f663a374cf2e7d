/**
 * The hidden passphrase prompt, driven through a fake terminal: it must return what was typed,
 * honour backspace, restore the terminal mode, never echo, and cancel cleanly on Ctrl-C.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { promptHidden } from '../../src/keys/index.js';
import { keyErrorOfAsync } from './helpers.js';

class FakeTty extends EventEmitter {
  isTTY = true;
  raw: boolean[] = [];
  paused = false;
  setRawMode(mode: boolean): void {
    this.raw.push(mode);
  }
  setEncoding(): void {}
  resume(): void {
    this.paused = false;
  }
  pause(): void {
    this.paused = true;
  }
  type(text: string): void {
    this.emit('data', text);
  }
}

function output(): { text: string; write(t: string): void } {
  return {
    text: '',
    write(t: string) {
      this.text += t;
    },
  };
}

describe('promptHidden', () => {
  it('returns the typed line without echoing it and restores the terminal', async () => {
    const tty = new FakeTty();
    const out = output();
    const answer = promptHidden('Passphrase: ', tty, out);
    tty.type('s3cr');
    tty.type('et\r');
    expect(await answer).toBe('s3cret');
    expect(out.text).toBe('Passphrase: \n');
    expect(tty.raw).toEqual([true, false]);
    expect(tty.paused).toBe(true);
    expect(tty.listenerCount('data')).toBe(0);
  });

  it('handles backspace and multi-byte characters', async () => {
    const tty = new FakeTty();
    const answer = promptHidden('? ', tty, output());
    tty.type('pässx\u007fwörd\n');
    expect(await answer).toBe('pässwörd');
  });

  it('cancels on Ctrl-C with KEY_PASSPHRASE_REQUIRED', async () => {
    const tty = new FakeTty();
    const answer = promptHidden('? ', tty, output());
    tty.type('abc\u0003');
    expect((await keyErrorOfAsync(answer)).code).toBe('KEY_PASSPHRASE_REQUIRED');
    expect(tty.raw).toEqual([true, false]);
  });

  it('refuses to prompt without a terminal', async () => {
    const tty = new FakeTty();
    tty.isTTY = false;
    expect((await keyErrorOfAsync(promptHidden('? ', tty, output()))).code).toBe(
      'KEY_PASSPHRASE_REQUIRED',
    );
    expect(tty.raw).toEqual([]);
  });
});
