// NeuMF's pre-training (He et al. 2017, §3.4.1): GMF and MLP are trained alone until convergence, and NeuMF starts
// from their embeddings and layers, its output layer the two towers' output vectors weighted by α and 1 − α
// (h ← [α·h_GMF; (1 − α)·h_MLP]; the paper's α = 0.5). The two tower logits then add up to NeuMF's logit at the start,
// so fine-tuning begins where the towers' average is, not at a random fusion. The paper fine-tunes with plain SGD
// because Adam's moments are not carried over; here Adam starts fresh moments at the same learning rate, and early
// stopping keeps the best fine-tuning epoch (on ML-100K ratio-811 the second: the fused start is already near the peak).
import type { NcfWeights } from './ncf-net.js';

/**
 * NeuMF's starting weights from a trained GMF and a trained MLP of the same shapes.
 *
 * @example
 * const start = fuseTowers(gmf.exportState().arrays, mlp.exportState().arrays, 0.5);
 */
export function fuseTowers(gmf: NcfWeights, mlp: NcfWeights, alpha: number): NcfWeights {
  const out: NcfWeights = {};
  for (const [name, w] of Object.entries(gmf)) if (name.startsWith('gmf.')) out[name] = w;
  for (const [name, w] of Object.entries(mlp)) if (name.startsWith('mlp.')) out[name] = w;
  const [hg, hm] = [gmf['out.w'], mlp['out.w']];
  const h = new Float32Array(hg.length + hm.length);
  for (let j = 0; j < hg.length; j++) h[j] = alpha * hg[j];
  for (let j = 0; j < hm.length; j++) h[hg.length + j] = (1 - alpha) * hm[j];
  out['out.w'] = h;
  out['out.b'] = Float32Array.of(alpha * gmf['out.b'][0] + (1 - alpha) * mlp['out.b'][0]);
  return out;
}
