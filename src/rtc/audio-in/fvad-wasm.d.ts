declare module '@echogarden/fvad-wasm' {
  /** The Emscripten module of libfvad (the WebRTC voice activity detector). */
  export interface FvadModule {
    HEAP16: Int16Array
    _malloc(bytes: number): number
    _free(pointer: number): void
    _fvad_new(): number
    _fvad_free(handle: number): void
    _fvad_reset(handle: number): void
    /** 0 (least aggressive) … 3 (most); 0 on success. */
    _fvad_set_mode(handle: number, mode: number): number
    /** 8000, 16000, 32000 or 48000; 0 on success. */
    _fvad_set_sample_rate(handle: number, rate: number): number
    /** 1 voiced, 0 not, -1 for a frame that is not 10, 20 or 30 ms long. */
    _fvad_process(handle: number, frame: number, length: number): number
  }
  const createModule: () => Promise<FvadModule>
  export default createModule
}
