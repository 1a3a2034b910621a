import createFvad, { type FvadModule } from '@echogarden/fvad-wasm'

export type VadRate = 8000 | 16000 | 32000 | 48000
/** 0 lets most sound through as speech; 3 is the strictest about what counts as speech. */
export type VadMode = 0 | 1 | 2 | 3

export interface VadOptions {
  sampleRate: VadRate
  mode: VadMode
  /** 10, 20 or 30. */
  frameMs: 10 | 20 | 30
}

/** One WASM instance for the whole process: every peer's detector is a small handle in it. */
let loaded: Promise<FvadModule> | undefined
const loadFvad = (): Promise<FvadModule> => (loaded ??= createFvad())

/**
 * The WebRTC voice activity detector (libfvad, compiled to WASM) for one audio stream: says of
 * each frame whether it holds speech. It keeps state between frames, so one per peer.
 */
export class Vad {
  readonly frameSamples: number
  private handle: number
  private readonly frame: number

  private constructor(
    private readonly fvad: FvadModule,
    readonly options: VadOptions,
  ) {
    this.frameSamples = (options.sampleRate / 1000) * options.frameMs
    this.handle = fvad._fvad_new()
    if (!this.handle) throw new Error('the voice activity detector could not be created')
    if (fvad._fvad_set_mode(this.handle, options.mode) !== 0 || fvad._fvad_set_sample_rate(this.handle, options.sampleRate) !== 0) {
      fvad._fvad_free(this.handle)
      throw new Error(`unsupported voice activity settings: mode ${options.mode}, ${options.sampleRate} Hz`)
    }
    this.frame = fvad._malloc(this.frameSamples * 2)
  }

  static async create(options: VadOptions): Promise<Vad> {
    return new Vad(await loadFvad(), options)
  }

  /** Whether the frame (exactly `frameSamples` long) holds speech. */
  isSpeech(samples: Int16Array): boolean {
    if (samples.length !== this.frameSamples) throw new RangeError(`a frame is ${this.frameSamples} samples, not ${samples.length}`)
    if (!this.handle) return false
    // The heap view is taken each time: the WASM memory may have grown (and moved) since the last.
    this.fvad.HEAP16.set(samples, this.frame >> 1)
    return this.fvad._fvad_process(this.handle, this.frame, this.frameSamples) === 1
  }

  close(): void {
    if (!this.handle) return
    this.fvad._fvad_free(this.handle)
    this.fvad._free(this.frame)
    this.handle = 0
  }
}
