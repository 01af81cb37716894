/** The forward conv's geometry that both backprop kernels start from, with dy checked against it. */
import { backend_util, type Conv2DBackpropFilterAttrs, type TensorInfo } from '@tensorflow/tfjs-core';

/** The attributes the two backprop kernels share. */
type ConvAttrs = Pick<Conv2DBackpropFilterAttrs, 'strides' | 'pad' | 'dimRoundingMode'>;

/** The conv's info, its input (n, h, w, ci) and its kernel (kh, kw, co). */
export interface ConvGeometry {
  info: backend_util.Conv2DInfo;
  n: number;
  h: number;
  w: number;
  ci: number;
  kh: number;
  kw: number;
  co: number;
}

export function backpropConvInfo(
  kernel: string,
  xShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  attrs: ConvAttrs,
  dy: TensorInfo,
): ConvGeometry {
  const info = backend_util.computeConv2DInfo(xShape, filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
  if (dy.shape.join() !== info.outShape.join()) {
    throw new Error(`${kernel}: dy has shape [${dy.shape}] but the conv gives [${info.outShape}]`);
  }
  const [n, h, w, ci] = xShape;
  const [kh, kw, , co] = filterShape;
  return { info, n, h, w, ci, kh, kw, co };
}
