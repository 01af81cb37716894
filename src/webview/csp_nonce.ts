/**
 * Imported first by main.ts, before the toolkit's modules run: FAST (under the toolkit)
 * probes `:focus-visible` support at module load with a <style> element, taking its nonce
 * from <meta property="csp-nonce">. Without that meta the probe is a CSP violation (logged;
 * FAST then falls back to :focus). The host puts the nonce on <body data-nonce>.
 */
const nonce = document.body?.dataset.nonce ?? (document.currentScript as HTMLScriptElement | null)?.nonce;
if (nonce && !document.querySelector('meta[property="csp-nonce"]')) {
  const meta = document.createElement('meta');
  meta.setAttribute('property', 'csp-nonce');
  meta.setAttribute('content', nonce);
  document.head.appendChild(meta);
}

export {};
