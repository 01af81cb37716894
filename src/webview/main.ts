/**
 * Webview entry (browser). The painting UI and the inference worker arrive with the
 * editor issue; this bundle exists so the build and the CSP wiring have a target.
 */
export {};
