// Code point classes as llama.cpp's pre-tokenizer sees them (src/unicode.cpp `unicode_cpt_flags`,
// data from src/unicode-data.cpp). We carry llama.cpp's own letter/number table instead of using
// JS `\p{L}`/`\p{N}`: Node's ICU knows newer Unicode versions, and code points assigned since
// llama.cpp's table was generated must stay "undefined" to split the same way.
// Regenerate the run table with test/fixtures/gen-unicode-flags.ts.

export const FLAG_LETTER = 1;
export const FLAG_NUMBER = 2;
export const FLAG_WHITESPACE = 4;

/** Run-length table over U+0000..U+10FFFF: "<run length base36><. other | L letter | N number>". */
const LETTER_NUMBER_RUNS =
  "1c.aN7.qL6.qL1b.1L7.2N1.1L3.1N1L1.3N1.nL1.vL1.cqL4.cLe.5L7.1L1.1L3l.5L1.2L2.4L1.1L6.1L1.3L1.1L1." +
  "kL1.2bL1.3vL8.4mL1.12L2.1L6.15L1z.rL4.4L19.17Ll.aN4.2L1.2rL1.1Lf.2L7.2LaN3L2.1Lg.1L1.uLt.2hLb.1L" +
  "e.aNxL9.2L4.1L5.mL4.1L9.1L3.1Ln.pL7.bL5.oL1.6Lh.16L1m.1iL3.1Li.1L7.aL4.aN1.gL4.8L2.2L2.mL1.7L1." +
  "1L3.4L3.1Lg.1Ld.2L1.3L4.aN2L2.6N2.1L8.6L4.2L2.mL1.7L1.2L1.2L1.2Lv.4L1.1L7.aN2.3Lg.9L1.3L1.mL1.7L" +
  "1.2L1.5L3.1Li.1Lf.2L4.aN9.1Lb.8L2.2L2.mL1.7L1.2L1.5L3.1Lu.2L1.3L4.aN1.1L6Nb.1L1.6L3.3L1.4L3.2L1." +
  "1L1.2L3.2L3.3L3.cLm.1Ll.dNi.8L1.3L1.nL1.gL3.1Lq.3L2.1L2.2L4.aN8.7N1.1L4.8L1.3L1.nL1.aL1.5L3.1Lv." +
  "2L1.2L4.aN1.2Lh.9L1.3L1.15L2.1Lg.1L5.3L1.7N3L4.jN1.6L5.iL3.oL1.9L1.1L2.7Lv.aNh.1cL1.2Lc.7L9.aN" +
  "13.2L1.1L1.5L1.oL1.1L1.aL1.2L9.1L2.5L1.1L9.aN2.4Lw.1Lv.kNc.8L1.10Lr.5L37.17Lk.1LaN6.6L4.4L3.1L3." +
  "2L7.3L4.dLc.1L1.aN6.12L1.1L5.1L2.17L1.99L1.4L2.7L1.1L1.4L2.15L1.4L2.xL1.4L2.7L1.1L1.4L2.fL1.1lL" +
  "1.4L2.1vLe.kN3.gLg.2eL2.6L3.h8L2.hL1.qL5.23L3.3N8L7.iLd.jLe.iLe.dL1.3Lf.1gLz.1L4.1L3.aN6.aNm.aN" +
  "6.2hL7.5L2.yL1.1L5.1yLa.vL13.aNuL2.5Lb.18L4.qL6.bN11.nL9.1hL17.aN6.aNd.1L2l.1bLh.8L3.aN15.uLd.2L" +
  "aN18Lq.10Ls.aN3.3LaN10L2.9L7.17L2.3L15.4L1.6L1.2L3.1L5.5cL1s.7qL2.6L2.12L2.6L2.8L1.1L1.1L1.1L1." +
  "vL2.1hL1.7L1.1L3.3L1.7L3.4L2.6L4.dL5.3L1.7L37.1N1L2.6N5.1LaN6.dL2t.1L4.1L2.aL1.1L3.5L6.1L1.1L1." +
  "1L1.4L1.bL2.4L5.5L4.1L1.1fN2L5Nk6.1oN26.mNhi.uNvg.6dL6.4L3.2L9.1N2.12L1.1L5.1L2.1kL7.1Lg.nL9.7L" +
  "1.7L1.7L1.7L1.7L1.7L1.7L1.7L28.1Ld1.2L1Np.9N7.5L2.3N2L4.2eL6.3L1.2iL1.4L5.17L1.2mL3.4Na.wL1c.gL" +
  "w.aNu.8N1.fNw.aN13.fN8w.534L1s.h3hL1v.1aL2.7hL3.gLaN2Lk.1bLg.vL2.1yLaN13.9L2.2vL2.1sL5.2L1.1L1." +
  "5Lo.gL1.3L1.4L1.nLd.6Na.1gLe.1eLs.aNo.6L3.1L1.2L1.aNsLa.nLp.tL7.1bLs.1LaN6.5L1.aLaN5L1.15Ln.3L1." +
  "8L4.aN6.nL3.1L3.1eL1.1L3.2L2.5L2.1L1.1Lo.3L2.bL7.3Lc.6L2.6L2.6L9.7L1.7L1.17L1.eL6.37Ld.aN6.8mcL" +
  "c.nL4.1dL6is.a6L2.2yL12.7Lc.5L5.1L1.aL1.dL1.5L1.1L1.2L1.2L1.30Lx.a3Li.1sL2.1iL14.cL38.5L1.3rLj." +
  "aN7.qL6.qLb.2hL3.6L2.6L2.6L2.3Lz.cL1.qL1.jL1.2L1.fL2.eLy.3fLc.19Nc.1lNh.2N6s.tL3.1dLg.rN4.wL4N9." +
  "kL1N8L1N5.12La.uL2.10L4.8L1.5N16.4eL2.aN6.10L4.10L4.14L8.1gLc.bL1.fL1.7L1.2L1.bL1.fL1.7L1.2L1v." +
  "8nL9.mLa.8Lo.6L1.16L1.9L1x.6L2.1L1.18L1.2L3.1L2.nL2.8NnL2.7NvL8.9N1c.jL1.2L5.5NmL6N4.qL1y.1kL4." +
  "2N2LgN2.1aN1Lf.4L1.3L1.tLa.9Nn.tL2N1.tL3Nw.8L1.sL6.5Ng.1iLa.mL2.8NjL5.8NiLn.7N28.21L1j.1fLd.1fL" +
  "7.6N10Lc.aN86.vN1.16L6.2L26.tLaN1L8.mLb.4Nr.iL1a.lL7Nk.nLc.1hLq.uN1.2L2.1Ld.19Lw.pL7.aN9.10Lf.aN" +
  "4.1L2.1L8.zL3.1Lc.1cLe.4Lb.aN1L1.1L4.kNb.iL1.pLj.2L1r.7L1.1L1.4L1.fL1.aL7.1bLh.aNb.8L2.2L2.mL1." +
  "7L1.2L1.5L3.1Li.1Lc.5L4e.1hLi.4L5.aN5.3Lu.1cLk.2L1.1L8.aN4m.1bL15.4L10.1cLk.1Lb.aN12.17Ld.1L7.aN" +
  "1i.rLl.cN4.7L55.18L38.1sLjNc.8L2.1L2.8L1.2L1.oLf.1L1.1Le.aN1y.8L2.13Lg.1L1.1Ls.1La.14L7.1Ll.1Lb." +
  "1aLj.1Li.21L7b.9L1.11Lh.1Lf.tN5.uL34.7L1.2L1.12Ll.1L9.aN6.6L1.2L1.wLe.1L7.aN8m.jLf.1L1.dL1.yLs." +
  "aN2e.1Lf.lN17.pmL2u.33Nh.5gL218.2pLf.tsLh.6L33t.g7L6nt.ftL7.vL1.aN6.27L1.aN6.uLi.1cLg.4Lc.aN1.7N" +
  "1.lL5.jLj4.1sLnN2x.23L5.1L1u.dL1s.2L1.1Ls.4qgL8.yeL16.9L6w7.4L1.7L1.2L1.83Lf.1Lt.3L2.1Le.4L8.b0L" +
  "1s4.2zL5.dL3.9L7.aL4di.kNc.kN30.pN3r.2dL1.1zL1.2L2.1L2.2L2.4L1.cL1.1L1.7L1.1tL1.4L2.8L1.7L1.sL1." +
  "4L1.5L1.1L3.7L1.9gL2.pL1.pL1.vL1.pL1.vL1.pL1.vL1.pL1.vL1.pL1.8L2.1eN1ds.vL6.6L79.1qL42.19La.7L2." +
  "aN4.1L8x.uLi.18L4.aNd2.sL4.aNkm.7L1.4L1.2L1.fL1.5hL2.9N1c.1wL7.1L4.aNlz.1nN1.3N1.4N24.19N1.fN5e." +
  "4L1.rL1.2L1.1L2.1L1.aL1.4L1.1L1.1L6.1L4.1L1.1L1.1L1.3L1.2L1.1L2.1L1.1L1.1L1.1L1.1L1.2L1.1L2.4L1." +
  "7L1.4L1.4L1.1L1.aL1.hL5.3L1.5L1.hLg4.dN25f.aNsm.wyoLw.37eL6.66L2.4g2Le.5rlLf.haL1wi.f2L15u.3t7L" +
  "5.38gLjgwg.";

/** llama.cpp `unicode_set_whitespace`: the Unicode White_Space property (has U+0085, lacks U+FEFF). */
const WHITESPACE = [
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004,
  0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
];

let table: Uint8Array | undefined;

/** One byte of flags per code point, built on first use (1.1 MB, like llama.cpp's own array). */
function flagTable(): Uint8Array {
  if (table) return table;
  const t = new Uint8Array(0x110000);
  let cp = 0;
  for (const m of LETTER_NUMBER_RUNS.matchAll(/([0-9a-z]+)([.LN])/g)) {
    const len = parseInt(m[1]!, 36);
    const cls = m[2];
    if (cls !== ".") t.fill(cls === "L" ? FLAG_LETTER : FLAG_NUMBER, cp, cp + len);
    cp += len;
  }
  if (cp !== 0x110000) throw new Error(`Unicode flag table covers ${cp} code points, expected 1114112`);
  for (const ws of WHITESPACE) t[ws]! |= FLAG_WHITESPACE;
  table = t;
  return t;
}

/** Flags of a code point (0 for anything outside U+0000..U+10FFFF). */
export function codepointFlags(cp: number): number {
  return cp >= 0 && cp < 0x110000 ? flagTable()[cp]! : 0;
}

/** The whole table, for hot loops that index it directly. */
export function codepointFlagTable(): Uint8Array {
  return flagTable();
}
