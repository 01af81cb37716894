/** The model shipped inside the package, relative to its root: the editor's and the CLI's default. */
export const BUNDLED_MODEL = ['media', 'models', 'tiny-untrained.safetensors'];
