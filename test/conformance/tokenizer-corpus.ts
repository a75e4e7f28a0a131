// A deterministic corpus of tokenizer inputs aimed at the places where tokenizers disagree:
// whitespace runs, digit grouping, contraction case, combining marks, scripts without spaces,
// emoji sequences, special-token look-alikes, lone surrogates, code points newer than llama.cpp's
// Unicode table, and very long words. Same seed → same strings on every machine.

/** mulberry32: tiny, seedable and platform-independent. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  "the quick brown fox jumps over lazy dog Hello world tokenizer llama model token byte pair encoding " +
  "Straße naïve café résumé coöperate São Paulo Zürich Ελληνικά русский язык français español"
).split(" ");
const CONTRACTIONS = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'T", "'RE", "'Re", "'rE", "'VE", "'M", "'LL", "'Ll", "'D", "'x", "''", "'"];
const SCRIPTS = [
  "你好，世界", "中文分词测试", "東京都渋谷区", "ひらがなカタカナ", "한국어 텍스트", "안녕하세요", "각", // CJK, kana, Hangul syllables + jamo
  "مرحبا بالعالم", "العربية", "שלום עולם", "हिन्दी भाषा", "नमस्ते", "ภาษาไทย", "ქართული", "Հայերեն", "ᎠᏍᎦᏯ",
  "e\u0301", "a\u0308\u0304", "n\u0303o", "\u0915\u094d\u0937", "Z\u0351\u036b\u0343\u036a\u0302\u036b", "\u200d", "\u200b", "\u2060",
];
const EMOJI = [
  "😀", "🤖", "👍🏽", "👨‍👩‍👧‍👦", "🧑🏾‍💻", "🏳️‍🌈", "🇺🇸", "🇯🇵🇫🇷", "1️⃣", "#️⃣", "❤️", "☺", "🫠", "🦙", "🪿", "\u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}",
];
const CODE = [
  "function f(x) {\n  return x * 2;\n}", "if (a && b) { c(); }", "def main():\n\tprint('hi')\n", "#include <stdio.h>",
  "SELECT * FROM t WHERE id = 42;", "const s = `${a}b`;", "x += 1 // comment", "<div class=\"a\">b</div>", "fn main() -> i32 { 0 }",
  "a_b_c = [1, 2, 3]", "{\"key\": [true, null, 1.5e-3]}", "    indented\n        more", "C:\\Users\\me\\file.txt", "$ ls -la | grep x",
];
const URLS = ["https://example.com/path?q=1&r=two#frag", "http://localhost:8080/v1/chat/completions", "mailto:someone@example.org", "ftp://x.y/z.tar.gz", "www.llama.ts"];
const SPECIALS = [
  "<|eot_id|>", "<|start_header_id|>", "<|end_header_id|>", "<|begin_of_text|>", "<|end_of_text|>", "<|eom_id|>", "<|python_tag|>",
  "<|finetune_right_pad_id|>", "<|reserved_special_token_0|>", "<|reserved_special_token_247|>", "<|reserved_special_token_250|>",
  "<|eot", "<|eot_id", "eot_id|>", "<|", "|>", "<|<|eot_id|>|>", "</s>", "<s>", "<unk>", "<0x0A>", "<0xFF>", "<0x", "▁", "▁▁", "[INST]", "<<SYS>>",
];
const SPACES = [" ", "  ", "   ", "\t", "\t\t", "\n", "\n\n", "\r\n", "\r", " \n", "\n ", " \t ", "\u00a0", "\u2003", "\u3000", "\u0085", "\u2028", "\ufeff", "\u000b", "\u000c"];
const PUNCT = [".", ",", "!", "?", "...", "?!", "—", "–", "\"", "(", ")", "[", "]", "{", "}", "*", "#", "@", "%", "&", "€", "$", "£", "¥", "©", "™", "→", "∑", "∞", "±", "¿", "¡", "«", "»", "・", "。", "、"];
// Letters/numbers assigned after llama.cpp's Unicode table was generated, plus unassigned and private-use code points.
const RARE = [
  "\u1c89", "\ua7cb", "\u{105c0}\u{105c1}", "\u{10d40}\u{10d41}", "\u{116d0}", "\u0378", "\u{e000}", "\u{10ffff}", "\u{1d400}\u{1d41a}",
  "\u2160\u2161", "½", "²³", "①②", "٣٤٥", "१२३", "\u0000", "\u0001", "\u007f", "\ufffd", "\ufffe",
];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

function randomNumber(r: () => number): string {
  const len = 1 + Math.floor(r() * 20);
  let s = "";
  for (let i = 0; i < len; i++) s += String(Math.floor(r() * 10));
  const shape = r();
  if (shape < 0.15) return s.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  if (shape < 0.3) return `${s}.${Math.floor(r() * 1000)}`;
  if (shape < 0.4) return `-${s}`;
  return s;
}

/** A code point from anywhere in Unicode (BMP-weighted), sometimes a lone surrogate. */
function randomCodePoint(r: () => number): string {
  const x = r();
  if (x < 0.03) return String.fromCharCode(0xd800 + Math.floor(r() * 0x800)); // lone surrogate
  if (x < 0.5) return String.fromCodePoint(0x20 + Math.floor(r() * 0x2fe0));
  if (x < 0.85) {
    let cp = Math.floor(r() * 0x10000);
    if (cp >= 0xd800 && cp < 0xe000) cp -= 0x800;
    return String.fromCodePoint(cp);
  }
  return String.fromCodePoint(0x10000 + Math.floor(r() * 0x100000));
}

function randomPiece(r: () => number): string {
  const k = r();
  if (k < 0.22) return pick(r, WORDS);
  if (k < 0.3) return pick(r, WORDS) + pick(r, CONTRACTIONS);
  if (k < 0.38) return randomNumber(r);
  if (k < 0.46) return pick(r, SCRIPTS);
  if (k < 0.53) return pick(r, EMOJI);
  if (k < 0.58) return pick(r, CODE);
  if (k < 0.61) return pick(r, URLS);
  if (k < 0.68) return pick(r, SPECIALS);
  if (k < 0.8) return pick(r, SPACES);
  if (k < 0.9) return pick(r, PUNCT);
  if (k < 0.94) return pick(r, RARE);
  let s = "";
  for (let i = 1 + Math.floor(r() * 6); i > 0; i--) s += randomCodePoint(r);
  return s;
}

/** Hand-picked edge cases that every run includes. */
function fixedCases(): string[] {
  const out = [
    "", " ", "  ", "\t", "\n", "\r\n", "\n\n\n", " \n \n ", "   x", "x   ", "x   y", "\t\tx", "a\r\nb", "\r\r\n\n",
    "Hello world", " Hello world", "Hello World!", "hello!", "I'm here", "I'M HERE", "they'LL", "it'S", "we'Ve", "you'D", "don't",
    "'s", "'", "''", "'''s", "x'", "'ll've'd", "1", "12", "123", "1234", "12345678901234567890", "3.14159", "1,000,000", "٣٤٥٦",
    "<|eot_id|>", "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>", "<|eot", "x<|eot_id|>y", "<|eot_id|><|eot_id|>",
    "<|begin_of_text|><|begin_of_text|>", "</s>", "<s>", "<s> </s>", "<unk>", "<0x0A>", "▁", "▁▁hello", "hello▁world",
    "\uD800", "\uDFFF", "a\uD83Db", "\uDE00x", "\uD83D\uDE00", "\ufeffBOM", "x\u0085y", "\u00a0\u00a0", "\u3000全角",
    "e\u0301\u0301\u0301", "👨‍👩‍👧‍👦👨‍👩‍👧‍👦", "🇺🇸🇬🇧🇫🇷", "a.b.c", "a . b , c ! d ?", "hello , world .", "it ' s", "x ' y",
    " 's 'm 're 've 't 'd 'll", "\u0000", "\u0000\u0000x", "…", "¡Hola!", "¿Qué?", "İstanbul", "ǅemal", "ß", "ﬁ", "Ⅻ",
  ];
  out.push("a".repeat(1000), "abc".repeat(400), "9".repeat(500), " ".repeat(300), "\n".repeat(200), "ab ".repeat(300));
  out.push("supercalifragilisticexpialidocious".repeat(20), "😀".repeat(200), "🦙🦙 ".repeat(50), "中".repeat(400));
  out.push("x".repeat(100) + "<|eot_id|>" + "y".repeat(100), "\t".repeat(64) + "code", "-".repeat(120), "=".repeat(80) + "\n");
  return out;
}

/** ≥ 2,000 varied strings, identical for a given seed. */
export function tokenizerCorpus(seed = 20240723, count = 2000): string[] {
  const r = rng(seed);
  const out = fixedCases();
  for (let i = 0; i < count; i++) {
    const n = 1 + Math.floor(r() * (r() < 0.9 ? 12 : 80));
    let s = "";
    for (let j = 0; j < n; j++) {
      s += randomPiece(r);
      if (r() < 0.55) s += r() < 0.85 ? " " : pick(r, SPACES);
    }
    out.push(s);
  }
  return out;
}
