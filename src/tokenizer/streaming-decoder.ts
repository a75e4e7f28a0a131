// Incremental detokenization for streaming output: token pieces are raw bytes and a character
// (an emoji, a CJK ideograph) may be split across several byte tokens, so bytes of an incomplete
// UTF-8 sequence are held back until the rest arrives. Like llama.cpp's per-token
// common_token_to_piece (what llama-cli and llama-server stream), no clean-up pass and no
// leading-space removal is applied; use Tokenizer.decode for the whole-sequence form.

export class StreamingDecoder {
  // TextDecoder in stream mode keeps a partial sequence between calls and replaces invalid bytes
  // with U+FFFD exactly as a one-shot decode of the concatenated bytes would.
  private readonly decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

  constructor(private readonly piece: (token: number) => Uint8Array) {}

  /** Adds one token; returns the text that is now complete (possibly ""). */
  push(token: number): string {
    return this.decoder.decode(this.piece(token), { stream: true });
  }

  /** Ends the stream: a dangling partial sequence becomes U+FFFD. The decoder can be reused after. */
  flush(): string {
    return this.decoder.decode();
  }
}
