/**
 * The models shipped inside the package, relative to its root: the default model we train, and
 * the untrained stand-in that `npm run build` writes (used until the default model exists, and by
 * the VS Code tests, where SwiftShader would take minutes a frame on the default model).
 */
export const BUNDLED_MODEL = ['media', 'models', 'default.safetensors'];
export const STAND_IN_MODEL = ['media', 'models', 'tiny-untrained.safetensors'];
