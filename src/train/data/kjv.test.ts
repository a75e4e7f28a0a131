import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { BrsFormatError, readBrsTextFile } from "./brs-text.js";
import { KjvError, kjvChapters, loadKjv, parseKjvVerses, splitKjv } from "./kjv.js";
import { decompressLzw, LzwError } from "./lzw.js";

/** Unix compress with 9-bit codes only (inputs short enough that the table never outgrows them). */
function compress9(text: string): Uint8Array {
  const bytes = Buffer.from(text, "latin1");
  const dict = new Map<string, number>();
  let next = 257;
  const codes: number[] = [];
  let w = String.fromCharCode(bytes[0]!);
  for (let i = 1; i < bytes.length; i++) {
    const c = String.fromCharCode(bytes[i]!);
    if (dict.has(w + c) || (w + c).length === 1) w += c;
    else {
      codes.push(w.length === 1 ? w.charCodeAt(0) : dict.get(w)!);
      dict.set(w + c, next++);
      w = c;
    }
  }
  codes.push(w.length === 1 ? w.charCodeAt(0) : dict.get(w)!);
  assert.ok(next <= 511, "fixture too long for 9-bit codes");
  const out = new Uint8Array(Math.ceil((codes.length * 9) / 8));
  codes.forEach((code, k) => {
    for (let b = 0; b < 9; b++) if ((code >> b) & 1) out[(k * 9 + b) >> 3]! |= 1 << ((k * 9 + b) & 7);
  });
  return out;
}

/** A two-window BRS text file holding `a` then `b` (window size = a's length). */
function brsFile(a: string, b: string): Uint8Array {
  const wa = compress9(a);
  const wb = compress9(b);
  const head = new Uint8Array(92 + 12 + 3);
  head.set([0x45, 0x43, 0x30, 0x32]);
  const view = new DataView(head.buffer);
  view.setUint32(84, a.length);
  view.setUint32(88, 2);
  const first = head.length;
  view.setUint32(92, first);
  view.setUint32(96, first + wa.length);
  view.setUint32(100, first + wa.length + wb.length);
  head.set([0x1f, 0x9d, 0x90], first - 3);
  return Buffer.concat([head, wa, wb]);
}

const FIXTURE = [
  "Holy Bible, Authorized (King James) Version.  Textfile 930105.",
  "Ge1:1 In the beginning God created the heaven and the earth.",
  "Ge1:2 And the earth was without form, and void.",
  "Ge2:1 Thus the heavens and the earth were finished.",
  "Ruth1:1 Now it came to pass in the days when the judges ruled.",
  "1Jn1:1 That which was from the beginning.",
  "",
].join("\n");

test("LZW: decodes compress output, including the KwKwK case", () => {
  for (const s of ["abababababababab", "aaaaaaaaaaaaaaaaaaaa", FIXTURE.slice(0, 200)]) {
    assert.equal(Buffer.from(decompressLzw(compress9(s), 16, true)).toString("latin1"), s);
  }
  assert.throws(() => decompressLzw(new Uint8Array([0xff, 0xff, 0xff]), 16, true), LzwError);
});

test("BRS text file: windows decode and join; bad files are named", () => {
  const a = FIXTURE.slice(0, 150);
  const b = FIXTURE.slice(150);
  assert.equal(readBrsTextFile(brsFile(a, b)), FIXTURE);
  assert.throws(() => readBrsTextFile(new Uint8Array(200), "x.data"), /x\.data: not a Bible Retrieval System text file/);
  const truncated = brsFile(a, b).slice(0, 92 + 12 + 3 + 10);
  assert.throws(() => readBrsTextFile(truncated), BrsFormatError);
});

test("KJV: verses parse, chapters read as prose with a header, split is deterministic", () => {
  const verses = parseKjvVerses(FIXTURE);
  assert.equal(verses.length, 5);
  assert.deepEqual(verses[4], { book: "1 John", chapter: 1, verse: 1, text: "That which was from the beginning." });
  const chapters = kjvChapters(verses);
  assert.deepEqual(chapters.map((c) => `${c.book} ${c.chapter}`), ["Genesis 1", "Genesis 2", "Ruth 1", "1 John 1"]);
  assert.equal(chapters[0]!.text, "Genesis 1\nIn the beginning God created the heaven and the earth. And the earth was without form, and void.");
  const { train, validation } = splitKjv(chapters);
  assert.deepEqual(validation.map((c) => c.book), ["Ruth"]);
  assert.equal(train.length, 3);
  assert.throws(() => parseKjvVerses("Ge1:1 ok\nnot a verse"), /line 2 is not a verse/);
  assert.throws(() => parseKjvVerses("Xyz1:1 text"), KjvError);
});

test("KJV: download from Debian (KJV_DOWNLOAD=1 only)", { skip: process.env.KJV_DOWNLOAD !== "1" || spawnSync("apt-get", ["--version"]).error !== undefined }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "kjv-"));
  const kjv = await loadKjv(dir);
  assert.equal(kjv.train.length + kjv.validation.length, 1189);
  assert.match(kjv.train[0]!.text, /^Genesis 1\nIn the beginning God created the heaven and the earth\./);
});
