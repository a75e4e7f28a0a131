// Model shapes `llama-ts synth` can produce. `1b` is exactly the Llama-3.2-1B shape; `tiny` and
// `small` keep the same architecture at sizes a test suite can afford (tiny uses 32-wide heads,
// so head sizes other than 64/128 are covered).

export interface SynthShape {
  nEmbd: number;
  nLayer: number;
  nHead: number;
  nHeadKv: number;
  nFf: number;
  nCtxTrain: number;
  /** Omit output.weight and reuse token_embd.weight (Llama 3.2 1B/3B). */
  tiedEmbeddings: boolean;
  /** Write rope_freqs.weight with Llama 3.1 "llama3" scaling. */
  ropeScaling: boolean;
  ropeFreqBase: number;
}

export const PRESETS = {
  tiny: { nEmbd: 256, nLayer: 2, nHead: 8, nHeadKv: 2, nFf: 768, nCtxTrain: 2048, tiedEmbeddings: false, ropeScaling: false, ropeFreqBase: 10000 },
  small: { nEmbd: 512, nLayer: 4, nHead: 8, nHeadKv: 4, nFf: 1536, nCtxTrain: 4096, tiedEmbeddings: true, ropeScaling: true, ropeFreqBase: 500000 },
  "1b": { nEmbd: 2048, nLayer: 16, nHead: 32, nHeadKv: 8, nFf: 8192, nCtxTrain: 131072, tiedEmbeddings: true, ropeScaling: true, ropeFreqBase: 500000 },
} as const satisfies Record<string, SynthShape>;

export type PresetName = keyof typeof PRESETS;
