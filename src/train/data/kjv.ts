// The King James Bible as plain-text training data. Source: Debian's `bible-kjv-text` package
// (its copyright file: "The copyright for the King James Version text of the Bible is expired
// since the translation was done in 1611"), fetched with `apt-get download`, unpacked with
// `dpkg-deb -x`, and decoded from its compressed data file (brs-text.ts). The decoded text, one
// verse a line ("Ge1:1 In the beginning…"), is cached; chapters become readable prose documents
// ("Genesis 1" header line, then the verses run together as one paragraph).

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { readBrsTextFile } from "./brs-text.js";

export class KjvError extends Error {
  override name = "KjvError";
}

/** The data file's book abbreviations, in canonical order, with their full names. */
export const KJV_BOOKS: readonly (readonly [abbreviation: string, name: string])[] = [
  ["Ge", "Genesis"], ["Exo", "Exodus"], ["Lev", "Leviticus"], ["Num", "Numbers"], ["Deu", "Deuteronomy"],
  ["Josh", "Joshua"], ["Jdgs", "Judges"], ["Ruth", "Ruth"], ["1Sm", "1 Samuel"], ["2Sm", "2 Samuel"],
  ["1Ki", "1 Kings"], ["2Ki", "2 Kings"], ["1Chr", "1 Chronicles"], ["2Chr", "2 Chronicles"], ["Ezra", "Ezra"],
  ["Neh", "Nehemiah"], ["Est", "Esther"], ["Job", "Job"], ["Psa", "Psalms"], ["Prv", "Proverbs"],
  ["Eccl", "Ecclesiastes"], ["SSol", "Song of Solomon"], ["Isa", "Isaiah"], ["Jer", "Jeremiah"], ["Lam", "Lamentations"],
  ["Eze", "Ezekiel"], ["Dan", "Daniel"], ["Hos", "Hosea"], ["Joel", "Joel"], ["Amos", "Amos"],
  ["Obad", "Obadiah"], ["Jonah", "Jonah"], ["Mic", "Micah"], ["Nahum", "Nahum"], ["Hab", "Habakkuk"],
  ["Zep", "Zephaniah"], ["Hag", "Haggai"], ["Zec", "Zechariah"], ["Mal", "Malachi"], ["Mat", "Matthew"],
  ["Mark", "Mark"], ["Luke", "Luke"], ["John", "John"], ["Acts", "Acts"], ["Rom", "Romans"],
  ["1Cor", "1 Corinthians"], ["2Cor", "2 Corinthians"], ["Gal", "Galatians"], ["Eph", "Ephesians"], ["Phi", "Philippians"],
  ["Col", "Colossians"], ["1Th", "1 Thessalonians"], ["2Th", "2 Thessalonians"], ["1Tim", "1 Timothy"], ["2Tim", "2 Timothy"],
  ["Titus", "Titus"], ["Phmn", "Philemon"], ["Heb", "Hebrews"], ["Jas", "James"], ["1Pet", "1 Peter"],
  ["2Pet", "2 Peter"], ["1Jn", "1 John"], ["2Jn", "2 John"], ["3Jn", "3 John"], ["Jude", "Jude"], ["Rev", "Revelation"],
];

const BOOK_NAMES = new Map(KJV_BOOKS);

export interface KjvVerse {
  book: string;
  chapter: number;
  verse: number;
  text: string;
}

export interface KjvChapter {
  book: string;
  chapter: number;
  /** "Genesis 1\n" then the chapter's verses as one paragraph. */
  text: string;
}

const VERSE_LINE = /^([1-3]?[A-Za-z]+)(\d+):(\d+) (.*)$/;

/** Verse lines → verses; the title line is skipped, anything else unexpected is an error. */
export function parseKjvVerses(text: string): KjvVerse[] {
  const verses: KjvVerse[] = [];
  text.split("\n").forEach((line, i) => {
    const trimmed = line.trim();
    if (trimmed === "" || (i === 0 && trimmed.startsWith("Holy Bible"))) return;
    const m = VERSE_LINE.exec(trimmed);
    if (!m) throw new KjvError(`KJV text line ${i + 1} is not a verse ("Book1:1 text"): ${JSON.stringify(trimmed.slice(0, 60))}`);
    const book = BOOK_NAMES.get(m[1]!);
    if (!book) throw new KjvError(`KJV text line ${i + 1}: unknown book abbreviation "${m[1]}"`);
    verses.push({ book, chapter: Number(m[2]), verse: Number(m[3]), text: m[4]!.replace(/\s+/g, " ").trim() });
  });
  return verses;
}

/** Consecutive verses of one chapter → one document per chapter, in text order. */
export function kjvChapters(verses: readonly KjvVerse[]): KjvChapter[] {
  const out: KjvChapter[] = [];
  let current: { book: string; chapter: number; parts: string[] } | undefined;
  const flush = () => {
    if (current) out.push({ book: current.book, chapter: current.chapter, text: `${current.book} ${current.chapter}\n${current.parts.join(" ")}` });
  };
  for (const v of verses) {
    if (!current || current.book !== v.book || current.chapter !== v.chapter) {
      flush();
      current = { book: v.book, chapter: v.chapter, parts: [] };
    }
    current.parts.push(v.text);
  }
  flush();
  return out;
}

/** Whole books never seen in training, so validation loss also measures unseen prose. */
export const KJV_VALIDATION_BOOKS: ReadonlySet<string> = new Set(["Ruth", "Jonah", "Titus", "Philemon"]);

/** Validation: the books above plus every 40th chapter of the others (by position in the Bible). */
export function splitKjv(chapters: readonly KjvChapter[]): { train: KjvChapter[]; validation: KjvChapter[] } {
  const train: KjvChapter[] = [];
  const validation: KjvChapter[] = [];
  chapters.forEach((c, i) => (KJV_VALIDATION_BOOKS.has(c.book) || i % 40 === 17 ? validation : train).push(c));
  return { train, validation };
}

function requireTool(name: string, apt: string): void {
  const r = spawnSync(name, ["--version"], { stdio: "ignore" });
  if (r.error) throw new KjvError(`"${name}" was not found; the King James text comes from a Debian package: install ${apt} (apt-get install ${apt}) or run on Debian/Ubuntu`);
}

function run(cmd: string, args: string[], cwd: string, what: string): void {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8" });
  if (r.error || r.status !== 0) {
    const detail = (r.stderr || r.error?.message || "").trim().split("\n").slice(-3).join(" | ");
    throw new KjvError(`${what} failed (${cmd} ${args.join(" ")}, exit ${r.status ?? "?"}): ${detail}`);
  }
}

/**
 * The verse-per-line KJV text, from `cacheDir/kjv.txt` or, the first time, from Debian's
 * bible-kjv-text package (downloaded into cacheDir with apt-get, unpacked with dpkg-deb).
 */
export async function loadKjvText(cacheDir: string): Promise<string> {
  const cached = join(cacheDir, "kjv.txt");
  if (existsSync(cached)) return readFile(cached, "utf8");
  await mkdir(cacheDir, { recursive: true });
  let deb = (await readdir(cacheDir)).find((f) => /^bible-kjv-text_.*\.deb$/.test(f));
  if (!deb) {
    requireTool("apt-get", "apt");
    run("apt-get", ["download", "bible-kjv-text"], cacheDir, "Downloading Debian's bible-kjv-text package (needs network access to a Debian mirror; try apt-get update first)");
    deb = (await readdir(cacheDir)).find((f) => /^bible-kjv-text_.*\.deb$/.test(f));
    if (!deb) throw new KjvError(`apt-get download bible-kjv-text left no bible-kjv-text_*.deb in ${cacheDir}`);
  }
  requireTool("dpkg-deb", "dpkg");
  const unpacked = join(cacheDir, "bible-kjv-text");
  await rm(unpacked, { recursive: true, force: true });
  run("dpkg-deb", ["-x", deb, "bible-kjv-text"], cacheDir, `Unpacking ${deb}`);
  const dataFile = join(unpacked, "usr", "lib", "bible.data");
  if (!existsSync(dataFile)) throw new KjvError(`${deb} has no usr/lib/bible.data; the package layout changed`);
  const text = readBrsTextFile(await readFile(dataFile), dataFile);
  const verses = parseKjvVerses(text); // fail before caching a text we cannot parse
  if (verses.length < 31000) throw new KjvError(`${dataFile} decoded to ${verses.length} verses; the King James Bible has 31102`);
  const tmp = `${cached}.tmp-${process.pid}`;
  await writeFile(tmp, text);
  await rename(tmp, cached);
  return text;
}

/** The KJV as chapter documents, split into training and validation. */
export async function loadKjv(cacheDir: string): Promise<{ train: KjvChapter[]; validation: KjvChapter[] }> {
  return splitKjv(kjvChapters(parseKjvVerses(await loadKjvText(cacheDir))));
}
