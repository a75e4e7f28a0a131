// Text ↔ token ids for GGUF Llama models, matching llama.cpp's llama_tokenize / llama_detokenize.
// Supported: tokenizer.ggml.model "gpt2" with pre-tokenizer "llama-bpe" (and llama.cpp's aliases
// for the same split: llama3, llama-v3, …), and "llama" (SentencePiece). Other models and other
// BPE pre-tokenizers ("default", "gpt-2", "qwen2", …) throw UnsupportedError.
// Reference: llama.cpp src/llama-vocab.cpp `llama_vocab::impl::tokenize`.

import type { GgufMetadata } from "../gguf/types.js";
import { BpeEncoder } from "./bpe.js";
import { detokenizeBytes, renderPiece } from "./detokenize.js";
import { SpecialTokenPartitioner } from "./special-tokens.js";
import { SpmEncoder } from "./spm.js";
import { StreamingDecoder } from "./streaming-decoder.js";
import { ATTR_CONTROL, ATTR_UNKNOWN, loadVocab, type Vocab } from "./vocab.js";

export { StreamingDecoder } from "./streaming-decoder.js";

export interface TokenizeOptions {
  /** Add BOS/EOS as the model's metadata asks (add_bos_token / add_eos_token); default true. */
  addSpecial?: boolean;
  /** Turn special-token texts such as "<|eot_id|>" into their ids; default false, so user text never becomes control tokens. */
  parseSpecial?: boolean;
}

/** Lone surrogates → U+FFFD, as the UTF-8 conversion in front of llama.cpp does. */
function wellFormed(s: string): string {
  return s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD");
}

const textDecoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });
const EMPTY = new Uint8Array(0);

export class Tokenizer {
  readonly nVocab: number;
  readonly bos?: number;
  readonly eos?: number;
  readonly eot?: number;
  readonly eom?: number;
  readonly addBos: boolean;
  readonly addEos: boolean;
  /** llama.cpp's end-of-generation set: eos, eot, eom and tokens recognized by text (<|eot_id|>, </s>, …). */
  readonly eogTokens: ReadonlySet<number>;

  private readonly partitioner: SpecialTokenPartitioner;
  private readonly bpe?: BpeEncoder;
  private readonly spm?: SpmEncoder;
  private readonly pieces: (Uint8Array | undefined)[];

  private constructor(private readonly vocab: Vocab) {
    this.nVocab = vocab.texts.length;
    if (vocab.bos !== undefined) this.bos = vocab.bos;
    if (vocab.eos !== undefined) this.eos = vocab.eos;
    if (vocab.eot !== undefined) this.eot = vocab.eot;
    if (vocab.eom !== undefined) this.eom = vocab.eom;
    this.addBos = vocab.addBos;
    this.addEos = vocab.addEos;
    this.eogTokens = vocab.eog;
    this.partitioner = new SpecialTokenPartitioner(vocab);
    if (vocab.kind === "bpe") this.bpe = new BpeEncoder(vocab);
    else this.spm = new SpmEncoder(vocab);
    this.pieces = new Array(this.nVocab);
  }

  /** Builds the tokenizer from GGUF metadata; throws UnsupportedError for tokenizers we do not implement. */
  static fromMetadata(m: GgufMetadata): Tokenizer {
    return new Tokenizer(loadVocab(m));
  }

  encode(text: string, opts: TokenizeOptions = {}): number[] {
    const addSpecial = opts.addSpecial ?? true;
    const v = this.vocab;
    const out: number[] = [];
    if (addSpecial && v.addBos) out.push(this.requireSpecial(v.bos, "BOS"));
    const frags = this.partitioner.partition(wellFormed(text), opts.parseSpecial ?? false);
    if (this.bpe) {
      for (const f of frags) {
        if (typeof f === "number") out.push(f);
        else this.bpe.encodeFragment(f, out);
      }
    } else {
      // SentencePiece: a raw fragment at the start or right after a special token gets a " " prefix.
      let prevSpecial = true;
      for (const f of frags) {
        if (typeof f === "number") {
          out.push(f);
          prevSpecial = true;
          continue;
        }
        const text = v.addSpacePrefix && prevSpecial ? " " + f : f;
        this.spm!.encodeEscaped(text.replaceAll(" ", "▁"), out);
        prevSpecial = false;
      }
    }
    if (addSpecial && v.addEos) out.push(this.requireSpecial(v.eos, "EOS"));
    return out;
  }

  decode(tokens: number[], opts: { special?: boolean } = {}): string {
    const special = opts.special ?? false;
    return textDecoder.decode(detokenizeBytes(this.vocab, tokens, (t) => this.tokenToPiece(t, special)));
  }

  /** Raw bytes of one token; control (and unknown) tokens are empty unless `special`. Do not mutate the result. */
  tokenToPiece(token: number, special = false): Uint8Array {
    let p = this.pieces[token];
    if (p === undefined) p = this.pieces[token] = renderPiece(this.vocab, token, true);
    return special || !(this.vocab.attrs[token]! & (ATTR_CONTROL | ATTR_UNKNOWN)) ? p : EMPTY;
  }

  isControl(token: number): boolean {
    return (this.vocab.attrs[token]! & ATTR_CONTROL) !== 0;
  }

  /** The vocabulary entry as stored (byte-level or "▁" form), for display and debugging. */
  tokenText(token: number): string {
    const t = this.vocab.texts[token];
    if (t === undefined) throw new RangeError(`Token id ${token} is out of range (vocabulary size ${this.nVocab})`);
    return t;
  }

  createDecoder(opts: { special?: boolean } = {}): StreamingDecoder {
    const special = opts.special ?? false;
    return new StreamingDecoder((t) => this.tokenToPiece(t, special));
  }

  private requireSpecial(id: number | undefined, name: string): number {
    if (id === undefined) throw new Error(`The model asks to add ${name} but has no ${name} token`);
    return id;
  }
}
