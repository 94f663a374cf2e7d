/**
 * Asking for a passphrase at the terminal without echoing it. Passphrases never come from a plain
 * CLI argument or environment variable (both leak into `ps`, shell history and crash reports).
 */
import { KeyError } from './errors.js';

/** The slice of a TTY input stream the prompt needs (so tests can pass a pseudo-terminal). */
export interface PromptInput {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
  setEncoding(encoding: BufferEncoding): unknown;
  resume(): unknown;
  pause(): unknown;
  on(event: 'data', listener: (chunk: string) => void): unknown;
  off(event: 'data', listener: (chunk: string) => void): unknown;
}

/**
 * Reads one line from a TTY with echo off. Ctrl-C or Ctrl-D on an empty line cancels.
 * @throws KeyError KEY_PASSPHRASE_REQUIRED when the input is not a terminal or the user cancels
 */
export function promptHidden(
  question: string,
  input: PromptInput = process.stdin,
  output: { write(text: string): unknown } = process.stderr,
): Promise<string> {
  if (!input.isTTY || typeof input.setRawMode !== 'function') {
    return Promise.reject(new KeyError('KEY_PASSPHRASE_REQUIRED', 'no terminal to ask on'));
  }
  const setRawMode = input.setRawMode.bind(input);
  return new Promise((resolve, reject) => {
    let chars: string[] = [];
    const finish = (result: string | undefined): void => {
      input.off('data', onData);
      setRawMode(false);
      input.pause();
      output.write('\n');
      if (result === undefined) reject(new KeyError('KEY_PASSPHRASE_REQUIRED', 'prompt cancelled'));
      else resolve(result);
    };
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          finish(chars.join(''));
          return;
        }
        if (ch === '\u0003' || (ch === '\u0004' && chars.length === 0)) {
          finish(undefined);
          return;
        }
        if (ch === '\u007f' || ch === '\b') chars = chars.slice(0, -1);
        else if (ch >= ' ') chars.push(ch);
      }
    };
    // Echo goes off before the question appears, so nothing typed after it is ever echoed.
    setRawMode(true);
    output.write(question);
    input.setEncoding('utf8');
    input.on('data', onData);
    input.resume();
  });
}
