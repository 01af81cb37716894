/**
 * The toy generator of TESTING.md §4 (128², about 2.1M parameters), as our config: NVlabs
 * defaults except a narrow net (ngf 8, spade_hidden 32) and Cityscapes-sized labels (35 + the
 * instance-edge channel). bench/torch_reference.py builds the same network in PyTorch.
 */
import { makeConfig, type SpadeConfig } from '../src/model/config';

export const TOY: SpadeConfig = makeConfig({ label_nc: 35, ngf: 8, ndf: 16, spade_hidden: 32, crop_size: 128 });
