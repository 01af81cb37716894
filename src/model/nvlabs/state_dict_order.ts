/**
 * The order PyTorch's `state_dict()` lists a module's tensors in: its parameters in the order
 * they were registered, then its buffers. `spectral_norm` deletes `weight` and registers
 * `weight_orig` after `bias`, and `weight_u` / `weight_v` as buffers, so a spectral-norm conv
 * lists bias, weight_orig, weight_u, weight_v. Our parameter specs keep weight_orig first.
 */
import type { NamedTensors } from '../checkpoint/host_tensor';

/** `tensors` (in module order) reordered within each spectral-norm module as PyTorch lists them. */
export function torchStateDictOrder(tensors: NamedTensors): NamedTensors {
  const out: NamedTensors = new Map();
  for (const [key, t] of tensors) {
    if (out.has(key)) continue;
    if (key.endsWith('.weight_orig')) {
      const bias = `${key.slice(0, -'weight_orig'.length)}bias`;
      const b = tensors.get(bias);
      if (b) out.set(bias, b);
    }
    out.set(key, t);
  }
  return out;
}
