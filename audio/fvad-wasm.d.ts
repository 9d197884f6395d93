// @echogarden/fvad-wasm ships no typings; audio/vad.ts describes the module it loads.
declare module '@echogarden/fvad-wasm' {
  const fvad: unknown;
  export default fvad;
}
