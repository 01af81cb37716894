/**
 * The one module that knows which web-component toolkit draws our controls. Today that is
 * @vscode/webview-ui-toolkit (archived in January 2025); moving to @vscode-elements/elements
 * should only touch this file. Everything else asks for a button, a text field or a slider
 * here and gets back a plain HTMLElement.
 *
 * The toolkit styles itself through constructable stylesheets and CSSOM, so it needs no
 * 'unsafe-inline' in the CSP.
 */
import { provideVSCodeDesignSystem, vsCodeButton, vsCodeTextField } from '@vscode/webview-ui-toolkit';

let registered = false;

/** Registers the custom elements once (must run before any control is created). */
export function registerControls(): void {
  if (registered) return;
  registered = true;
  provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeTextField());
}

export interface ButtonOptions {
  title?: string;
  /** Secondary buttons are the quiet ones; a pressed toggle is drawn as primary. */
  secondary?: boolean;
  id?: string;
  /** The accessible name, for buttons whose text is a symbol ("×"). */
  label?: string;
  onClick?: () => void;
}

export function button(text: string, opts: ButtonOptions = {}): HTMLElement {
  const b = document.createElement('vscode-button');
  b.textContent = text;
  b.setAttribute('appearance', opts.secondary ? 'secondary' : 'primary');
  if (opts.title) b.title = opts.title;
  if (opts.id) b.id = opts.id;
  if (opts.label) b.setAttribute('aria-label', opts.label);
  if (opts.onClick) {
    const f = opts.onClick;
    b.addEventListener('click', () => {
      if (!b.hasAttribute('disabled')) f();
    });
  }
  return b;
}

/** A button that is part of a toggle group: pressed = primary appearance + aria-pressed. */
export function setPressed(b: HTMLElement, pressed: boolean): void {
  b.setAttribute('appearance', pressed ? 'primary' : 'secondary');
  b.setAttribute('aria-pressed', String(pressed));
}

export function setDisabled(el: HTMLElement, disabled: boolean, why?: string): void {
  if (disabled) el.setAttribute('disabled', '');
  else el.removeAttribute('disabled');
  (el as HTMLInputElement).disabled = disabled;
  if (why !== undefined) el.title = why;
}

export interface TextFieldOptions {
  placeholder?: string;
  value?: string;
  size?: number;
  id?: string;
  title?: string;
  /** Every keystroke. */
  onInput?: (value: string) => void;
  /** Enter or focus loss. */
  onChange?: (value: string) => void;
}

export interface TextField {
  el: HTMLElement;
  get value(): string;
  set value(v: string);
}

export function textField(opts: TextFieldOptions = {}): TextField {
  const el = document.createElement('vscode-text-field') as HTMLElement & { value: string };
  if (opts.placeholder) el.setAttribute('placeholder', opts.placeholder);
  if (opts.size) el.setAttribute('size', String(opts.size));
  if (opts.id) el.id = opts.id;
  if (opts.title) el.title = opts.title;
  // The toolkit's field shows no label; its inner input takes this as its name.
  if (opts.title ?? opts.placeholder) el.setAttribute('aria-label', (opts.title ?? opts.placeholder)!);
  el.setAttribute('value', opts.value ?? '');
  if (opts.onInput) {
    const f = opts.onInput;
    el.addEventListener('input', () => f(el.value ?? ''));
  }
  if (opts.onChange) {
    const f = opts.onChange;
    el.addEventListener('change', () => f(el.value ?? ''));
    el.addEventListener('keydown', (e) => {
      if ((e as KeyboardEvent).key === 'Enter') f(el.value ?? '');
    });
  }
  return {
    el,
    get value() {
      return el.value ?? el.getAttribute('value') ?? '';
    },
    set value(v: string) {
      el.value = v;
      el.setAttribute('value', v);
    },
  };
}

export interface SliderOptions {
  min: number;
  max: number;
  step?: number;
  value: number;
  title?: string;
  id?: string;
  onInput: (value: number) => void;
}

/** The toolkit has no slider: a native range input, themed by our stylesheet (`.ui-slider`). */
export function slider(opts: SliderOptions): HTMLInputElement {
  const s = document.createElement('input');
  s.type = 'range';
  s.className = 'ui-slider';
  s.min = String(opts.min);
  s.max = String(opts.max);
  s.step = String(opts.step ?? 1);
  s.value = String(opts.value);
  if (opts.title) s.title = opts.title;
  if (opts.title) s.setAttribute('aria-label', opts.title);
  if (opts.id) s.id = opts.id;
  s.addEventListener('input', () => opts.onInput(Number(s.value)));
  return s;
}

/** A div with a class and its children (elements or text). */
export function div(className: string, ...children: Array<Node | string>): HTMLDivElement {
  const d = document.createElement('div');
  d.className = className;
  d.append(...children);
  return d;
}

/** A thin vertical rule between toolbar groups (the toolkit's divider is horizontal only). */
export function divider(): HTMLElement {
  const d = document.createElement('div');
  d.setAttribute('role', 'separator');
  d.setAttribute('aria-orientation', 'vertical');
  d.className = 'ui-divider';
  return d;
}

/** A labelled group of controls in the toolbar. */
export function group(label: string, ...children: HTMLElement[]): HTMLElement {
  const g = document.createElement('div');
  g.className = 'ui-group';
  g.setAttribute('role', 'group');
  g.setAttribute('aria-label', label);
  const l = document.createElement('span');
  l.className = 'ui-group-label';
  l.textContent = label;
  g.append(l, ...children);
  return g;
}
