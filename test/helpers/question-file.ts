/**
 * Question files for the reader's tests: `readText(content)` writes the content to a fresh temporary folder, which
 * is removed after the test, and reads it back as `mwbatch submit` does.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { readQuestionFile, type QuestionFile } from '../../batch/questions';

/** Writes `content` as questions.csv in a folder of the running test's own, and returns its path. */
export async function questionFile(content: string | Buffer): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mwbatch-csv-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'questions.csv');
  await writeFile(path, content);
  return path;
}

/** The file as the reader sees it. */
export async function readText(content: string | Buffer): Promise<QuestionFile> {
  return readQuestionFile(await questionFile(content));
}
